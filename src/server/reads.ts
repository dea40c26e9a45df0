import type { ReadState } from '../raft/index.js';
import { LeadershipLostError, unavailable } from './errors.js';

interface ReadWaiter {
  resolve: (index: number) => void;
  reject: (e: Error) => void;
}

/**
 * Linearizable reads in flight: first the Raft core confirms a read index (ReadIndex or lease),
 * then the read waits until the state machine has applied that index.
 */
export class ReadTracker {
  private seq = 0;
  private readonly pending = new Map<string, ReadWaiter>();
  private applyWaiters: { index: number; resolve: () => void }[] = [];

  /** A fresh context for raft.readIndex / raft.leaseRead. */
  nextCtx(): string {
    return String(++this.seq);
  }

  /** Waits for the core's ReadState for `ctx`; resolves with the read index. */
  wait(ctx: string): Promise<number> {
    return new Promise((resolve, reject) => this.pending.set(ctx, { resolve, reject }));
  }

  readStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const w = this.pending.get(rs.ctx);
      if (!w) continue;
      this.pending.delete(rs.ctx);
      w.resolve(rs.index);
    }
  }

  failed(ctxs: readonly string[]): void {
    for (const ctx of ctxs) {
      const w = this.pending.get(ctx);
      if (!w) continue;
      this.pending.delete(ctx);
      w.reject(new LeadershipLostError('leadership lost before the read was confirmed; retry'));
    }
  }

  /** Whether a read waits for the state machine to apply more. */
  get awaitingApply(): boolean {
    return this.applyWaiters.length > 0;
  }

  /** Resolves once the state machine has applied `index` (given the current applied index). */
  waitApplied(index: number, applied: number): Promise<void> {
    if (index <= applied) return Promise.resolve();
    return new Promise((resolve) => this.applyWaiters.push({ index, resolve }));
  }

  appliedTo(applied: number): void {
    if (this.applyWaiters.length === 0) return;
    const rest: typeof this.applyWaiters = [];
    for (const w of this.applyWaiters) {
      if (w.index <= applied) w.resolve();
      else rest.push(w);
    }
    this.applyWaiters = rest;
  }

  failAll(why: string): void {
    const err = unavailable(why);
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }
}
