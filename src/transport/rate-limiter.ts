// A byte-rate limit for snapshot streams: a token bucket that all of a node's outgoing snapshots
// share, so two learners catching up at once get the node's budget between them, not twice it.
// Why a limit at all: sending a snapshot costs the leader CPU for every byte (LevelDB iteration,
// framing, gRPC's copies) and, on a small machine, its clients wait for that CPU. Unthrottled, a
// 1 GiB snapshot left the 2-core bench host's leader at 47-51 MB/s with the put p99 of other
// clients 4x its usual value; a limit trades transfer time for their latency, as TiKV
// (snap-io-max-bytes-per-sec) and CockroachDB (kv.snapshot_rebalance.max_rate) do.
import { setTimeout as sleep } from 'node:timers/promises';

/** What the limiter reads and waits with (injected by tests). */
export interface RateClock {
  nowMs(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: RateClock = {
  nowMs: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** Waits of one limiter, for metrics and logs. */
export interface RateLimiterStats {
  /** Bytes let through. */
  bytes: number;
  /** Milliseconds callers waited for their turn, in all. */
  waitedMs: number;
}

/**
 * Lets `bytesPerSecond` through on average, in bursts of at most `burstBytes`; 0 means no limit.
 * A request larger than the burst goes through once the bucket is full and leaves it in debt, so
 * any size passes and the average still holds.
 */
export class ByteRateLimiter {
  readonly stats: RateLimiterStats = { bytes: 0, waitedMs: 0 };
  private tokens: number;
  private lastMs: number;
  /** Callers waiting, in arrival order: each takes its bytes when it reaches the front. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly bytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly clock: RateClock = REAL_CLOCK,
  ) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) throw new RangeError(`bytesPerSecond must be a non-negative number, got ${bytesPerSecond}`);
    if (!Number.isFinite(burstBytes) || burstBytes <= 0) throw new RangeError(`burstBytes must be a positive number, got ${burstBytes}`);
    this.tokens = burstBytes;
    this.lastMs = clock.nowMs();
  }

  /** Whether a limit is set at all. */
  get limited(): boolean {
    return this.bytesPerSecond > 0;
  }

  /**
   * Resolves when `bytes` may be sent, after the callers before it. Rejects (with the signal's
   * AbortError) when `signal` aborts while waiting; an aborted caller takes no bytes.
   */
  take(bytes: number, signal: AbortSignal): Promise<void> {
    if (!this.limited) {
      this.stats.bytes += bytes;
      return Promise.resolve();
    }
    const turn = this.queue.then(() => this.takeNow(bytes, signal));
    // The next caller waits for this one to finish, however it finishes.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(bytes: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const need = Math.min(bytes, this.burstBytes);
    this.refill();
    if (this.tokens < need) {
      const waitMs = ((need - this.tokens) / this.bytesPerSecond) * 1000;
      const t0 = this.clock.nowMs();
      try {
        await this.clock.sleep(Math.ceil(waitMs), signal);
      } finally {
        this.stats.waitedMs += this.clock.nowMs() - t0;
      }
      this.refill();
    }
    this.tokens -= bytes;
    this.stats.bytes += bytes;
  }

  private refill(): void {
    const now = this.clock.nowMs();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.lastMs) * this.bytesPerSecond) / 1000);
    this.lastMs = now;
  }
}
