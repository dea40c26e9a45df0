// The size of each revision's record in the watch history, oldest first, so that the apply that
// adds records can also drop the oldest ones beyond a byte bound without reading them back. It is
// kept in memory only and recounted from the segment files at open (watch-log.ts): the history is
// node-local, and recounting it makes the accounting right after a crash, a restore or a change
// of the bound.
import { StateInvariantError } from './errors.js';

/**
 * Bytes a record takes in the accounting: its body and 9 (what a LevelDB key took when the
 * history was kept there; the bound's meaning stays as it was documented).
 */
export function watchRecordBytes(valueBytes: number): number {
  return 9 + valueBytes;
}

/** Record sizes of revisions first..first+count-1 and their sum. */
export class WatchHistorySize {
  /** Sizes from `head` on; the part before it is dropped lazily, so dropping is O(1) per revision. */
  private sizes: number[] = [];
  private head = 0;
  private total = 0;

  private constructor(private first: number) {}

  /** An empty ledger whose next record is revision `first`. */
  static empty(first: number): WatchHistorySize {
    return new WatchHistorySize(first);
  }

  /** Bytes of the records held (watchRecordBytes of each). */
  get bytes(): number {
    return this.total;
  }

  /** The oldest revision held (next when empty). */
  get firstRevision(): number {
    return this.first;
  }

  /** The revision the next add() must be for. */
  get next(): number {
    return this.first + this.sizes.length - this.head;
  }

  /** Counts the record of `revision` (the next one) holding `valueBytes`. */
  add(revision: number, valueBytes: number): void {
    if (revision !== this.next) throw new StateInvariantError(`watch record ${revision} added after ${this.next - 1}`);
    const bytes = watchRecordBytes(valueBytes);
    this.sizes.push(bytes);
    this.total += bytes;
  }

  /**
   * The oldest revision to keep so that at most `maxBytes` and `maxRevisions` remain: the oldest
   * records go first, and a single record larger than `maxBytes` is not kept either.
   */
  firstKept(maxBytes: number, maxRevisions: number): number {
    let first = Math.max(this.first, this.next - maxRevisions);
    let bytes = this.total;
    for (let i = this.head; i < this.head + (first - this.first); i++) bytes -= this.sizes[i]!;
    for (let i = this.head + (first - this.first); bytes > maxBytes; i++, first++) bytes -= this.sizes[i]!;
    return first;
  }

  /** Forgets the records below `revision` (they were deleted); a revision past next() empties it. */
  dropBefore(revision: number): void {
    const n = Math.min(revision, this.next) - this.first;
    if (n <= 0) {
      if (this.sizes.length === this.head) this.first = Math.max(this.first, revision);
      return;
    }
    for (let i = this.head; i < this.head + n; i++) this.total -= this.sizes[i]!;
    this.head += n;
    this.first += n;
    if (this.head === this.sizes.length) {
      this.sizes = [];
      this.head = 0;
      this.first = Math.max(this.first, revision);
    } else if (this.head > 1024 && this.head * 2 > this.sizes.length) {
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
