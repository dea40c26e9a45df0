// Waiting on the node's state: re-checked on every change, bounded by a timer.
import { systemTimers, type Timers } from '../common/timers.js';

/** A condition waited for, re-checked whenever the node's state may have moved. */
interface Waiter {
  cond: () => boolean;
  done: (held: boolean) => void;
}

/**
 * Bounded waits for conditions on the node's state, without polling: the owner calls `poke()`
 * whenever that state may have moved (after every input to the core, after every applied
 * batch), so a wait ends in the same turn as the change that satisfies it. Used by the commit
 * modes (followers holding an entry) and the switchover (caught up, stepped down, leader known);
 * a 1 ms poll there cost a timer's granularity (1-2 ms on a busy event loop) per wait.
 */
export class StateWaits {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly timers: Timers = systemTimers) {}

  /** Resolves true once `cond` holds; false if it still does not after `ms`. */
  until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { cond, done: () => {} };
      const timer = this.timers.setTimeout(() => w.done(cond()), Math.max(0, ms));
      w.done = (held) => {
        this.timers.clear(timer);
        this.waiters.delete(w);
        resolve(held);
      };
      this.waiters.add(w);
    });
  }

  /** The state may have moved: ends every wait whose condition now holds. */
  poke(): void {
    for (const w of this.waiters) if (w.cond()) w.done(true);
  }
}
