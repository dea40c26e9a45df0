// The in-memory tail of the log. Raft mostly reads what it just wrote (replicating to followers,
// applying committed entries), so recent entries are served without touching the disk. Entries
// not yet durable are always cached (they may not be on disk); durable ones are evicted oldest
// first once the cache is over its byte budget.
import type { Entry } from '../raft/types.js';
import { entrySizeBytes } from './record.js';

/** A contiguous run of the newest entries, [firstIndex, firstIndex + length). */
export class EntryCache {
  /**
   * Slots before head are evicted, cleared at once (an evicted entry kept in its slot until the
   * next bulk compaction held up to as much memory again as the live ones) and compacted in bulk
   * to keep eviction O(1).
   */
  private items: (Entry | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  firstIndex: number;

  constructor(firstIndex: number) {
    this.firstIndex = firstIndex;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Appends the entry after the last cached one. */
  push(e: Entry): void {
    this.items.push(e);
    this.bytes += entrySizeBytes(e);
  }

  /** Drops entries from `index` on; an index before the cache empties it and restarts it there. */
  truncateFrom(index: number): void {
    if (index <= this.firstIndex) {
      this.reset(index);
      return;
    }
    const keep = this.head + (index - this.firstIndex);
    for (let i = keep; i < this.items.length; i++) this.bytes -= entrySizeBytes(this.items[i]!);
    if (keep < this.items.length) this.items.length = keep;
  }

  /** Empties the cache; the next pushed entry is `firstIndex`. */
  reset(firstIndex: number): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.firstIndex = firstIndex;
  }

  /** Evicts the oldest entries at or below `durableIndex` while over `maxBytes`. */
  evict(durableIndex: number, maxBytes: number): void {
    while (this.bytes > maxBytes && this.head < this.items.length && this.firstIndex <= durableIndex) {
      this.bytes -= entrySizeBytes(this.items[this.head]!);
      this.items[this.head++] = undefined;
      this.firstIndex++;
    }
    this.dropBefore(this.firstIndex);
  }

  /** Drops cached entries below `index` (compaction). */
  dropBefore(index: number): void {
    while (this.firstIndex < index && this.head < this.items.length) {
      this.bytes -= entrySizeBytes(this.items[this.head]!);
      this.items[this.head++] = undefined;
      this.firstIndex++;
    }
    if (this.head === this.items.length) this.reset(Math.max(index, this.firstIndex));
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Copies cached entries [lo, hi) into `out` until `budgetBytes` runs out; returns the budget left. */
  collect(lo: number, hi: number, budgetBytes: number, out: Entry[]): number {
    for (let i = lo; i < hi; i++) {
      const e = this.items[this.head + i - this.firstIndex]!;
      const size = entrySizeBytes(e);
      if (out.length > 0 && size > budgetBytes) return -1;
      out.push(e);
      budgetBytes -= size;
    }
    return budgetBytes;
  }
}
