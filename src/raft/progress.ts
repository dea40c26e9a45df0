import { Inflights } from './inflights.js';

/**
 * How the leader replicates to one follower (as etcd's tracker):
 *  - probe: one append per heartbeat interval until the follower's match index is found;
 *  - replicate: stream appends optimistically, bounded by the inflight window;
 *  - snapshot: the follower needs compacted entries; wait for it to report the snapshot applied.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is outstanding, wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Highest heartbeat round this follower acknowledged (ReadIndex and leases). */
  ackedRound = 0;
  /** Ticks spent in snapshot state; a snapshot lost in transit is retried after a bound. */
  snapshotTicks = 0;
  /** Ticks since the follower last answered anything; shown in status as last contact. */
  ticksSinceContact = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot; resume right after it.
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** Records a successful append up to `index`; returns whether the match index moved. */
  maybeUpdate(index: number): boolean {
    let moved = false;
    if (index > this.match) {
      this.match = index;
      moved = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return moved;
  }

  /**
   * Handles a rejected append of `rejected` (its prevIndex). Returns false when the rejection is
   * stale (answers an older message) and must be ignored. `hintNext` is where to probe next.
   */
  maybeDecrTo(rejected: number, hintNext: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hintNext), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold off sending more entries to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
