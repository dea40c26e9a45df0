// term(i) for every index in the log without keeping every entry: terms change rarely, so the
// log is stored as runs (first index of the run, term). Memory is one pair per term change.

/** Run-length index of entry terms over a contiguous range of the log. */
export class TermIndex {
  private starts: number[] = [];
  private terms: number[] = [];

  /** Records that entry `index` (the next index) has `term`. */
  push(index: number, term: number): void {
    const n = this.terms.length;
    if (n > 0 && this.terms[n - 1] === term) return;
    if (n > 0 && term < this.terms[n - 1]!) {
      // Log Matching relies on terms never decreasing along the log (Raft §5.3).
      throw new RangeError(`entry ${index} has term ${term} below the previous entry's ${this.terms[n - 1]}`);
    }
    this.starts.push(index);
    this.terms.push(term);
  }

  /** Term of `index`; the caller guarantees the index is inside the indexed range. */
  termAt(index: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.terms[lo]!;
  }

  /** Forgets entries from `index` on. */
  truncateFrom(index: number): void {
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! >= index) {
      this.starts.pop();
      this.terms.pop();
    }
  }

  /** Forgets entries below `index`. */
  compactTo(index: number): void {
    let k = 0;
    while (k + 1 < this.starts.length && this.starts[k + 1]! <= index) k++;
    if (k > 0) {
      this.starts.splice(0, k);
      this.terms.splice(0, k);
    }
    if (this.starts.length > 0 && this.starts[0]! < index) this.starts[0] = index;
  }

  /** Forgets everything. */
  clear(): void {
    this.starts = [];
    this.terms = [];
  }
}
