// The in-memory view of the log: bounds, terms, the cached tail, hard state and snapshot.
// It changes when a call is admitted (in call order), before the disk does, so lastIndex() and
// term() answer for entries whose append is still in flight, as etcd's unstable log does.
// Admission is also where contracts are checked: a violation rejects that call only.
import type { HardState, SnapshotMeta } from '../raft/types.js';
import type { EntryCache } from './cache.js';
import { WalCompactedError, WalUnavailableError, WalUsageError } from './errors.js';
import type { PendingOp } from './group-commit.js';
import type { LoadedLog } from './open.js';
import type { TermIndex } from './term-index.js';

/** Bounds, terms and cache of the log as admitted so far. */
export class LogView {
  first: number;
  last: number;
  /** Term of entry first - 1. */
  prevTerm: number;
  /** Every entry up to here is durable (kept conservative across truncations). */
  durable: number;
  hs: HardState;
  snap: SnapshotMeta | null;
  /** Bumped whenever the log loses entries, so racing reads restart and stale acks are ignored. */
  shrinks = 0;
  readonly terms: TermIndex;
  readonly cache: EntryCache;

  constructor(loaded: LoadedLog) {
    this.terms = loaded.terms;
    this.cache = loaded.cache;
    this.first = loaded.firstIndex;
    this.last = loaded.lastIndex;
    this.durable = loaded.lastIndex;
    this.prevTerm = loaded.prevTerm;
    this.hs = loaded.hardState;
    this.snap = loaded.snapshot;
  }

  /** Term of entry `index`, for first-1 ..= last and the snapshot's index. */
  term(index: number): number {
    if (this.snap !== null && index === this.snap.index) return this.snap.term;
    if (index === this.first - 1) return this.prevTerm;
    if (index < this.first - 1) throw new WalCompactedError(index, this.first);
    if (index > this.last) throw new WalUnavailableError(index, this.last);
    return this.terms.termAt(index);
  }

  /** Validates `op` against the log as admitted so far and applies it; throws to reject it. */
  admit(op: PendingOp): void {
    op.epoch = this.shrinks;
    switch (op.kind) {
      case 'append':
        return this.admitAppend(op);
      case 'truncate':
        return this.admitTruncate(op.index);
      case 'compact':
        if (this.snap === null || op.index > this.snap.index) {
          throw new WalUsageError(`compactPrefix(${op.index}) goes past the snapshot (${this.snap?.index ?? 'none'})`);
        }
        return;
      case 'hardState':
        checkHardState(this.hs, op.state!.hardState);
        this.hs = op.state!.hardState;
        op.state = { hardState: this.hs, snapshot: this.snap };
        return;
      case 'snapshot':
      case 'reset':
        return this.admitSnapshot(op);
    }
  }

  /** A batch ending with `lastAppend` is durable. */
  markDurable(lastAppend: PendingOp): void {
    // An append admitted before a later truncation no longer describes the log's tail.
    if (lastAppend.epoch === this.shrinks) this.durable = lastAppend.index;
  }

  /** Compaction removed every entry before `firstIndex`, whose predecessor has `prevTerm`. */
  compacted(firstIndex: number, prevTerm: number): void {
    if (firstIndex <= this.first) return;
    this.terms.compactTo(firstIndex);
    this.cache.dropBefore(firstIndex);
    this.first = firstIndex;
    this.prevTerm = prevTerm;
    this.shrinks++;
  }

  private admitAppend(op: PendingOp): void {
    const entries = op.entries!;
    const from = entries[0]!.index;
    if (from > this.last + 1) throw new WalUsageError(`append at ${from} leaves a gap after ${this.last}`);
    this.checkRemovable(from, 'append');
    const prevTerm = this.term(from - 1);
    let term = prevTerm;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.index !== from + i) throw new WalUsageError(`append: entry ${e.index} at position ${i} is not contiguous`);
      if (e.term < term) throw new WalUsageError(`append: entry ${e.index} has term ${e.term} below ${term}`);
      term = e.term;
    }
    if (from <= this.last) {
      this.shrinkTo(from);
      op.truncateFrom = from;
      op.epoch = this.shrinks;
    }
    op.prevTerm = prevTerm;
    for (let i = 0; i < entries.length; i++) {
      this.terms.push(entries[i]!.index, entries[i]!.term);
      this.cache.push(entries[i]!);
    }
    this.last = op.index;
  }

  private admitTruncate(from: number): void {
    if (from > this.last) return;
    this.checkRemovable(from, 'truncateSuffix');
    this.shrinkTo(from);
  }

  /** Raft never removes committed entries (§5.4); being asked to is a bug upstream. */
  private checkRemovable(from: number, what: string): void {
    if (from < this.first) throw new WalCompactedError(from, this.first);
    const floor = Math.max(this.hs.commit, this.snap?.index ?? 0);
    if (from <= this.last && from <= floor) {
      throw new WalUsageError(`${what} at ${from} would remove committed entries (commit/snapshot ${floor})`);
    }
  }

  private shrinkTo(from: number): void {
    this.terms.truncateFrom(from);
    this.cache.truncateFrom(from);
    this.last = from - 1;
    this.durable = Math.min(this.durable, from - 1);
    this.shrinks++;
  }

  private admitSnapshot(op: PendingOp): void {
    const meta = op.state!.snapshot!;
    if (this.snap !== null && meta.index < this.snap.index) {
      throw new WalUsageError(`snapshot ${meta.index} is older than the saved snapshot ${this.snap.index}`);
    }
    const inLog = meta.index >= this.first - 1 && meta.index <= this.last;
    const logTerm = inLog ? (meta.index === this.first - 1 ? this.prevTerm : this.terms.termAt(meta.index)) : -1;
    this.snap = meta;
    op.state = { hardState: this.hs, snapshot: meta };
    if (logTerm === meta.term) return;
    // The log cannot follow this snapshot: start an empty one after it (etcd's ApplySnapshot).
    op.kind = 'reset';
    this.terms.clear();
    this.cache.reset(meta.index + 1);
    this.first = meta.index + 1;
    this.last = meta.index;
    this.prevTerm = meta.term;
    this.durable = Math.min(this.durable, meta.index);
    this.shrinks++;
    op.epoch = this.shrinks;
  }
}

/** Term never goes back and a vote is never changed within a term (Raft §5.2: one vote per term). */
function checkHardState(cur: HardState, next: HardState): void {
  if (next.term < cur.term) throw new WalUsageError(`hard state term ${next.term} below saved term ${cur.term}`);
  if (next.term === cur.term && cur.vote !== null && next.vote !== cur.vote) {
    throw new WalUsageError(`vote for ${next.vote} in term ${next.term}, which already voted for ${cur.vote}`);
  }
  if (next.commit < cur.commit) throw new WalUsageError(`commit ${next.commit} below saved commit ${cur.commit}`);
}
