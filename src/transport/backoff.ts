// Reconnect delays: capped exponential back-off with jitter, so that a restarted peer is not hit
// by every node at the same instant and a dead one costs at most one attempt per max delay.

/** Back-off state for one peer's connection attempts. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay: base·2^attempt capped at max, scaled by a jitter factor in [0.5, 1.5). */
  next(): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.min(this.maxMs, Math.round(exp * (0.5 + this.random())));
  }

  /** Called once a connection proved healthy: the next failure starts again from base. */
  reset(): void {
    this.attempt = 0;
  }
}
