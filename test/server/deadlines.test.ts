// Request deadlines on one shared timer (src/server/deadlines.ts) and withDeadline over them: a
// deadline never fires before its time, fires within a slot after it, a cancelled one never
// fires, and no timer is left running once nothing waits.
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSlots, SLOT_MS } from '../../src/server/deadlines.js';
import { nodeTime, withDeadline } from '../../src/server/context.js';

/** A node's time on the process's timers and clocks (faked by vitest where a test says so). */
const ctx = { time: nodeTime() };

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_003 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DeadlineSlots', () => {
  it('fires a deadline once its time has passed, never before, and within a slot after', () => {
    const slots = new DeadlineSlots();
    const fired: number[] = [];
    for (const inMs of [1, 9, 10, 25, 37]) slots.add(Date.now() + inMs, () => fired.push(inMs));
    let t = 0;
    while (fired.length < 5 && t < 100) {
      vi.advanceTimersByTime(1);
      t++;
      // Whatever has fired by now was due.
      for (const inMs of fired) expect(inMs).toBeLessThanOrEqual(t);
      // Whatever was due a slot (and a tick of the interval) ago has fired.
      for (const inMs of [1, 9, 10, 25, 37]) if (inMs + 2 * SLOT_MS <= t) expect(fired).toContain(inMs);
    }
    expect(fired).toEqual([1, 9, 10, 25, 37]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never fires a cancelled deadline, and stops its timer when nothing is pending', () => {
    const slots = new DeadlineSlots();
    const fire = vi.fn();
    const a = slots.add(Date.now() + 30, fire);
    const b = slots.add(Date.now() + 30, fire);
    expect(vi.getTimerCount()).toBe(1);
    slots.cancel(a);
    vi.advanceTimersByTime(5);
    slots.cancel(b);
    expect(slots.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(fire).not.toHaveBeenCalled();
  });

  it('fires what fell due while the process stood still, in one sweep', () => {
    let now = 5_000_000;
    const slots = new DeadlineSlots(() => now, undefined, () => now);
    const fired: number[] = [];
    slots.add(now + 50, () => fired.push(1));
    slots.add(now + 20_000, () => fired.push(2));
    now += 60_000; // a pause far longer than the slots in between
    slots.sweep();
    expect(fired).toEqual([1, 2]);
    expect(slots.size).toBe(0);
  });

  it('a wall clock stepped back or forward after a deadline was added moves it neither way', () => {
    let wall = 1_700_000_000_000;
    let mono = 1_000;
    const slots = new DeadlineSlots(() => wall, undefined, () => mono);
    const fired: string[] = [];
    slots.add(wall + 50, () => fired.push('back'));
    slots.add(wall + 80, () => fired.push('ahead'));
    wall -= 3_600_000; // NTP steps the clock back an hour
    mono += 60;
    slots.sweep();
    expect(fired).toEqual(['back']);
    wall += 7_200_000; // and then an hour ahead of where it was
    mono += 5;
    slots.sweep();
    expect(fired).toEqual(['back']);
    mono += 25;
    slots.sweep();
    expect(fired).toEqual(['back', 'ahead']);
  });
});

describe('withDeadline', () => {
  it('rejects with DEADLINE_EXCEEDED once the deadline passed, and not before', async () => {
    const never = new Promise<never>(() => {});
    const p = withDeadline(ctx, never, new Date(Date.now() + 50), 'write');
    const seen = vi.fn();
    p.catch(seen);
    await vi.advanceTimersByTimeAsync(49);
    expect(seen).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2 * SLOT_MS);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]![0]).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });

  it("settles as the promise does when it settles first, and leaves no timer behind", async () => {
    await expect(withDeadline(ctx, Promise.resolve(7), new Date(Date.now() + 1000), 'read')).resolves.toBe(7);
    await expect(withDeadline(ctx, Promise.reject(new Error('boom')), new Date(Date.now() + 1000), 'read')).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the deadline has already passed', async () => {
    await expect(withDeadline(ctx, new Promise(() => {}), new Date(Date.now() - 1), 'read')).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });
});
