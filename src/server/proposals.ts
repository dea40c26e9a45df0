import type { Entry } from '../raft/index.js';
import type { ApplyResult } from '../state/index.js';
import { unavailable } from './errors.js';

interface Waiter {
  term: number;
  bytes: number;
  resolve: (r: ApplyResult) => void;
  reject: (e: Error) => void;
}

/**
 * Clients waiting for their proposal to be applied, by log index. A waiter is answered when the
 * entry at its index is applied: with the result if the entry is the one it proposed (same
 * term), with UNAVAILABLE if another leader overwrote it. Leadership loss fails the waiters of
 * entries not yet committed: their outcome is then unknown, and the client's retry with the same
 * request id is deduplicated. A committed entry is applied all the same, so its waiter is kept and
 * answered (a leader that removes itself steps down as the change commits, for one).
 */
export class ProposalTracker {
  private readonly waiters = new Map<number, Waiter>();
  private waitingBytes = 0;

  /** Proposals waiting to be applied. */
  get size(): number {
    return this.waiters.size;
  }

  /** Bytes of the proposals waiting to be applied (their encoded commands). */
  get bytes(): number {
    return this.waitingBytes;
  }

  /** Waits for the entry proposed at (index, term), `bytes` long. */
  wait(index: number, term: number, bytes = 0): Promise<ApplyResult> {
    const earlier = this.waiters.get(index);
    if (earlier) {
      // A proposal of an earlier term at this index was replaced without being failed.
      this.take(index, earlier);
      earlier.reject(unavailable('the proposal was overwritten by a new leader; retry'));
    }
    return new Promise((resolve, reject) => {
      this.waiters.set(index, { term, bytes, resolve, reject });
      this.waitingBytes += bytes;
    });
  }

  /** Forgets a waiter (answered or failed). */
  private take(index: number, w: Waiter): void {
    this.waiters.delete(index);
    this.waitingBytes -= w.bytes;
  }

  /** Answers the waiters of just-applied entries. */
  applied(entries: readonly Entry[], results: readonly ApplyResult[]): void {
    if (this.waiters.size === 0) return;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const w = this.waiters.get(e.index);
      if (!w) continue;
      this.take(e.index, w);
      if (w.term === e.term) w.resolve(results[k]!);
      else w.reject(unavailable('the proposal was overwritten by a new leader; retry'));
    }
  }

  /** Leadership lost: fails the waiters of entries after `committed`, whose outcome is unknown. */
  failUncommitted(committed: number, why: string): void {
    let err: Error | null = null;
    for (const [index, w] of this.waiters) {
      if (index <= committed) continue;
      this.take(index, w);
      w.reject((err ??= unavailable(why)));
    }
  }

  /** Fails every waiter (node closing). */
  failAll(why: string): void {
    const err = unavailable(why);
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
    this.waitingBytes = 0;
  }
}
