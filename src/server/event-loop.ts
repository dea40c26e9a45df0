// How late the event loop runs: a timer asks to run every SAMPLE_MS and measures how much later
// it did (the delay every callback waiting then also had). A node whose loop keeps running late
// cannot send heartbeats in time, answer /metrics, or serve anyone; that is the signal that it is
// overloaded (load-shed.ts). Every sample goes to a metric (raftdb_eventloop_delay_seconds).
// Overload is a delay that lasts: the shedding signal is the smaller of the last two samples, so
// one stall (a GC pause, a SIGSTOP, a throttled container's single slice) sheds nothing: the
// requests that waited through it are served as soon as the loop turns (a node frozen past an
// election still answers the LEASE reads queued in its socket from the new leader, issue 13's
// process-lease-pause test), while a loop late turn after turn sheds new work from its second
// late sample on. (A first version counted an overdue sample at once and answered every request
// queued during a 1.3 s SIGSTOP UNAVAILABLE: 600 of the lease-pause test's 1,800 reads.)
// A node samples on the Raft driver's tick timer (sampling()), not a timer of its own: a timer's
// wake-up costs this VM about 100 us of CPU, and a second timer was 50 of them a second on every
// idle node (docs/performance.md, "Idle wake-ups").

import type { Ticker } from './driver.js';

/** How often the loop is sampled on the monitor's own timer. */
export const SAMPLE_MS = 20;

/** Samples the event loop's delay; `onSample` gets each delay in seconds. */
export class EventLoopMonitor {
  private timer: NodeJS.Timeout | null = null;
  private everyMs = SAMPLE_MS;
  private lastMs = performance.now();
  private lastDelayMs = 0;
  private previousDelayMs = 0;

  /** With `ownTimer` false nothing is sampled until a ticker from sampling() runs. */
  constructor(
    private readonly onSample: (delaySeconds: number) => void = () => {},
    ownTimer = true,
  ) {
    if (!ownTimer) return;
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    // Sampling must never keep a stopping process alive.
    this.timer.unref();
  }

  /**
   * `inner` with a beat every SAMPLE_MS or so sampling the loop first (every other beat of the
   * driver's 10 ms tick): how late the beats came since the last sample is the loop's delay.
   * For one repeating timer at a time.
   */
  sampling(inner: Ticker): Ticker {
    return (everyMs, fn) => {
      const beats = Math.max(1, Math.round(SAMPLE_MS / everyMs));
      this.everyMs = beats * everyMs;
      this.lastMs = performance.now();
      let beat = 0;
      return inner(everyMs, () => {
        if (++beat === beats) {
          beat = 0;
          this.sample();
        }
        fn();
      });
    };
  }

  /** The loop's lasting delay: the smaller of the last two samples' (one stall is not overload). */
  delayMs(): number {
    return Math.min(this.lastDelayMs, this.previousDelayMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    this.previousDelayMs = this.lastDelayMs;
    this.lastDelayMs = Math.max(0, now - this.lastMs - this.everyMs);
    this.lastMs = now;
    this.onSample(this.lastDelayMs / 1000);
  }
}
