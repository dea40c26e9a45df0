// The snapshot pacer that yields to client writes (src/node/snapshot-yield.ts), on a virtual clock:
// unpaced with nobody writing, halved while writes are slower than before the send began, never
// below its floor nor above the operator's limit, climbing back as writes recover.
import { describe, expect, it } from 'vitest';
import { CATCH_UP_SHARE_UNPACED, DEFAULT_SNAPSHOT_YIELD_OPTIONS, SnapshotYield, type SnapshotYieldOptions } from '../../src/node/snapshot-yield.js';
import type { RateClock } from '../../src/transport/index.js';

const MiB = 1024 * 1024;
const CHUNK = 256 * 1024;
const never = new AbortController().signal;

/** A clock whose sleeps return at once, moving virtual time on by their length. */
function virtualClock(): RateClock & { now: number } {
  const c = {
    now: 0,
    nowMs: () => c.now,
    sleep: async (ms: number) => {
      c.now += ms;
    },
  };
  return c;
}

function pacer(opts: Partial<SnapshotYieldOptions> = {}): { y: SnapshotYield; clock: ReturnType<typeof virtualClock>; rates: number[] } {
  const clock = virtualClock();
  const rates: number[] = [];
  // The margin is set here, not taken from the defaults: the latencies below are chosen around it.
  const y = new SnapshotYield({ ...DEFAULT_SNAPSHOT_YIELD_OPTIONS, slowdownFactor: 1.5, slackMs: 0.5, ...opts }, MiB, clock, { rate: (r) => rates.push(r) });
  return { y, clock, rates };
}

/** One window of the default length: `writes` writes of `latencyMs` each, and a chunk sent if `send`. */
async function window(p: ReturnType<typeof pacer>, writes: number, latencyMs: number, send: boolean): Promise<void> {
  const end = p.clock.now + DEFAULT_SNAPSHOT_YIELD_OPTIONS.windowMs;
  for (let i = 0; i < writes; i++) p.y.observeWrite(latencyMs / 1000);
  if (send) await p.y.take(CHUNK, never);
  // take() may have slept past the window; otherwise the rest of it passes idle.
  p.clock.now = Math.max(p.clock.now, end);
}

