// V8's heap growing factor for the whole process, while its heap is small. A put allocates
// Buffers several times its value's size (the gRPC message, the command, the WAL record, the
// append per follower, the history record, LevelDB's record), and V8 starts a mark-compact once
// the memory outside its heap has grown by its limit, which it derives from the heap's size: on
// the ~20 MB heap of a node, 16 writers of 64 KiB values made the leader mark-compact every
// ~100 ms, a fifth of its CPU. With the heap allowed to grow 4x (300 %) over what the last
// collection kept, the same load ran at 407-422 puts/s instead of 253-262, at 3.8-4.0 instead of
// 6.6-7.3 ms of CPU per put (docs/performance.md, "V8's growing factor for every put").
//
// The factor multiplies what a collection keeps, so it is dropped (V8's own again) once the used
// heap passes HEAP_GROWTH_OFF_ABOVE_BYTES, and raised again only below HEAP_GROWTH_ON_BELOW_BYTES:
// a node with a large heap (a long in-memory Raft log, many watchers' buffers) does not grow
// several times that. Snapshot sends keep their own, larger-or-equal factor (send-heap-growth.ts).
import { getHeapStatistics } from 'node:v8';
import type { TimerHandle, Timers } from '../common/timers.js';
import { setBaseHeapGrowth } from './send-heap-growth.js';

/** The factor while the heap is small: the heap may grow to 4x what a collection kept. */
export const DEFAULT_HEAP_GROWING_PERCENT = 300;
/** Used heap past which V8's own factor applies again. */
export const HEAP_GROWTH_OFF_ABOVE_BYTES = 256 * 1024 * 1024;
/** Used heap below which the factor applies again (apart from the bound above, so it does not flap). */
export const HEAP_GROWTH_ON_BELOW_BYTES = 128 * 1024 * 1024;
/** How often the used heap is looked at. */
export const HEAP_GROWTH_CHECK_MS = 1000;

/** What HeapGrowth reads and sets: the real V8 by default, recorders in tests. */
export interface HeapGrowthDeps {
  usedHeapBytes(): number;
  setBase(percent: number): void;
  timers: Pick<Timers, 'setInterval' | 'clear'>;
  /** Told when the factor stops or starts applying, with the used heap that decided it (a log line). */
  onChange?: (active: boolean, usedHeapBytes: number) => void;
}

/** Keeps the process's base factor at `percent` while the used heap is small (see the file comment). */
export class HeapGrowth {
  private on = false;
  private timer: TimerHandle | null = null;

  /** `percent` 0: V8's own factor always (nothing is set or checked). */
  constructor(
    private readonly percent: number,
    private readonly deps: HeapGrowthDeps,
  ) {}

  /** Whether the factor applies now (tests, logs). */
  get active(): boolean {
    return this.on;
  }

  /** Applies the factor (if the heap is small) and checks the heap every HEAP_GROWTH_CHECK_MS. */
  start(): void {
    if (this.percent <= 0 || this.timer !== null) return;
    this.check();
    this.timer = this.deps.timers.setInterval(() => this.check(), HEAP_GROWTH_CHECK_MS).unref();
  }

  /** Puts V8's own factor back and stops checking. */
  stop(): void {
    if (this.timer !== null) this.deps.timers.clear(this.timer);
    this.timer = null;
    if (this.on) this.deps.setBase(0);
    this.on = false;
  }

  /** One look at the used heap: off past the upper bound, on again below the lower one. */
  check(): void {
    const used = this.deps.usedHeapBytes();
    if (this.on && used > HEAP_GROWTH_OFF_ABOVE_BYTES) {
      this.on = false;
      this.deps.setBase(0);
      this.deps.onChange?.(false, used);
    } else if (!this.on && used < HEAP_GROWTH_ON_BELOW_BYTES) {
      this.on = true;
      this.deps.setBase(this.percent);
      this.deps.onChange?.(true, used);
    }
  }
}

/** The process's V8: its used heap, and the base factor through setBaseHeapGrowth. */
export function v8HeapGrowthDeps(timers: Pick<Timers, 'setInterval' | 'clear'>, onChange?: HeapGrowthDeps['onChange']): HeapGrowthDeps {
  return { usedHeapBytes: () => getHeapStatistics().used_heap_size, setBase: (p) => setBaseHeapGrowth(p), timers, ...(onChange ? { onChange } : {}) };
}
