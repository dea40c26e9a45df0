import type { Logger } from 'pino';
import type { MonotonicClock } from '../common/clock.js';
import type { Timers, TimerHandle } from '../common/timers.js';
import type { FailoverOptions } from './config.js';
import type { RaftView } from './ports.js';
import type { Switchover } from './switchover.js';

/** How often the leader looks at the preferred node's health. */
const CHECK_INTERVAL_MS = 500;

/**
 * Automatic failback: after a failover, once the preferred leader is back, a healthy voter and
 * caught up continuously for `failbackDelayMs`, the current leader switches over to it.
 */
export class FailbackMonitor {
  private healthySinceMs: number | null = null;
  private timer: TimerHandle | null = null;
  private checking = false;

  constructor(
    private readonly raft: RaftView,
    private readonly switchover: Switchover,
    private readonly options: FailoverOptions,
    private readonly log: Logger,
    private readonly timers: Timers,
    /** "Healthy for failbackDelayMs" is a duration: the monotonic clock. */
    private readonly clock: MonotonicClock,
  ) {}

  start(): void {
    if (!this.options.autoFailback || !this.options.preferredLeader) return;
    this.timer = this.timers.setInterval(() => void this.check(), CHECK_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) this.timers.clear(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    const preferred = this.options.preferredLeader;
    if (this.checking) return;
    if (!preferred || this.raft.role !== 'leader' || preferred === this.raft.id || this.switchover.busy) {
      this.healthySinceMs = null;
      return;
    }
    this.checking = true;
    try {
      const c = await this.switchover.check(preferred, this.options.maxLagEntries);
      if (!c.ok) {
        this.healthySinceMs = null;
        return;
      }
      this.healthySinceMs ??= this.clock();
      if (this.clock() - this.healthySinceMs < this.options.failbackDelayMs) return;
      this.log.info({ to: preferred }, 'preferred leader healthy and caught up: failing back');
      this.healthySinceMs = null;
      await this.switchover.run({ to: preferred, reason: 'failback' });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'automatic failback did not happen');
    } finally {
      this.checking = false;
    }
  }
}
