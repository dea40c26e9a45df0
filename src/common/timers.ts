// Timers as the node starts them, in one place every layer may import. A node's parts take a
// `Timers` (default `systemTimers`, the process's own) instead of calling setTimeout and
// setInterval themselves, so that whoever builds the node decides what its timers are: the
// whole-node simulation gives each member timers that stop while it is frozen and fire late,
// each once and in order, when it thaws, as a SIGSTOPped process's timers do.

/** A started timer; `unref()` lets the process exit while it is pending (a no-op in a simulation). */
export interface TimerHandle {
  unref(): TimerHandle;
}

/** Starts and stops one-shot and repeating timers. */
export interface Timers {
  /** Runs `fn` once, `ms` milliseconds from now (or later: a busy or stopped process runs it late). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Runs `fn` every `ms` milliseconds; a late process runs it once, however many periods it missed. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Stops a timer from either method (a stopped or fired one: nothing happens). */
  clear(timer: TimerHandle): void;
}

/** The process's timers (Node's setTimeout, setInterval and clearTimeout). */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** A promise that resolves after `ms` on `timers`. */
export function sleepOn(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}
