// How late the event loop runs: a timer asks to run every SAMPLE_MS and measures how much later
// it did (the delay every callback waiting then also had). A node whose loop is blocked cannot
// send heartbeats, answer /metrics, or serve anyone; this is the signal that it is overloaded
// (load-shed.ts) and a metric (raftdb_eventloop_delay_seconds). A blocked loop runs no timer, so
// the current delay also counts how overdue the next sample is: requests read from sockets right
// after a long block see it at once (socket callbacks run before overdue timers).

/** How often the loop is sampled. */
export const SAMPLE_MS = 20;

/** Samples the event loop's delay; `onSample` gets each delay in seconds. */
export class EventLoopMonitor {
  private readonly timer: NodeJS.Timeout;
  private lastMs = performance.now();
  private lastDelayMs = 0;

  constructor(private readonly onSample: (delaySeconds: number) => void = () => {}) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    // Sampling must never keep a stopping process alive.
    this.timer.unref();
  }

  /** The loop's delay now: the last sample's, or more when the next sample is overdue. */
  delayMs(): number {
    const overdue = performance.now() - this.lastMs - SAMPLE_MS;
    return Math.max(this.lastDelayMs, overdue);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    this.lastDelayMs = Math.max(0, now - this.lastMs - SAMPLE_MS);
    this.lastMs = now;
    this.onSample(this.lastDelayMs / 1000);
  }
}
