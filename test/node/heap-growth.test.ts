// The process's heap growing factor: applied at start while the used heap is small, dropped for
// V8's own past the upper bound and raised again only below the lower one (no flapping between),
// put back on stop; 0 touches nothing. And with a snapshot send: the send's factor only raises
// the process's, and the end of the last send puts the process's back, not V8's own.
import { afterEach, describe, expect, it } from 'vitest';
import type { TimerHandle } from '../../src/common/timers.js';
import { HEAP_GROWTH_CHECK_MS, HEAP_GROWTH_OFF_ABOVE_BYTES, HEAP_GROWTH_ON_BELOW_BYTES, HeapGrowth, v8HeapGrowthDeps } from '../../src/node/heap-growth.js';
import { SendHeapGrowth, setBaseHeapGrowth } from '../../src/node/send-heap-growth.js';

const MiB = 1024 * 1024;

/** A HeapGrowth over a heap size the test sets, with its base factors and timer recorded. */
function recorded(percent = 300) {
  const bases: number[] = [];
  const changes: [boolean, number][] = [];
  const heap = { used: 20 * MiB };
  const timer = { fn: null as (() => void) | null, ms: 0, cleared: false };
  const handle: TimerHandle = { unref: () => handle };
  const growth = new HeapGrowth(percent, {
    usedHeapBytes: () => heap.used,
    setBase: (p) => bases.push(p),
    timers: {
      setInterval: (fn, ms) => {
        timer.fn = fn;
        timer.ms = ms;
        return handle;
      },
      clear: () => (timer.cleared = true),
    },
    onChange: (active, used) => changes.push([active, used]),
  });
  return { growth, bases, heap, timer, changes };
}

afterEach(() => setBaseHeapGrowth(0, () => {}));

describe('HeapGrowth', () => {
  it('applies the factor at start, off past the upper bound, on again only below the lower one, off at stop', () => {
    const { growth, bases, heap, timer, changes } = recorded();
    growth.start();
    expect([bases, growth.active, timer.ms]).toStrictEqual([[300], true, HEAP_GROWTH_CHECK_MS]);
    heap.used = HEAP_GROWTH_OFF_ABOVE_BYTES + 1;
    timer.fn!();
    expect([bases, growth.active]).toStrictEqual([[300, 0], false]);
    // Between the bounds it stays as it is, whichever way the heap moves.
    heap.used = (HEAP_GROWTH_OFF_ABOVE_BYTES + HEAP_GROWTH_ON_BELOW_BYTES) / 2;
    timer.fn!();
    expect(bases).toStrictEqual([300, 0]);
    heap.used = HEAP_GROWTH_ON_BELOW_BYTES - 1;
    timer.fn!();
    heap.used = (HEAP_GROWTH_OFF_ABOVE_BYTES + HEAP_GROWTH_ON_BELOW_BYTES) / 2;
    timer.fn!();
    expect([bases, growth.active]).toStrictEqual([[300, 0, 300], true]);
    // Each change is told once, with the used heap that decided it (the node logs it).
    expect(changes).toStrictEqual([[true, 20 * MiB], [false, HEAP_GROWTH_OFF_ABOVE_BYTES + 1], [true, HEAP_GROWTH_ON_BELOW_BYTES - 1]]);
    growth.stop();
    expect([bases, growth.active, timer.cleared]).toStrictEqual([[300, 0, 300, 0], false, true]);
  });

  it('a large heap at start keeps V8\'s own factor', () => {
    const { growth, bases, heap } = recorded();
    heap.used = HEAP_GROWTH_OFF_ABOVE_BYTES - 1; // not below the lower bound: not raised
    growth.start();
    expect([bases, growth.active]).toStrictEqual([[], false]);
  });

  it('percent 0 sets and checks nothing', () => {
    const { growth, bases, timer } = recorded(0);
    growth.start();
    growth.stop();
    expect([bases, timer.fn]).toStrictEqual([[], null]);
  });

  it('a snapshot send raises the factor over the process\'s and its end puts the process\'s back', async () => {
    const flags: string[] = [];
    const record = (f: string): number => flags.push(f);
    setBaseHeapGrowth(100, record);
    const send = new SendHeapGrowth(300, record);
    for await (const _ of send.wrap((async function* () { yield new Uint8Array([1]); })())) void _;
    // A send whose factor is not larger changes nothing.
    for await (const _ of new SendHeapGrowth(50, record).wrap((async function* () { yield new Uint8Array([1]); })())) void _;
    setBaseHeapGrowth(0, record);
    expect(flags).toStrictEqual(['--heap-growing-percent=100', '--heap-growing-percent=300', '--heap-growing-percent=100', '--heap-growing-percent=0']);
  });

  it('runs against this process\'s V8 (the real heap size and flag setter)', () => {
    const growth = new HeapGrowth(300, v8HeapGrowthDeps({ setInterval: (fn, ms) => setInterval(fn, ms), clear: (t) => clearInterval(t as unknown as NodeJS.Timeout) }));
    growth.start();
    expect(growth.active).toBe(true);
    growth.stop();
    expect(growth.active).toBe(false);
  });
});
