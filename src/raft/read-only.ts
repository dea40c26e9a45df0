import type { ReadState } from './types.js';

interface PendingRead {
  ctx: string;
  index: number;
  round: number;
  /** Reads sharing this ctx (join): one ReadState answers them all. */
  reads: number;
}

interface UnsentRead {
  ctx: string;
  index: number;
  reads: number;
}

/**
 * ReadIndex (thesis §6.4): a read is served at the commit index the leader had when the read
 * arrived, once a quorum has acknowledged a heartbeat round sent after that moment (proving no
 * newer leader existed then). Reads that arrive before the leader committed an entry of its own
 * term wait, because until then its commit index may be behind the true one.
 */
export class ReadOnly {
  private awaitingCommit: { ctx: string; reads: number }[] = [];
  /** Reads that need a heartbeat round not yet sent (batched into one round per Ready). */
  private unsent: UnsentRead[] = [];
  private pending: PendingRead[] = [];
  private head = 0;
  /** Reads at every stage, joined ones each counted. */
  private reads = 0;

  constructor(private readonly maxPending: number) {}

  size(): number {
    return this.reads;
  }

  full(): boolean {
    return this.size() >= this.maxPending;
  }

  waitForCommit(ctx: string): void {
    this.awaitingCommit.push({ ctx, reads: 1 });
    this.reads++;
  }

  /** The leader committed in its term: reads waiting for that now need a round at `commit`. */
  releaseAwaitingCommit(commit: number): void {
    for (const r of this.awaitingCommit) this.unsent.push({ ctx: r.ctx, index: commit, reads: r.reads });
    this.awaitingCommit = [];
  }

  add(ctx: string, index: number): void {
    this.unsent.push({ ctx, index, reads: 1 });
    this.reads++;
  }

  /**
   * Adds a read to `ctx`, the latest read added, if no round has been sent for it yet: the round
   * that will confirm `ctx` leaves after this read arrived, so it proves this read too. Its index
   * rises to `index` (the commit index now), since a read must see every write committed before
   * it arrived. Returns false when `ctx` is not the latest read or its round has gone: the
   * caller adds a read of its own.
   */
  join(ctx: string, index: number): boolean {
    const unsent = this.unsent[this.unsent.length - 1];
    if (unsent?.ctx === ctx) {
      unsent.index = Math.max(unsent.index, index);
      unsent.reads++;
      this.reads++;
      return true;
    }
    const waiting = this.awaitingCommit[this.awaitingCommit.length - 1];
    if (waiting?.ctx === ctx) {
      // It will be given the commit index of the leader's first commit, later than now.
      waiting.reads++;
      this.reads++;
      return true;
    }
    return false;
  }

  needsRound(): boolean {
    return this.unsent.length > 0;
  }

  /** Assigns every read without one to heartbeat round `round` (just being sent). */
  assignRound(round: number): void {
    for (const r of this.unsent) this.pending.push({ ctx: r.ctx, index: r.index, round, reads: r.reads });
    this.unsent = [];
  }

  /** Releases every read whose round a quorum acknowledged. */
  confirm(quorumRound: number, out: ReadState[]): void {
    while (this.head < this.pending.length && this.pending[this.head]!.round <= quorumRound) {
      const r = this.pending[this.head++]!;
      this.reads -= r.reads;
      out.push({ ctx: r.ctx, index: r.index });
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Leadership lost: every outstanding read fails and the caller must retry elsewhere. */
  drain(out: string[]): void {
    for (const r of this.awaitingCommit) out.push(r.ctx);
    for (const r of this.unsent) out.push(r.ctx);
    for (let i = this.head; i < this.pending.length; i++) out.push(this.pending[i]!.ctx);
    this.awaitingCommit = [];
    this.unsent = [];
    this.pending = [];
    this.head = 0;
    this.reads = 0;
  }
}