describe('SnapshotYield', () => {
  it('with nobody writing, a send is not paced at all', async () => {
    const p = pacer();
    for (let i = 0; i < 20; i++) await window(p, 0, 0, true);
    expect(p.y.limited).toBe(false);
    expect(p.rates).toEqual([]);
  });

  it('writes that stopped a while before the send began do not pace it', async () => {
    const p = pacer();
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    // The last writes, then nothing for 5 s: their window is closed only by the first chunk.
    for (let i = 0; i < 50; i++) p.y.observeWrite(0.002);
    p.clock.now += 5000;
    await p.y.take(CHUNK, never);
    expect(p.y.limited).toBe(false);
    expect(p.rates).toEqual([]);
  });

  it('while writes are as fast as before the send, it starts moderate and climbs to unpaced', async () => {
    const p = pacer();
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    expect(p.y.stats.calmMs).toBeCloseTo(2);
    await window(p, 50, 2, true);
    expect(p.rates[0]).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.startBytesPerSec);
    for (let i = 0; i < 30 && p.y.limited; i++) await window(p, 50, 2.2, true);
    expect(p.y.limited).toBe(false);
    // Each step up is at most a quarter (or half the floor) more than the last.
    const steps = p.rates.slice(0, -1);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThanOrEqual(Math.max(steps[i - 1]! * 1.25, steps[i - 1]! + DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec / 2) + 1);
    expect(p.y.stats.yields).toBe(0);
  });

  it('halves the rate while writes are slower than the margin allows, down to the floor and no further', async () => {
    const p = pacer();
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    // 2 ms calm: the bar is 2 x 1.5 + 0.5 = 3.5 ms.
    await window(p, 50, 2, true);
    for (let i = 0; i < 10; i++) await window(p, 50, 4, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    expect(p.y.stats.yields).toBeGreaterThanOrEqual(1);
    expect(Math.min(...p.rates)).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    // Just under the bar is not slow: the rate climbs again (a window is judged when the next begins).
    await window(p, 50, 3.4, true);
    const yields = p.y.stats.yields;
    await window(p, 50, 3.4, true);
    expect(p.y.rate).toBeGreaterThan(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    expect(p.y.stats.yields).toBe(yields);
  });

  it('an unpaced send that slows writes down gets paced within a few windows', async () => {
    const p = pacer();
    await window(p, 0, 0, true); // nobody writes: unpaced
    expect(p.y.limited).toBe(false);
    // Writes begin during the send: the first window sets the bar, later slower ones halve the rate.
    await window(p, 50, 2, true);
    for (let i = 0; i < 6; i++) await window(p, 50, 5, true);
    expect(p.y.limited).toBe(true);
    expect(p.y.rate).toBeLessThanOrEqual(DEFAULT_SNAPSHOT_YIELD_OPTIONS.startBytesPerSec);
  });

  it('the rate the pacer sets is the rate the bytes go at', async () => {
    const p = pacer();
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    for (let i = 0; i < 10; i++) await window(p, 50, 10, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    // Writes stay slow: 64 chunks of 256 KiB (16 MiB) at the 16 MiB/s floor take about a second.
    const t0 = p.clock.now;
    for (let i = 0; i < 64; i++) {
      for (let w = 0; w < 10; w++) p.y.observeWrite(0.01);
      await p.y.take(CHUNK, never);
    }
    expect(p.clock.now - t0).toBeGreaterThanOrEqual(900);
    expect(p.clock.now - t0).toBeLessThanOrEqual(1100);
  });

  it("never goes above the operator's limit, even with nobody writing", async () => {
    const cap = 40 * MiB;
    const p = pacer({ maxBytesPerSec: cap });
    expect(p.y.rate).toBe(cap);
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    for (let i = 0; i < 20; i++) await window(p, 50, 2, true);
    expect(Math.max(...p.rates)).toBe(cap);
    for (let i = 0; i < 20; i++) await window(p, 0, 0, true);
    expect(p.y.rate).toBe(cap);
    expect(p.y.limited).toBe(true);
  });

  it('a new send after a calm spell starts over from the start rate, and calm windows move the bar', async () => {
    const p = pacer();
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    for (let i = 0; i < 30; i++) await window(p, 50, 2, true);
    expect(p.y.limited).toBe(false);
    // The send ends; writes settle at 4 ms without it (another workload): the bar follows.
    for (let i = 0; i < 20; i++) await window(p, 50, 4, false);
    expect(p.y.stats.calmMs).toBeGreaterThan(3.9);
    await window(p, 50, 4, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.startBytesPerSec);
    // 4 ms is calm now: no yield.
    for (let i = 0; i < 3; i++) await window(p, 50, 4, true);
    expect(p.y.rate).toBeGreaterThan(DEFAULT_SNAPSHOT_YIELD_OPTIONS.startBytesPerSec);
  });

  it('lifts the pace once the log kept for the learner nears its bound: a slow catch-up must not become a second snapshot', async () => {
    const p = pacer();
    let share = 0;
    p.y.watchCatchUp(() => share);
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    for (let i = 0; i < 10; i++) await window(p, 50, 10, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    share = CATCH_UP_SHARE_UNPACED - 0.01;
    await window(p, 50, 10, true);
    await window(p, 50, 10, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    expect(p.y.stats.liftedForCatchUp).toBe(0);
    share = CATCH_UP_SHARE_UNPACED;
    await window(p, 50, 10, true);
    await window(p, 50, 10, true);
    expect(p.y.limited).toBe(false);
    expect(p.y.stats.liftedForCatchUp).toBeGreaterThanOrEqual(1);
    // However slow the writes stay, it is not paced again while the share stays up.
    for (let i = 0; i < 5; i++) await window(p, 50, 10, true);
    expect(p.y.limited).toBe(false);
  });

  it("a send that starts with the learner's log already near its bound is not paced, even with writes", async () => {
    const p = pacer();
    p.y.watchCatchUp(() => 0.9);
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    await window(p, 50, 2, true);
    expect(p.y.limited).toBe(false);
    expect(p.rates).toEqual([]);
  });

  it("lifted, it still keeps to the operator's limit", async () => {
    const cap = 40 * MiB;
    const p = pacer({ maxBytesPerSec: cap });
    let share = 0;
    p.y.watchCatchUp(() => share);
    for (let i = 0; i < 5; i++) await window(p, 50, 2, false);
    for (let i = 0; i < 10; i++) await window(p, 50, 10, true);
    expect(p.y.rate).toBe(DEFAULT_SNAPSHOT_YIELD_OPTIONS.minBytesPerSec);
    share = 1;
    await window(p, 50, 10, true);
    await window(p, 50, 10, true);
    expect(p.y.rate).toBe(cap);
  });

  it('refuses a floor of 0 or a start below the floor', () => {
    expect(() => pacer({ minBytesPerSec: 0 })).toThrow(RangeError);
    expect(() => pacer({ startBytesPerSec: MiB })).toThrow(RangeError);
  });
});
