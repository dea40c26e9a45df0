// The leader's bookkeeping of the snapshots it sends, by follower: which state each stream in
// flight carries (the driver keeps the log after it, so the follower can catch up from there
// instead of needing another snapshot), and which one a follower acknowledged but has not yet
// answered for (it is installing it; a second full transfer to it would help nobody) — unless the
// process that acknowledged it is gone: a follower that restarts before its install lost the
// snapshot, and waiting out the grace would only delay its catch-up.

/** How long an acknowledged snapshot keeps its hold and its guard while the follower's answer is awaited. */
export const SNAPSHOT_ANSWER_GRACE_MS = 10_000;

/** Thrown by `SnapshotSends.begin` for a follower still installing the snapshot it acknowledged. */
export class SnapshotBeingInstalledError extends Error {}

/** Snapshot streams to followers: in flight, then acknowledged until the follower answers. */
export class SnapshotSends {
  /** The index of the state each stream carries, by peer; kept through the grace after an acknowledgement. */
  private readonly inFlight = new Map<string, number>();
  /** Acknowledged in the last grace period, by peer, until the follower's answer raises its match. */
  private readonly acked = new Map<string, number>();
  /** The incarnation of the process that acknowledged, by peer (only when it said: not 0). */
  private readonly ackedBy = new Map<string, number>();

  constructor(private readonly answerGraceMs = SNAPSHOT_ANSWER_GRACE_MS) {}

  /** The log index to keep after, by peer (read by the driver's compaction). One entry per member at most. */
  held(): ReadonlyMap<string, number> {
    return this.inFlight;
  }

  /** The index of the state each stream still under way carries (not those acknowledged and awaiting an answer). */
  *streaming(): IterableIterator<number> {
    for (const [peer, index] of this.inFlight) if (this.acked.get(peer) !== index) yield index;
  }

  /**
   * A snapshot at `coreIndex` is about to be sent to `peer`, whose match is `match`. Throws
   * SnapshotBeingInstalledError when the peer acknowledged one at a higher index a moment ago: the
   * core, having given up waiting on a long transfer, probes the follower's still empty log and
   * asks again; refusing costs a round trip, and the core probes again.
   */
  begin(peer: string, coreIndex: number, match: number): void {
    const acked = this.acked.get(peer);
    if (acked !== undefined) {
      if (match < acked) throw new SnapshotBeingInstalledError(`${peer} is installing the snapshot at index ${acked} it acknowledged; waiting for its answer`);
      this.forget(peer);
    }
    // Held from the core's snapshot point until the stream says which state it carries: while
    // the state machine's snapshot opens, the core may give up waiting and the log be compacted.
    this.inFlight.set(peer, coreIndex);
  }

  /** The stream to `peer` opened on the state at `appliedIndex` (unless the transfer already ended). */
  opened(peer: string, appliedIndex: number): void {
    if (this.inFlight.has(peer)) this.inFlight.set(peer, appliedIndex);
  }

  /**
   * The transfer to `peer` ended: acknowledged (`ok`, by its process `incarnation`; 0 if it did
   * not say) or not. Returns false when nothing acknowledged is on record for it (a failure, or a
   * refusal by `begin`), for the caller to report the failure to the core.
   */
  ended(peer: string, ok: boolean, incarnation = 0): boolean {
    const index = this.inFlight.get(peer);
    if (!ok || index === undefined) {
      // A refusal by begin() keeps the hold of the snapshot being installed.
      if (index !== this.acked.get(peer)) this.inFlight.delete(peer);
      return false;
    }
    // The follower's answer to the install, which raises its match to the index, may still be on
    // its way. Until it lands (at most the grace period) the log after the index stays, and no
    // second snapshot goes to it.
    this.acked.set(peer, index);
    if (incarnation > 0) this.ackedBy.set(peer, incarnation);
    else this.ackedBy.delete(peer);
    setTimeout(() => {
      if (this.inFlight.get(peer) === index) this.inFlight.delete(peer);
      if (this.acked.get(peer) === index) this.forget(peer);
    }, this.answerGraceMs).unref();
    return true;
  }

  /**
   * `peer` spoke from its process `incarnation`. When that is not the process that acknowledged
   * the snapshot being installed, the follower restarted and lost it: the guard and the hold go,
   * so the core's next probe gets a new snapshot at once. Returns the index let go, or null.
   */
  heardFrom(peer: string, incarnation: number): number | null {
    const by = this.ackedBy.get(peer);
    if (by === undefined || by === incarnation) return null;
    const index = this.acked.get(peer) as number;
    if (this.inFlight.get(peer) === index) this.inFlight.delete(peer);
    this.forget(peer);
    return index;
  }

  private forget(peer: string): void {
    this.acked.delete(peer);
    this.ackedBy.delete(peer);
  }
}
