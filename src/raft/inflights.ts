import { RaftInvariantError } from './errors.js';

/**
 * Flow control for one follower in replicate state: the append messages sent but not yet
 * acknowledged, each remembered by its last index and byte size. Bounded by count and bytes.
 * The messages sit in a ring that grows on demand up to `maxMsgs` slots and never beyond, so the
 * memory one follower's window holds is bounded by its configuration, not by how long it lags.
 */
export class Inflights {
  private lastIndexes: number[] = [];
  private sizes: number[] = [];
  /** Slot of the oldest message in flight. */
  private start = 0;
  private inFlight = 0;
  bytes = 0;

  constructor(
    private readonly maxMsgs: number,
    private readonly maxBytes: number,
  ) {}

  count(): number {
    return this.inFlight;
  }

  /** Slots the ring holds now (memory), never more than maxMsgs. */
  capacity(): number {
    return this.lastIndexes.length;
  }

  full(): boolean {
    return this.inFlight >= this.maxMsgs || this.bytes >= this.maxBytes;
  }

  /** Records a sent append; the caller checks full() first (the leader pauses a full follower). */
  add(lastIndex: number, bytes: number): void {
    if (this.inFlight >= this.maxMsgs) throw new RaftInvariantError(`inflight window full: ${this.inFlight} of ${this.maxMsgs} messages`);
    if (this.inFlight === this.lastIndexes.length) this.grow();
    const slot = (this.start + this.inFlight) % this.lastIndexes.length;
    this.lastIndexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.inFlight++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is at or below the acknowledged `index`. */
  freeTo(index: number): void {
    const slots = this.lastIndexes.length;
    while (this.inFlight > 0 && this.lastIndexes[this.start]! <= index) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % slots;
      this.inFlight--;
    }
  }

  /** Frees the oldest message: lets a full window probe again when answers were lost. */
  freeFirst(): void {
    if (this.inFlight > 0) this.freeTo(this.lastIndexes[this.start]!);
  }

  reset(): void {
    this.start = 0;
    this.inFlight = 0;
    this.bytes = 0;
  }

  /** Doubles the ring (at most to maxMsgs slots), laying the messages out from slot 0. */
  private grow(): void {
    const slots = this.lastIndexes.length;
    const newSlots = Math.min(this.maxMsgs, Math.max(4, slots * 2));
    const lastIndexes = new Array<number>(newSlots);
    const sizes = new Array<number>(newSlots);
    for (let k = 0; k < this.inFlight; k++) {
      lastIndexes[k] = this.lastIndexes[(this.start + k) % slots]!;
      sizes[k] = this.sizes[(this.start + k) % slots]!;
    }
    this.lastIndexes = lastIndexes;
    this.sizes = sizes;
    this.start = 0;
  }
}
