/**
 * Flow control for one follower in replicate state: the append messages sent but not yet
 * acknowledged, each remembered by its last index and byte size. Bounded by count and bytes.
 */
export class Inflights {
  private lastIndexes: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    private readonly maxMsgs: number,
    private readonly maxBytes: number,
  ) {}

  count(): number {
    return this.lastIndexes.length - this.head;
  }

  full(): boolean {
    return this.count() >= this.maxMsgs || this.bytes >= this.maxBytes;
  }

  add(lastIndex: number, bytes: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every message whose last index is at or below the acknowledged `index`. */
  freeTo(index: number): void {
    while (this.head < this.lastIndexes.length && this.lastIndexes[this.head]! <= index) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    // Compact the arrays once the consumed prefix dominates, keeping operations amortised O(1).
    if (this.head > 64 && this.head * 2 > this.lastIndexes.length) {
      this.lastIndexes = this.lastIndexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** Frees the oldest message: lets a full window probe again when answers were lost. */
  freeFirst(): void {
    if (this.count() > 0) this.freeTo(this.lastIndexes[this.head]!);
  }

  reset(): void {
    this.lastIndexes = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }
}
