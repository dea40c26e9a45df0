// The snapshot rate limit's token bucket (src/transport/rate-limiter.ts) on a virtual clock: the
// average rate holds for any sequence of sizes, callers share one budget in arrival order, a
// request above the burst still passes, and an aborted wait takes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteRateLimiter, type RateClock } from '../../src/transport/rate-limiter.js';

const MiB = 1024 * 1024;

/** A clock whose sleeps return at once, moving virtual time on by their length. */
function virtualClock(): RateClock & { now: number; sleeps: number[] } {
  const c = {
    now: 0,
    sleeps: [] as number[],
    nowMs: () => c.now,
    sleep: async (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      c.sleeps.push(ms);
      c.now += ms;
    },
  };
  return c;
}

const never = new AbortController().signal;

describe('ByteRateLimiter', () => {
  it('0 means no limit: nothing waits and the bytes are still counted', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(0, MiB, clock);
    expect(l.limited).toBe(false);
    for (let i = 0; i < 100; i++) await l.take(MiB, never);
    expect(clock.now).toBe(0);
    expect(l.stats).toStrictEqual({ bytes: 100 * MiB, waitedMs: 0 });
  });

  it('lets a burst through at once, then holds the configured rate', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(4 * MiB, MiB, clock);
    await l.take(MiB, never);
    expect(clock.now).toBe(0);
    for (let i = 0; i < 8; i++) await l.take(MiB, never);
    // 8 MiB after the burst at 4 MiB/s.
    expect(clock.now).toBe(2000);
    expect(l.stats).toStrictEqual({ bytes: 9 * MiB, waitedMs: 2000 });
  });

  it('time that passed between requests is credited, up to the burst', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(MiB, MiB, clock);
    await l.take(MiB, never);
    clock.now += 10_000; // idle for 10 s: no more than one burst is saved up
    await l.take(MiB, never);
    expect(clock.now).toBe(10_000);
    await l.take(MiB, never);
    expect(clock.now).toBe(11_000);
  });

  it('a request larger than the burst passes once the bucket is full, and its debt is paid by the next', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(MiB, MiB, clock);
    await l.take(5 * MiB, never);
    expect(clock.now).toBe(0);
    await l.take(MiB, never);
    expect(clock.now).toBe(5000);
  });

  it('for any sizes the bytes sent never exceed the burst plus rate x time, and waits are not longer than needed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3 * MiB }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), async (sizes, mibPerSec) => {
        const clock = virtualClock();
        const rate = mibPerSec * MiB;
        const l = new ByteRateLimiter(rate, MiB, clock);
        let sent = 0;
        let overshoot = 0;
        for (const size of sizes) {
          // What went earlier fits the bucket (burst + rate x elapsed), but for the part of the
          // previous request above the burst, which the next wait pays back.
          expect(sent).toBeLessThanOrEqual(MiB + (rate * clock.now) / 1000 + overshoot + 1);
          await l.take(size, never);
          sent += size;
          overshoot = Math.max(0, size - MiB);
        }
        // The limiter is not slower than the rate either (each wait rounds up to a whole ms).
        const last = sizes[sizes.length - 1]!;
        // The last request waited only until the bucket held min(last, burst): everything before it
        // plus that, less the burst, at the rate; each wait rounds up to a whole millisecond.
        const needed = Math.max(0, sent - last + Math.min(last, MiB) - MiB) / rate;
        expect(clock.now).toBeLessThanOrEqual(needed * 1000 + sizes.length);
        expect(l.stats.bytes).toBe(sent);
      }),
      { numRuns: 200 },
    );
  });

  it('setRate: a new rate holds from the change on; a limit set on an unlimited bucket starts with one burst', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(0, MiB, clock);
    for (let i = 0; i < 10; i++) await l.take(MiB, never);
    expect(clock.now).toBe(0);
    l.setRate(2 * MiB);
    expect(l.limited).toBe(true);
    expect(l.rate).toBe(2 * MiB);
    await l.take(MiB, never); // the burst
    expect(clock.now).toBe(0);
    for (let i = 0; i < 4; i++) await l.take(MiB, never);
    expect(clock.now).toBe(2000);
    l.setRate(4 * MiB);
    for (let i = 0; i < 4; i++) await l.take(MiB, never);
    expect(clock.now).toBe(3000);
    l.setRate(0);
    for (let i = 0; i < 4; i++) await l.take(MiB, never);
    expect(clock.now).toBe(3000);
    expect(l.stats.bytes).toBe(23 * MiB);
  });

  it('a caller queued behind a wait goes at once when the limit is lifted meanwhile', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pending: (() => void)[] = [];
    const clock: RateClock = {
      nowMs: () => now,
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          sleeps.push(ms);
          pending.push(() => ((now += ms), resolve()));
        }),
    };
    const l = new ByteRateLimiter(MiB, MiB, clock);
    await l.take(MiB, never);
    const first = l.take(MiB, never); // waits a second
    const second = l.take(MiB, never); // queued behind it
    await Promise.resolve();
    l.setRate(0);
    pending.shift()!();
    await first;
    await second;
    // The second caller did not sleep (a wait computed at 0 bytes/s would never end).
    expect(sleeps).toStrictEqual([1000]);
    expect(l.stats.bytes).toBe(3 * MiB);
  });

  it('callers share one budget and go in arrival order', async () => {
    const clock = virtualClock();
    const l = new ByteRateLimiter(4 * MiB, MiB, clock);
    const done: string[] = [];
    const stream = async (name: string): Promise<void> => {
      for (let i = 0; i < 4; i++) {
        await l.take(MiB, never);
        done.push(`${name}${i}`);
      }
    };
    await Promise.all([stream('a'), stream('b')]);
    // 8 MiB in all, one of them the burst: 7 MiB at 4 MiB/s, not 3 MiB as two budgets would take.
    expect(clock.now).toBe(1750);
    expect(done).toStrictEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });

  it('an aborted wait rejects with the abort, takes no bytes, and does not hold up the callers behind it', async () => {
    let now = 0;
    const pending: { resolve: () => void; ms: number }[] = [];
    const clock: RateClock = {
      nowMs: () => now,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          pending.push({ resolve: () => ((now += ms), resolve()), ms });
        }),
    };
    const l = new ByteRateLimiter(MiB, MiB, clock);
    await l.take(MiB, never); // the burst
    const abort = new AbortController();
    const first = l.take(MiB, abort.signal);
    const second = l.take(MiB, never);
    await new Promise((r) => setImmediate(r));
    expect(pending.map((p) => p.ms)).toStrictEqual([1000]);
    abort.abort(new Error('peer removed'));
    await expect(first).rejects.toThrow('peer removed');
    await new Promise((r) => setImmediate(r));
    // The second caller waits for its own megabyte only: the aborted one took nothing.
    expect(pending.map((p) => p.ms)).toStrictEqual([1000, 1000]);
    pending[1]!.resolve();
    await second;
    expect(l.stats.bytes).toBe(2 * MiB);
    await expect(l.take(1, abort.signal)).rejects.toThrow('peer removed');
  });

  it('refuses a negative or non-finite rate and an empty burst', () => {
    expect(() => new ByteRateLimiter(-1, MiB)).toThrow(RangeError);
    expect(() => new ByteRateLimiter(Number.NaN, MiB)).toThrow(RangeError);
    expect(() => new ByteRateLimiter(MiB, 0)).toThrow(RangeError);
  });
});
