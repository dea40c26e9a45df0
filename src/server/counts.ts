/**
 * Counts per key that hold only keys whose count is above zero: for counters keyed by network
 * input (a connection, an address, a user), which must not keep an entry for every key ever seen.
 */
export class Counts {
  private readonly counts = new Map<string, number>();

  /** The count of `key` (0 when absent). */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Keys with a count above zero. */
  get keys(): number {
    return this.counts.size;
  }

  add(key: string): void {
    this.counts.set(key, this.get(key) + 1);
  }

  /** One down; the key is forgotten at zero. */
  remove(key: string): void {
    const n = this.get(key) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}
