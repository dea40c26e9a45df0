// The bounded per-peer queue of encoded stream messages (appends, heartbeats, responses).
// When full the oldest messages go: Raft re-sends appends and heartbeats, and a newer message
// supersedes an older one, so shedding the head loses the least.

/** FIFO of encoded messages bounded in bytes and count; drops from the head when over. */
export class SendQueue {
  private items: Buffer[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxMessages: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends `msg`; returns how many older messages were dropped to stay within the bounds. */
  push(msg: Buffer): number {
    this.items.push(msg);
    this.bytes += msg.length;
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
  take(maxBytes: number, maxMessages: number): Buffer[] {
    const out: Buffer[] = [];
    let bytes = 0;
    while (this.length > 0 && out.length < maxMessages) {
      const next = this.items[this.head]!;
      if (out.length > 0 && bytes + next.length > maxBytes) break;
      out.push(this.shift());
      bytes += next.length;
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

  private shift(): Buffer {
    const msg = this.items[this.head]!;
    this.items[this.head] = EMPTY;
    this.head++;
    this.bytes -= msg.length;
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

const EMPTY = Buffer.alloc(0);
