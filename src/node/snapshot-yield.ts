// Snapshot sends yield to client writes. A leader streaming a learner its state spends CPU on every
// byte (LevelDB iteration, hashing, framing, HTTP/2), and on a small machine its clients' writes wait
// for that CPU: unpaced, a 1 GiB catch-up at ~100 MB/s raised the put p99 about 4x on the 2-core
// bench host. A fixed rate limit trades transfer time for latency even when nobody writes. So the
// rate follows the writes, as LEDBAT does for background traffic: it compares the leader's
// propose-to-acknowledge latency over short windows with what it was before the transfer, halves
// the rate when writes have slowed beyond a margin, and raises it while they have not; with no
// writes to protect it sends at full speed (or the operator's cap).
import { ByteRateLimiter, type RateClock, type SnapshotPacer } from '../transport/index.js';

const MiB = 1024 * 1024;

/** How the yielding rate behaves; the defaults suit the 2-core machines raftdb targets. */
export interface SnapshotYieldOptions {
  /** The operator's limit (--snapshot-send-max-bytes-per-sec); 0: none. The rate never exceeds it. */
  maxBytesPerSec: number;
  /** The rate never falls below this, so a catch-up always progresses (1 GiB in about a minute). */
  minBytesPerSec: number;
  /** Where a transfer starts while clients write; it climbs from there while they do not slow down. */
  startBytesPerSec: number;
  /** Above this (with no operator limit) the stream is not paced at all. */
  unpacedAboveBytesPerSec: number;
  /** Writes are looked at over windows this long. */
  windowMs: number;
  /** A window with fewer writes says nothing about clients: the rate goes up. */
  minWrites: number;
  /** Writes slowed down when a window's mean latency exceeds calm × this + slackMs. */
  slowdownFactor: number;
  slackMs: number;
}

export const DEFAULT_SNAPSHOT_YIELD_OPTIONS: SnapshotYieldOptions = {
  maxBytesPerSec: 0,
  minBytesPerSec: 16 * MiB,
  startBytesPerSec: 32 * MiB,
  unpacedAboveBytesPerSec: 512 * MiB,
  windowMs: 200,
  minWrites: 8,
  slowdownFactor: 1.25,
  slackMs: 0.25,
};

/** A calm window's weight in the baseline (an exponential average over the windows without a transfer). */
const CALM_WEIGHT = 0.25;

/**
 * Past this share of the log a leader keeps for a learner catching up (catchUpBytes), the pace is
 * lifted: yielding longer would let the writes outgrow that log, and the learner would need a
 * second snapshot, then a third; a slow catch-up must never become an endless one.
 */
export const CATCH_UP_SHARE_UNPACED = 0.5;

/** What the pacer did, for metrics and logs. */
export interface SnapshotYieldStats {
  /** Times the rate was lowered because writes slowed down. */
  yields: number;
  /** Windows in which the pace was lifted because the log kept for the learner neared its bound. */
  liftedForCatchUp: number;
  /** The calm write latency the windows are compared with (ms); null before any was seen. */
  calmMs: number | null;
}

/** What the pacer reports as it goes (metrics). */
export interface SnapshotYieldEvents {
  /** The pace changed to `bytesPerSec` (0: not paced). */
  rate?(bytesPerSec: number): void;
  /** A window lifted the pace because the log kept for a learner neared its bound. */
  liftedForCatchUp?(): void;
}

/**
 * The node's snapshot pacer: a token bucket (ByteRateLimiter) whose rate follows the client
 * writes this leader acknowledges (`observeWrite`). Nothing runs on a timer: a window is closed
 * by the first write or chunk after it ends, so an idle node pays nothing.
 */
export class SnapshotYield implements SnapshotPacer {
  readonly stats: SnapshotYieldStats = { yields: 0, liftedForCatchUp: 0, calmMs: null };
  private readonly limiter: ByteRateLimiter;
  private windowStart: number;
  private windowWrites = 0;
  private windowLatencyMs = 0;
  /** The limiter's byte count when the window started: a window that sent nothing is calm. */
  private windowBytesAtStart = 0;
  /** Whether the window before this one sent anything: the first chunk after a calm window starts a transfer. */
  private sending = false;
  /** Whether the last closed window had enough writes to judge by. */
  private previousHadWrites = false;
  /** The share of its catch-up log bound the leader keeps for learners now (watchCatchUp). */
  private catchUpShare: () => number = () => 0;

  constructor(
    private readonly opts: SnapshotYieldOptions,
    burstBytes: number,
    private readonly clock: RateClock,
    private readonly events: SnapshotYieldEvents = {},
  ) {
    if (opts.minBytesPerSec <= 0 || opts.startBytesPerSec < opts.minBytesPerSec) throw new RangeError('need 0 < minBytesPerSec <= startBytesPerSec');
    this.limiter = new ByteRateLimiter(opts.maxBytesPerSec, burstBytes, clock);
    this.windowStart = clock.nowMs();
  }

