import type { Entry } from './types.js';
import { RaftInvariantError } from './errors.js';

/** Approximate wire/disk size of an entry, used for flow control and batch limits. */
export function entryBytes(e: Entry): number {
  return e.data.byteLength + 24;
}

/**
 * The in-memory view of the log: entries after the last snapshot, which prefix is durable
 * (`stableIndex`), committed and applied. The host persists `unstableEntries()` and reports back
 * with `stableTo`; the log is compacted by the host once a snapshot covers a prefix.
 */
export class RaftLog {
  /** entries[k].index === snapshotIndex + 1 + k */
  private entries: Entry[] = [];
  snapshotIndex = 0;
  snapshotTerm = 0;
  committed = 0;
  applied = 0;
  /** Highest index known to be durable on this node's disk. */
  stableIndex = 0;

  /** Builds the log a node restarts with: everything handed back by storage is already durable. */
  static restore(snapshotIndex: number, snapshotTerm: number, entries: Entry[], commit: number, applied: number): RaftLog {
    const log = new RaftLog();
    log.snapshotIndex = snapshotIndex;
    log.snapshotTerm = snapshotTerm;
    for (let k = 0; k < entries.length; k++) {
      if (entries[k]!.index !== snapshotIndex + 1 + k) {
        throw new Error(`raft log: restored entries not contiguous at ${entries[k]!.index}`);
      }
    }
    log.entries = entries.slice();
    log.stableIndex = log.lastIndex();
    log.committed = Math.min(Math.max(commit, snapshotIndex), log.lastIndex());
    log.applied = Math.min(Math.max(applied, snapshotIndex), log.committed);
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.term : this.snapshotTerm;
  }

  /** The term at `index`, or null when it is compacted away or beyond the end. */
  term(index: number): number | null {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return null;
    return this.entries[index - this.snapshotIndex - 1]!.term;
  }

  entryAt(index: number): Entry | undefined {
    return this.entries[index - this.snapshotIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Appends entries that may overwrite an uncommitted suffix starting at entries[0].index. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    if (first <= this.committed) {
      throw new RaftInvariantError(`raft log: refusing to overwrite committed index ${first} (committed ${this.committed})`);
    }
    if (first > this.lastIndex() + 1) {
      throw new RaftInvariantError(`raft log: gap appending ${first} after ${this.lastIndex()}`);
    }
    this.entries.length = first - this.snapshotIndex - 1;
    for (const e of entries) this.entries.push(e);
    if (this.stableIndex >= first) this.stableIndex = first - 1;
  }

  /**
   * The follower side of AppendEntries (§5.3): if (prevIndex, prevTerm) matches, skip entries we
   * already hold, cut at the first conflicting one and append the rest. Returns the index of the
   * last entry known to match the leader and the entries actually written (to track
   * configurations), or null when prevIndex does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): { lastNew: number; written: Entry[] } | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    let k = 0;
    while (k < entries.length) {
      const e = entries[k]!;
      // Entries at or below the snapshot are committed and therefore match.
      if (e.index <= this.snapshotIndex || this.term(e.index) === e.term) k++;
      else break;
    }
    const written = k < entries.length ? (k === 0 ? entries : entries.slice(k)) : [];
    this.append(written);
    return { lastNew: prevIndex + entries.length, written };
  }

  /**
   * Largest index <= `index` whose term is <= `term` (or the snapshot index). Used on both sides
   * of the fast back-off so that a whole conflicting term is skipped in one round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshotIndex) {
      const t = this.term(i)!;
      if (t <= term) return i;
      i--;
    }
    return this.snapshotIndex;
  }

  /** Entries in [lo, hi) limited by bytes and count; always at least one if the range is non-empty. */
  slice(lo: number, hi: number, maxBytes: number, maxCount: number): Entry[] {
    if (lo <= this.snapshotIndex) throw new RaftInvariantError(`raft log: slice from compacted index ${lo}`);
    const out: Entry[] = [];
    let bytes = 0;
    const end = Math.min(hi, this.lastIndex() + 1);
    for (let i = lo; i < end && out.length < maxCount; i++) {
      const e = this.entries[i - this.snapshotIndex - 1]!;
      const size = entryBytes(e);
      if (out.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      out.push(e);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    const from = Math.max(this.stableIndex, this.snapshotIndex);
    return this.entries.slice(from - this.snapshotIndex);
  }

  hasUnstable(): boolean {
    return this.lastIndex() > Math.max(this.stableIndex, this.snapshotIndex);
  }

  /** Marks entries up to `index` durable unless they were overwritten since the Ready was built. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      if (index > this.lastIndex()) throw new RaftInvariantError(`raft log: commit ${index} beyond last ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  /** Committed entries not yet handed to the state machine, limited by `maxBytes`. */
  nextCommitted(maxBytes: number): Entry[] {
    if (this.committed <= this.applied) return [];
    return this.slice(this.applied + 1, this.committed + 1, maxBytes, Number.MAX_SAFE_INTEGER);
  }

  hasNextCommitted(): boolean {
    return this.committed > this.applied;
  }

  appliedTo(index: number): void {
    if (index > this.committed) throw new RaftInvariantError(`raft log: applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /** Replaces the whole log by a snapshot's position (a follower installing a snapshot). */
  resetToSnapshot(index: number, term: number): void {
    this.entries = [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.committed = index;
    this.applied = index;
    this.stableIndex = index;
  }

  /** Drops entries up to `index`, which the host has captured in a snapshot. */
  compact(index: number): void {
    if (index <= this.snapshotIndex) return;
    if (index > this.applied) throw new RaftInvariantError(`raft log: compacting ${index} beyond applied ${this.applied}`);
    const term = this.term(index)!;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }
}
