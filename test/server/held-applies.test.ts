// A follower's held-back applies: released in order, on time, when too many, or on demand.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { HeldApplies } from '../../src/server/held-applies.js';

const entry = (index: number): Entry => ({ index, term: 1, type: 0, data: new Uint8Array([index & 0xff]) });

describe('HeldApplies', () => {
  let released: number[][];
  let held: HeldApplies;
  beforeEach(() => {
    vi.useFakeTimers();
    released = [];
    held = new HeldApplies(5, 10, (es) => released.push(es.map((e) => e.index)));
  });
  afterEach(() => vi.useRealTimers());

  it('releases everything held as one batch once the delay has passed', () => {
    held.hold([entry(1)]);
    vi.advanceTimersByTime(3);
    held.hold([entry(2), entry(3)]);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(2); // 5 ms after the first entry, not after the last
    expect(released).toEqual([[1, 2, 3]]);
    expect(held.size).toBe(0);
    held.hold([entry(4)]);
    vi.advanceTimersByTime(5);
    expect(released).toEqual([[1, 2, 3], [4]]);
  });

  it('releases at once when the bound is reached', () => {
    held.hold([1, 2, 3, 4, 5, 6].map(entry));
    held.hold([7, 8, 9, 10].map(entry));
    expect(released).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
    vi.advanceTimersByTime(10);
    expect(released.length).toBe(1); // the timer went with the release
  });

  it('releases on demand, and a release with nothing held does nothing', () => {
    held.release();
    held.hold([entry(1), entry(2)]);
    held.release();
    held.release();
    vi.advanceTimersByTime(10);
    expect(released).toEqual([[1, 2]]);
  });

  it('drops what it holds when cleared', () => {
    held.hold([entry(1)]);
    held.clear();
    vi.advanceTimersByTime(10);
    held.release();
    expect(released).toEqual([]);
  });
});
