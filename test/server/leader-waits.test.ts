// Requests waiting for a leader: woken when one is known, dropped when their time runs out, and
// bounded in count and bytes (a flood without a leader must not hold the node's memory).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LeaderWaits } from '../../src/server/leader-waits.js';

describe('LeaderWaits', () => {
  let leader: string | null;
  let refused: number;
  const waits = (maxRequests = 3, maxBytes = 1000): LeaderWaits => new LeaderWaits({ maxRequests, maxBytes }, () => leader, () => refused++);
  beforeEach(() => {
    vi.useFakeTimers();
    leader = null;
    refused = 0;
  });
  afterEach(() => vi.useRealTimers());

  test('a known leader answers at once; waiters wake when one becomes known', async () => {
    const w = waits();
    leader = 'n2';
    await expect(w.wait(100, 10, 'n1')).resolves.toBe('n2');
    expect(w.size).toBe(0);
    leader = null;
    const a = w.wait(100, 10, 'n1');
    const b = w.wait(100, 20, 'n1');
    expect([w.size, w.bytes]).toEqual([2, 30]);
    w.leaderKnown('n3');
    await expect(Promise.all([a, b])).resolves.toEqual(['n3', 'n3']);
    expect([w.size, w.bytes]).toEqual([0, 0]);
  });

  test('a waiter whose time runs out is dropped: a minute without a leader leaves nothing behind', async () => {
    const w = waits(10);
    const results: (string | null)[] = [];
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 5; i++) void w.wait(300, 100, 'n1').then((r) => results.push(r));
      await vi.advanceTimersByTimeAsync(1000);
      expect(w.size).toBe(0);
    }
    expect(results).toHaveLength(300);
    expect(results.every((r) => r === null)).toBe(true);
    expect([w.size, w.bytes, refused]).toEqual([0, 0, 0]);
  });

  test('past the count or the bytes, a request is refused at once with UNAVAILABLE and a retry hint', async () => {
    const w = waits(2, 100);
    void w.wait(300, 10, 'n1');
    void w.wait(300, 10, 'n1');
    await expect(w.wait(300, 10, 'n1')).rejects.toMatchObject({ code: 14, message: expect.stringMatching(/no leader is known to n1 and 2 requests .* retry in 300 ms/) });
    await vi.advanceTimersByTimeAsync(300);
    void w.wait(300, 60, 'n1');
    await expect(w.wait(300, 60, 'n1')).rejects.toMatchObject({ code: 14 });
    expect(refused).toBe(2);
    w.leaderKnown('n2');
    expect([w.size, w.bytes]).toEqual([0, 0]);
    const again = w.wait(300, 60, 'n1'); // room again once the others went on
    expect(w.size).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    await expect(again).resolves.toBeNull();
  });
});
