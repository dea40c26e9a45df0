// The bytes all of a node's Pipeline streams hold for their clients, bounded together. Each
// stream is bounded on its own (--max-stream-bytes), but a client can open many streams (up to
// --max-connections-per-address x --max-concurrent-streams from one address), and many streams
// that never read would together hold that bound many times over. Past the node's budget
// (--max-stream-bytes-total) a stream that already holds something starts nothing new until
// bytes are released somewhere, and stops reading (pipeline-flow.ts); a stream that holds nothing
// may still run one operation at a time, so a client that reads its results is slowed, never
// stopped, by others that do not. The node then holds at most the budget plus one operation's
// worth per stream.

/** The node-wide bound of the bytes Pipeline streams hold; see the file comment. */
export class StreamBudget {
  private bytes = 0;
  /** Streams waiting for room, woken (each once) when bytes are released. */
  private readonly waiting = new Set<() => void>();

  constructor(readonly maxBytes: number) {}

  /** Bytes held by all streams now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Whether `bytes` more fit in the budget. */
  fits(bytes: number): boolean {
    return this.bytes + bytes <= this.maxBytes;
  }

  /** Records bytes taken (positive) or released (negative); a release with room wakes the waiting streams. */
  add(deltaBytes: number): void {
    this.bytes += deltaBytes;
    if (deltaBytes >= 0 || this.waiting.size === 0 || this.bytes >= this.maxBytes) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` once, at the next release that leaves room. */
  wait(wake: () => void): void {
    this.waiting.add(wake);
  }

  /** Drops a waiting stream (it closed). */
  forget(wake: () => void): void {
    this.waiting.delete(wake);
  }
}
