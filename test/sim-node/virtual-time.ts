// The virtual clock: @sinonjs/fake-timers replaces the process's timers, Date and performance.now
// for the length of a run, so every timer of every member (ticks, deadlines, the failover
// controller's, the apply delay) fires in virtual time, in an order fixed by the seed. Promise
// jobs and process.nextTick stay real: they are how the members' code runs between two timers.
// A run must not wait on real I/O while time advances (the members' disks and databases are
// in memory); real I/O at a member's start is awaited between two advances of the clock.
import { install } from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof install>;

/** 2026-01-01T00:00:00Z: wall-clock time at the start of every run (request ids carry it). */
const EPOCH_MS = Date.UTC(2026, 0, 1);

/** The real setImmediate, taken before any run replaces it. */
const realSetImmediate = globalThis.setImmediate;

/** One real turn of the event loop: every pending promise job and nextTick runs first. */
function realTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

export class VirtualTime {
  private readonly clock: InstalledClock;
  private lastNs = 0;

  constructor() {
    this.clock = install({
      now: EPOCH_MS,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance', 'hrtime'],
      loopLimit: 10_000_000,
    });
  }

  /** Milliseconds since the run started. */
  nowMs(): number {
    return this.clock.now - EPOCH_MS;
  }

  /**
   * Strictly increasing nanoseconds for the history: events in the same virtual millisecond keep
   * the order they happened in, which the checker needs to tell sequence from concurrency.
   */
  historyNs(): number {
    this.lastNs = Math.max(this.lastNs + 1, Math.round(this.nowMs() * 1e6));
    return this.lastNs;
  }

  /**
   * Runs every timer due in the next `ms`, one at a time, letting every promise job and nextTick
   * run between two (a real setImmediate turn: fake-timers' own tickAsync yields with a real
   * setTimeout, a millisecond each, which made a run mostly waiting).
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now + ms;
    for (;;) {
      await realTurn();
      const next = this.nextTimerAt();
      if (next === null || next > target) break;
      this.clock.next();
    }
    this.clock.tick(target - this.clock.now);
    await realTurn();
  }

  /** When the first pending timer is due (fake-timers keeps them in a Map `timers`, not in its types). */
  private nextTimerAt(): number | null {
    const timers = (this.clock as unknown as { timers?: Map<number, { callAt: number }> }).timers;
    if (timers === undefined) return null;
    if (!(timers instanceof Map)) throw new Error('@sinonjs/fake-timers changed how it keeps timers: see virtual-time.ts');
    let first: number | null = null;
    for (const t of timers.values()) if (first === null || t.callAt < first) first = t.callAt;
    return first;
  }

  uninstall(): void {
    this.clock.uninstall();
  }
}
