// Request deadlines on one shared timer. Every write and read barrier waits under its request's
// deadline; a setTimeout each (with Promise.race and finally around it) cost the leader a timer
// object, an insertion into node's timer lists (one list per distinct duration, and the
// durations of deadlines all differ) and four promises per request. Here a request's deadline
// goes into a slot of SLOT_MS, and one interval, running only while deadlines are pending, fires
// the slots that have passed. A deadline fires at most SLOT_MS (plus timer lateness) after it
// passed, never before: the client's own deadline, enforced by its gRPC library, is the exact one.
// A deadline is a wall-clock time (a gRPC deadline is a Date) but is turned into a time on the
// monotonic clock when it is added: a wall clock stepped back an hour afterwards held every
// pending deadline for that hour (seen while adding wall-clock jumps to the simulation, issue 17).

import { monotonicMs, systemWallClock, type MonotonicClock, type WallClock } from '../common/clock.js';
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';

/** Width of a slot: how late a deadline may fire. */
export const SLOT_MS = 10;

/** A pending deadline; pass it to cancel(). */
export interface DeadlineHandle {
  readonly slot: number;
  readonly fire: () => void;
}

/** Deadlines in slots of SLOT_MS on one interval timer (see the file comment). */
export class DeadlineSlots {
  private readonly slots = new Map<number, Set<DeadlineHandle>>();
  private timer: TimerHandle | null = null;
  /** Every slot below this has been fired. */
  private swept = 0;

  constructor(
    /** Deadlines are wall-clock times (a gRPC deadline is a Date), read against this clock when added. */
    private readonly wallClock: WallClock = systemWallClock,
    private readonly timers: Timers = systemTimers,
    /** Slots are kept on this clock, which no step of the wall clock moves. */
    private readonly now: MonotonicClock = monotonicMs,
  ) {}

  /** Calls `fire` once `atMs` (ms since epoch, on the wall clock now) has passed, unless cancelled first. */
  add(atMs: number, fire: () => void): DeadlineHandle {
    const dueMs = this.now() + (atMs - this.wallClock());
    // The slot is fired once its end has passed: never before the deadline.
    const slot = Math.max(Math.ceil(dueMs / SLOT_MS), this.swept);
    const h: DeadlineHandle = { slot, fire };
    let set = this.slots.get(slot);
    if (!set) this.slots.set(slot, (set = new Set()));
    set.add(h);
    if (this.timer === null) {
      this.swept = Math.min(slot, Math.floor(this.now() / SLOT_MS));
      this.timer = this.timers.setInterval(() => this.sweep(), SLOT_MS).unref();
    }
    return h;
  }

  /** Forgets a deadline that is no longer needed (the request finished). */
  cancel(h: DeadlineHandle): void {
    const set = this.slots.get(h.slot);
    if (!set?.delete(h) || set.size > 0) return;
    this.slots.delete(h.slot);
    if (this.slots.size === 0) this.stop();
  }

  /** Deadlines pending. */
  get size(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.size;
    return n;
  }

  /** Fires every slot whose time has passed. */
  sweep(): void {
    const last = Math.floor(this.now() / SLOT_MS);
    // Walk the slots in time order; after a long stall (a paused process) look at the pending
    // slots instead of every empty one in between.
    const due: number[] = [];
    if (last - this.swept > this.slots.size) {
      for (const slot of this.slots.keys()) if (slot <= last) due.push(slot);
      due.sort((a, b) => a - b);
    } else {
      for (let slot = this.swept; slot <= last; slot++) if (this.slots.has(slot)) due.push(slot);
    }
    this.swept = last + 1;
    for (const slot of due) {
      const set = this.slots.get(slot)!;
      this.slots.delete(slot);
      for (const h of set) h.fire();
    }
    if (this.slots.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) this.timers.clear(this.timer);
    this.timer = null;
  }
}