  get limited(): boolean {
    return this.limiter.limited;
  }

  /** The rate in force (0: not paced). */
  get rate(): number {
    return this.limiter.rate;
  }

  /**
   * `share()`: how much of the log a leader may keep for learners catching up (catchUpBytes) the
   * entries after the snapshots being sent take now; at CATCH_UP_SHARE_UNPACED the pace is lifted.
   */
  watchCatchUp(share: () => number): void {
    this.catchUpShare = share;
  }

  /** This leader acknowledged a client write `seconds` after it was proposed. */
  observeWrite(seconds: number): void {
    this.roll();
    this.windowWrites++;
    this.windowLatencyMs += seconds * 1000;
  }

  take(bytes: number, signal: AbortSignal): Promise<void> {
    this.roll();
    if (!this.sending) {
      // A transfer starts: at a moderate rate if clients are writing, else unpaced (or capped).
      this.sending = true;
      const clientsWrite = this.windowWrites >= this.opts.minWrites || this.previousHadWrites;
      this.setRate(clientsWrite && this.catchUpShare() < CATCH_UP_SHARE_UNPACED ? this.opts.startBytesPerSec : this.ceiling());
    }
    return this.limiter.take(bytes, signal);
  }

  /** Closes the current window if it is over, and adjusts the rate by what it saw. */
  private roll(): void {
    const now = this.clock.nowMs();
    if (now - this.windowStart < this.opts.windowMs) return;
    const sent = this.limiter.stats.bytes > this.windowBytesAtStart;
    const judged = this.windowWrites >= this.opts.minWrites;
    const meanMs = judged ? this.windowLatencyMs / this.windowWrites : 0;
    if (!sent) {
      this.sending = false;
      if (judged) this.stats.calmMs = this.stats.calmMs === null ? meanMs : this.stats.calmMs * (1 - CALM_WEIGHT) + meanMs * CALM_WEIGHT;
    } else if (this.catchUpShare() >= CATCH_UP_SHARE_UNPACED) {
      this.stats.liftedForCatchUp++;
      this.events.liftedForCatchUp?.();
      this.setRate(this.ceiling());
    } else if (!judged) {
      this.setRate(this.raised(true));
    } else {
      // Without a calm window before (writes began during the transfer), the best window seen
      // stands in for it; a lower rate that brings the latency down lowers the bar with it.
      const calm = this.stats.calmMs === null ? meanMs : Math.min(this.stats.calmMs, meanMs);
      this.stats.calmMs = calm;
      if (meanMs > calm * this.opts.slowdownFactor + this.opts.slackMs) {
        this.stats.yields++;
        this.setRate(Math.max(this.opts.minBytesPerSec, this.paced() / 2));
      } else {
        this.setRate(this.raised(false));
      }
    }
    // A window closed long after its end (nothing happened since) says nothing of clients now.
    this.previousHadWrites = judged && now - this.windowStart < 2 * this.opts.windowMs;
    // A long pause closes one window, not many: the next one starts now.
    this.windowStart = now;
    this.windowWrites = 0;
    this.windowLatencyMs = 0;
    this.windowBytesAtStart = this.limiter.stats.bytes;
  }

  /** The rate a window raises to: doubled with nobody to yield to, else a quarter more. */
  private raised(nobodyWrites: boolean): number {
    if (!this.limiter.limited) return 0;
    const next = nobodyWrites ? this.limiter.rate * 2 : Math.max(this.limiter.rate * 1.25, this.limiter.rate + this.opts.minBytesPerSec / 2);
    if (this.opts.maxBytesPerSec > 0) return Math.min(next, this.opts.maxBytesPerSec);
    return next > this.opts.unpacedAboveBytesPerSec ? 0 : next;
  }

  /**
   * The rate in force as a number to halve. An unpaced stream halves from the unpaced threshold;
   * it has no operator limit (with one, the limiter is never unlimited).
   */
  private paced(): number {
    return this.limiter.limited ? this.limiter.rate : this.opts.unpacedAboveBytesPerSec;
  }

  /** The highest rate: the operator's limit, or 0 (unpaced). */
  private ceiling(): number {
    return this.opts.maxBytesPerSec;
  }

  private setRate(bytesPerSec: number): void {
    const rate = this.opts.maxBytesPerSec > 0 ? Math.min(bytesPerSec || this.opts.maxBytesPerSec, this.opts.maxBytesPerSec) : bytesPerSec;
    if (rate === this.limiter.rate) return;
    this.limiter.setRate(Math.round(rate));
    this.events.rate?.(this.limiter.rate);
  }
}
