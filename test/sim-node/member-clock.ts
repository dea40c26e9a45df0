// One member's timers and wall clock in the whole-node simulation. Every timer the composed node
// starts goes through `timers` (NodePlatform.timers), on the run's virtual clock, so that:
//  - while the member is frozen (SIGSTOP) none of them fires; at resume each one that came due
//    fires once, in the order they came due (an interval once, however many periods it
//    missed), after what queued up on its connections, as a SIGCONTed process runs them;
//  - some fire a few milliseconds late even when it runs (a busy event loop);
//  - a crash ends them all: nothing of a dead incarnation runs again;
//  - its wall clock (NodePlatform.wallClock) can jump forward or back, by seconds to hours.
// The monotonic clock (performance.now, the lease's and the elections' clock) never jumps.
import type { Rng } from '../../src/common/rng.js';
import type { TimerHandle, Timers } from '../../src/common/timers.js';

/** A member timer: the virtual clock's timer underneath, and whether it still runs. */
interface SimTimer extends TimerHandle {
  fn: () => void;
  repeat: boolean;
  /** The virtual clock's timer id; null once it will not fire again. */
  id: ReturnType<typeof setTimeout> | null;
  /** Came due while the member was frozen: waits for resume. */
  due: boolean;
}

/** How late a running member's timers may fire. */
export interface Lateness {
  /** Share of firings that come late. */
  p: number;
  maxMs: number;
}

export class MemberClock {
  private readonly live = new Set<SimTimer>();
  /** Timers that came due while frozen, in the order they came due. */
  private dueWhileFrozen: SimTimer[] = [];
  private frozen = false;
  private dead = false;
  /** The member's wall clock minus the run's (virtual) wall-clock time. */
  offsetMs = 0;

  constructor(
    private readonly rng: Rng,
    private readonly late: Lateness = { p: 0, maxMs: 0 },
  ) {}

  /** What the node gets as NodePlatform.timers. */
  readonly timers: Timers = {
    setTimeout: (fn, ms) => this.start(fn, ms, false),
    setInterval: (fn, ms) => this.start(fn, ms, true),
    clear: (h) => this.stop(h as SimTimer),
  };

  /** What the node gets as NodePlatform.wallClock. */
  readonly wallClock = (): number => Date.now() + this.offsetMs;

  /** The member's wall clock steps by `ms` (forward or back). */
  jump(ms: number): void {
    this.offsetMs += ms;
  }

  /** A deadline of the run's wall clock as this member's wall clock reads it (a gRPC timeout crossing the network). */
  toLocal(deadline: Date): Date {
    return new Date(deadline.getTime() + this.offsetMs);
  }

  /** Timers pending (started, not cleared, not yet fired for good). */
  get pending(): number {
    return this.live.size;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Every timer that came due while frozen fires now, once each, in order (after queued I/O: a timer of 0 ms). */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    const due = this.dueWhileFrozen;
    this.dueWhileFrozen = [];
    for (const t of due) setTimeout(() => this.fire(t), 0);
  }

  /** The process is gone: no timer of it fires again. */
  kill(): void {
    this.dead = true;
    this.frozen = false;
    for (const t of this.live) if (t.id !== null) clearTimeout(t.id);
    this.live.clear();
    this.dueWhileFrozen = [];
  }

  /** A new process starts on the machine (the wall clock is the machine's: it keeps its offset). */
  revive(): void {
    this.kill();
    this.dead = false;
  }

  private start(fn: () => void, ms: number, repeat: boolean): SimTimer {
    const t: SimTimer = { fn, repeat, id: null, due: false, unref: () => t };
    if (this.dead) return t;
    this.live.add(t);
    const every = Math.max(1, ms);
    t.id = repeat ? setInterval(() => this.came(t), every) : setTimeout(() => this.came(t), Math.max(0, ms));
    return t;
  }

  private stop(t: SimTimer): void {
    if (!t || !this.live.delete(t)) return;
    if (t.id !== null) clearTimeout(t.id);
    t.id = null;
    t.due = false;
  }

  /** The virtual clock says `t` is due. */
  private came(t: SimTimer): void {
    if (!this.live.has(t)) return;
    if (!t.repeat) t.id = null;
    // Already waiting to fire (frozen, or late): an interval that missed periods fires once.
    if (t.due) return;
    if (this.frozen) {
      t.due = true;
      this.dueWhileFrozen.push(t);
      return;
    }
    if (this.late.p > 0 && this.rng.chance(this.late.p)) {
      t.due = true;
      setTimeout(() => this.fire(t), this.rng.int(1, this.late.maxMs));
      return;
    }
    this.fire(t);
  }

  private fire(t: SimTimer): void {
    if (this.dead || !this.live.has(t)) return;
    if (this.frozen) {
      // Frozen again between coming due and firing (a late firing): it waits for the next thaw.
      if (!this.dueWhileFrozen.includes(t)) this.dueWhileFrozen.push(t);
      return;
    }
    t.due = false;
    if (!t.repeat) this.live.delete(t);
    t.fn();
  }
}
