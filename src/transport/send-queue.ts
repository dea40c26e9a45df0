// The bounded per-peer queue of stream messages (appends, heartbeats, responses), encoded or
// waiting to be encoded when they are written (peer.ts). When full the oldest messages go: Raft
// re-sends appends and heartbeats, and a newer message supersedes an older one, so shedding the
// head loses the least.

/** What the queue holds: a Buffer, or anything with a known (estimated) size in bytes. */
export type SizeOf<T> = (item: T) => number;

const bufferBytes: SizeOf<Buffer> = (b) => b.length;

/** FIFO of messages bounded in bytes and count; drops from the head when over. */
export class SendQueue<T = Buffer> {
  private items: T[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxMessages: number,
    private readonly sizeOf: SizeOf<T> = bufferBytes as unknown as SizeOf<T>,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends `msg`; returns how many older messages were dropped to stay within the bounds. */
  push(msg: T): number {
    this.items.push(msg);
    this.bytes += this.sizeOf(msg);
    let dropped = 0;
    while (this.length > 1 && (this.bytes > this.maxBytes || this.length > this.maxMessages)) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  /**
   * Takes messages from the head for one batch: up to maxMessages and maxBytes, but always at
   * least one (a message bigger than maxBytes travels alone rather than never).
   */
  take(maxBytes: number, maxMessages: number): T[] {
    const out: T[] = [];
    let bytes = 0;
    while (this.length > 0 && out.length < maxMessages) {
      const size = this.sizeOf(this.items[this.head]!);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(this.shift());
      bytes += size;
    }
    return out;
  }

  /** Empties the queue; returns how many messages were discarded. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return n;
  }

  private shift(): T {
    const msg = this.items[this.head]!;
    this.items[this.head] = undefined as T; // let the message go: the slot is dead
    this.head++;
    this.bytes -= this.sizeOf(msg);
    if (this.head === this.items.length) {
      this.items.length = 0; // drained: reuse the array rather than allocate a new one
      this.head = 0;
    }
    // Compact lazily: O(1) amortised per message, and the array never holds more dead slots
    // than live ones once it is large.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return msg;
  }
}
