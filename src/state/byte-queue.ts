// Bytes received in chunks of any size, read back in pieces of any size: what a stream parser
// needs when a transport may cut its frames anywhere. A piece that lies in one chunk is a view
// (no copy); chunks smaller than SMALL_CHUNK_BYTES are gathered into shared buffers so that a
// peer sending tiny chunks cannot pile up one object per byte.

/** Chunks smaller than this are copied together, so tiny chunks cannot pile up as objects. */
const SMALL_CHUNK_BYTES = 16 * 1024;
const COALESCE_BYTES = 64 * 1024;

/** Received bytes not yet parsed: a list of chunks, read from the front. */
export class ByteQueue {
  private readonly parts: Buffer[] = [];
  private offset = 0;
  /** Where small chunks are gathered; bytes before smallStart are already in `parts`. */
  private small: Buffer | null = null;
  private smallStart = 0;
  private smallUsed = 0;
  length = 0;

  /** Appends received bytes (kept by reference unless small). */
  push(b: Buffer): void {
    this.length += b.length;
    if (b.length >= SMALL_CHUNK_BYTES) {
      this.sealSmall();
      this.parts.push(b);
      return;
    }
    if (this.small === null || this.smallUsed + b.length > this.small.length) {
      this.sealSmall();
      this.small = Buffer.allocUnsafe(COALESCE_BYTES);
      this.smallStart = 0;
      this.smallUsed = 0;
    }
    b.copy(this.small, this.smallUsed);
    this.smallUsed += b.length;
  }

  /** The next `n` bytes (n <= length): a view when they lie in one chunk, else a copy. */
  take(n: number): Buffer {
    this.sealSmall();
    this.length -= n;
    const first = this.parts[0]!;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    for (let filled = 0; filled < n; ) {
      const p = this.parts[0]!;
      const m = Math.min(n - filled, p.length - this.offset);
      p.copy(out, filled, this.offset, this.offset + m);
      filled += m;
      this.advance(m);
    }
    return out;
  }

  private advance(m: number): void {
    this.offset += m;
    if (this.offset === this.parts[0]!.length) {
      this.parts.shift();
      this.offset = 0;
    }
  }

  /**
   * Moves the gathered small chunks into `parts` as a view. Later small chunks go on filling the
   * same buffer after it: views handed out are never written to again.
   */
  private sealSmall(): void {
    if (this.small === null || this.smallUsed === this.smallStart) return;
    this.parts.push(this.small.subarray(this.smallStart, this.smallUsed));
    this.smallStart = this.smallUsed;
  }
}
