// When to compact the log and up to which index (§7). The driver (driver.ts) does the compaction
// itself: the state machine's sync beside its Ready loop, then the snapshot point in the WAL. This
// file only decides, from what was applied and what the followers still need.
import { entryBytes, type Entry, type NodeId, type RaftNode } from '../raft/index.js';
import { LogSpanBytes } from './log-span-bytes.js';

export interface CompactionPolicy {
  /** Compact once this many entries were applied since the last snapshot point (beyond keepEntries). */
  snapshotEntries: number;
  /** Entries kept in the log behind a snapshot, so slightly lagging followers need no snapshot. */
  keepEntries: number;
  /**
   * Also compact once the entries applied since the last compaction hold this many bytes: the
   * core keeps every entry since the last snapshot in memory, so with 64 KiB values 10,000
   * entries were 640 MiB of RSS on every node (default: no byte bound).
   */
  snapshotBytes?: number;
  /** Of the `keepEntries` kept behind a snapshot, at most this many bytes (default: no bound). */
  keepBytes?: number;
  /**
   * Leader: beyond keepEntries, the log keeps what the furthest-behind follower still needs (from
   * its match, or from the snapshot being sent to it) while those entries hold at most this many
   * bytes (default 0: not at all). Without it, a learner whose snapshot took longer than
   * keepEntries writes to send found the entries after it compacted, and needed another
   * snapshot, and under steady writes another: it never caught up.
   */
  catchUpBytes?: number;
}

export class CompactionPoint {
  /** Bytes of the entries applied since the last compaction (snapshotBytes). */
  private appliedBytes = 0;
  /** The applied index when compaction was last held back for a follower; 0: not held. */
  private catchUpLookedAt = 0;
  /** The bytes of the entries kept for followers catching up, counted on from the last look. */
  private readonly heldBytes = new LogSpanBytes();

  constructor(
    private readonly raft: RaftNode,
    private readonly policy: CompactionPolicy,
    /** Snapshots being streamed now, by peer: the index of the state each carries. */
    private readonly snapshotsInFlight: () => ReadonlyMap<NodeId, number> | undefined,
  ) {}

  /** Entries handed to the apply stage count towards snapshotBytes. */
  applied(entries: readonly Entry[]): void {
    for (const e of entries) this.appliedBytes += entryBytes(e);
  }

  /** A snapshot replaced the state machine: nothing applied since. */
  reset(): void {
    this.appliedBytes = 0;
  }

  /**
   * The index to compact the log to now, or null when compaction is not due or nothing can go.
   * A returned index starts the byte count afresh: the caller compacts to it.
   */
  due(): number | null {
    const { raft } = this;
    const bytesDue = this.appliedBytes >= (this.policy.snapshotBytes ?? Infinity);
    const countDue = raft.log.applied - this.policy.keepEntries - raft.log.snapshotIndex >= this.policy.snapshotEntries;
    if (!countDue && !bytesDue) return null;
    // While the log is held for a follower, compaction stays due: look again only every
    // snapshotEntries / 8 entries, not at every Ready (each look walks the held entries).
    if (this.catchUpLookedAt > 0 && raft.log.applied - this.catchUpLookedAt < this.policy.snapshotEntries / 8) return null;
    const base = raft.log.applied - this.keptEntries(raft.log.applied);
    const target = this.heldForCatchUp(base);
    this.catchUpLookedAt = target < base ? raft.log.applied : 0;
    if (target <= raft.log.snapshotIndex) return null;
    this.appliedBytes = 0;
    return target;
  }

  /**
   * `target`, or lower so that the furthest-behind follower finds in the log
   * the entries after its match (or after the snapshot it is being sent), while those hold at
   * most catchUpBytes.
   */
  private heldForCatchUp(target: number): number {
    const { raft } = this;
    const maxBytes = this.policy.catchUpBytes ?? 0;
    if (maxBytes <= 0 || raft.role !== 'leader') return target;
    const inFlight = this.snapshotsInFlight();
    let floor = target;
    for (const f of raft.status().followers) {
      // What the follower holds, or will once the snapshot on its way is installed: the stream in
      // flight says which state that is. The core's pending index may belong to a request the
      // transport dropped (one stream per peer) and be compacted already: then the follower
      // would look lost and the entries after its stream be dropped (seen in a loaded test run).
      const sending = inFlight?.get(f.id);
      const coming = sending ?? (f.state === 'snapshot' ? f.pendingSnapshot : undefined);
      const holds = Math.max(f.match, coming ?? 0);
      // One whose next entry is already compacted needs a snapshot whatever is kept: not waited for.
      if (holds >= raft.log.snapshotIndex) floor = Math.min(floor, holds);
    }
    if (floor >= target) return target;
    const bytes = this.heldBytes.measure(floor, target, (i) => raft.log.entryAt(i), maxBytes);
    // Too far behind to keep for (or a gap): it gets a snapshot, the log what it holds for the others.
    if (bytes === undefined || bytes > maxBytes) return target;
    return floor;
  }

  /** How many entries up to `applied` stay in the log: keepEntries, at most keepBytes of them. */
  private keptEntries(applied: number): number {
    const { raft } = this;
    const maxBytes = this.policy.keepBytes ?? Infinity;
    let kept = 0;
    let bytes = 0;
    while (kept < this.policy.keepEntries && applied - kept > raft.log.snapshotIndex) {
      const e = raft.log.entryAt(applied - kept);
      if (e === undefined) break;
      bytes += entryBytes(e);
      if (bytes > maxBytes) break;
      kept++;
    }
    return kept;
  }
}
