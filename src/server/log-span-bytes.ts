// The bytes of a span of committed log entries, counted incrementally. While a follower catches up
// by snapshot, the leader keeps the log after the snapshot's index (compaction-point.ts#heldForCatchUp) and
// checks, each time compaction is due, that the kept entries stay under catchUpBytes. Walking the
// whole kept span each time cost the leader's event loop up to 33 ms a second during a 1 GiB
// catch-up (a walk of tens of thousands of entries every few dozen puts, docs/performance.md);
// the span's start stays put during a transfer and only its end grows, so each look now walks
// only the entries committed since the last one.
import { entryBytes, type Entry } from '../raft/index.js';

/** Sums entryBytes over (from, to], remembering the last span so that a longer one continues it. */
export class LogSpanBytes {
  private from = -1;
  private to = -1;
  private bytes = 0;

  /**
   * Bytes of the entries in (from, to]; undefined when one of them is not in the log. Counting
   * stops once past `limit` (the result is then some value above it). The entries must be
   * committed: the count of a span is reused, so they must not change between calls.
   */
  measure(from: number, to: number, entryAt: (index: number) => Entry | undefined, limit: number): number | undefined {
    if (from !== this.from || to < this.to) {
      this.from = from;
      this.to = from;
      this.bytes = 0;
    }
    for (let i = this.to + 1; i <= to && this.bytes <= limit; i++) {
      const e = entryAt(i);
      if (e === undefined) {
        this.from = -1; // a gap: count afresh next time
        return undefined;
      }
      this.bytes += entryBytes(e);
      this.to = i;
    }
    return this.bytes;
  }
}
