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

/** Performance time and real sleeps. */
export const REAL_RATE_CLOCK: RateClock = {
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

/** What paces the snapshot data a node sends (this limiter, or node/snapshot-yield.ts around it). */
export interface SnapshotPacer {
  /** Whether take() may wait at all right now. */
  readonly limited: boolean;
  /** Resolves when `bytes` may be sent; rejects with the signal's reason when it aborts first. */
  take(bytes: number, signal: AbortSignal): Promise<void>;
}

/**
 * Lets `bytesPerSecond` through on average, in bursts of at most `burstBytes`; 0 means no limit.
 * A request larger than the burst goes through once the bucket is full and leaves it in debt, so
 * any size passes and the average still holds. The rate may change at any time (setRate).
 */
export class ByteRateLimiter implements SnapshotPacer {
  readonly stats: RateLimiterStats = { bytes: 0, waitedMs: 0 };
  private tokens: number;
  private lastMs: number;
  /** Callers waiting, in arrival order: each takes its bytes when it reaches the front. */
  private queue: Promise<void> = Promise.resolve();

  private bytesPerSecond: number;

  constructor(
    bytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly clock: RateClock = REAL_RATE_CLOCK,
  ) {
    checkRate(bytesPerSecond);
    if (!Number.isFinite(burstBytes) || burstBytes <= 0) throw new RangeError(`burstBytes must be a positive number, got ${burstBytes}`);
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = burstBytes;
    this.lastMs = clock.nowMs();
  }

  /** Whether a limit is set at all. */
  get limited(): boolean {
    return this.bytesPerSecond > 0;
  }

  /** The rate in force, bytes per second (0: no limit). */
  get rate(): number {
    return this.bytesPerSecond;
  }

  /**
   * A new rate from now on (0: no limit). Time before the change is credited at the old rate; a
   * caller already asleep wakes when the old rate said, and the bucket's debt evens it out.
   */
  setRate(bytesPerSecond: number): void {
    checkRate(bytesPerSecond);
    if (this.limited) this.refill();
    else {
      // Unlimited, the bucket was not kept: a new limit starts with one burst, as a new limiter.
      this.tokens = this.burstBytes;
      this.lastMs = this.clock.nowMs();
    }
    this.bytesPerSecond = bytesPerSecond;
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
    if (!this.limited) {
      // The limit was lifted while this caller queued.
      this.stats.bytes += bytes;
      return;
    }
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

function checkRate(bytesPerSecond: number): void {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) throw new RangeError(`bytesPerSecond must be a non-negative number, got ${bytesPerSecond}`);
}
