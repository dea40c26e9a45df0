import type { ReadState } from './types.js';

interface PendingRead {
  ctx: string;
  index: number;
  round: number;
}

/**
 * ReadIndex (thesis §6.4): a read is served at the commit index the leader had when the read
 * arrived, once a quorum has acknowledged a heartbeat round sent after that moment (proving no
 * newer leader existed then). Reads that arrive before the leader committed an entry of its own
 * term wait, because until then its commit index may be behind the true one.
 */
export class ReadOnly {
  private awaitingCommit: string[] = [];
  /** Reads that need a heartbeat round not yet sent (batched into one round per Ready). */
  private unsent: { ctx: string; index: number }[] = [];
  private pending: PendingRead[] = [];
  private head = 0;

  constructor(private readonly maxPending: number) {}

  size(): number {
    return this.awaitingCommit.length + this.unsent.length + this.pending.length - this.head;
  }

  full(): boolean {
    return this.size() >= this.maxPending;
  }

  waitForCommit(ctx: string): void {
    this.awaitingCommit.push(ctx);
  }

  /** The leader committed in its term: reads waiting for that now need a round at `commit`. */
  releaseAwaitingCommit(commit: number): void {
    for (const ctx of this.awaitingCommit) this.unsent.push({ ctx, index: commit });
    this.awaitingCommit = [];
  }

  add(ctx: string, index: number): void {
    this.unsent.push({ ctx, index });
  }

  needsRound(): boolean {
    return this.unsent.length > 0;
  }

  /** Assigns every read without one to heartbeat round `round` (just being sent). */
  assignRound(round: number): void {
    for (const r of this.unsent) this.pending.push({ ctx: r.ctx, index: r.index, round });
    this.unsent = [];
  }

  /** Releases every read whose round a quorum acknowledged. */
  confirm(quorumRound: number, out: ReadState[]): void {
    while (this.head < this.pending.length && this.pending[this.head]!.round <= quorumRound) {
      const r = this.pending[this.head++]!;
      out.push({ ctx: r.ctx, index: r.index });
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** Leadership lost: every outstanding read fails and the caller must retry elsewhere. */
  drain(out: string[]): void {
    for (const ctx of this.awaitingCommit) out.push(ctx);
    for (const r of this.unsent) out.push(r.ctx);
    for (let i = this.head; i < this.pending.length; i++) out.push(this.pending[i]!.ctx);
    this.awaitingCommit = [];
    this.unsent = [];
    this.pending = [];
    this.head = 0;
  }
}
