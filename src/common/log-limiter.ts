// At most one log line per interval for an event a peer or client can cause at will (a message
// that fails in the core): the first is logged at once, later ones within the interval are
// counted and the next line that is let through says how many were left out. Counters (metrics)
// keep every occurrence; the log keeps a sample, so a flood cannot fill the disk or drown the
// lines an operator needs.
import { monotonicMs, type MonotonicClock } from './clock.js';

export class LogLimiter {
  private nextAllowedMs = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: MonotonicClock = monotonicMs,
  ) {}

  /**
   * Whether to log this occurrence now: null to leave it out, or the number of occurrences left
   * out since the last line (0 when none), for that line to carry.
   */
  take(): number | null {
    const now = this.clock();
    if (now < this.nextAllowedMs) {
      this.suppressed++;
      return null;
    }
    this.nextAllowedMs = now + this.intervalMs;
    const left = this.suppressed;
    this.suppressed = 0;
    return left;
  }
}
