// The small pieces on their own: the bounded send queue and the reconnect back-off.
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/transport/backoff.js';
import { SendQueue } from '../../src/transport/send-queue.js';

const msg = (n: number, len = 10): Buffer => Buffer.alloc(len, n);

describe('SendQueue', () => {
  it('drops the oldest messages beyond its byte and count bounds', () => {
    const q = new SendQueue(35, 100);
    expect([q.push(msg(1)), q.push(msg(2)), q.push(msg(3))]).toStrictEqual([0, 0, 0]);
    expect(q.push(msg(4))).toBe(1); // 40 bytes > 35: message 1 goes
    expect([q.length, q.byteLength]).toStrictEqual([3, 30]);
    expect(q.take(1000, 1000).map((b) => b[0])).toStrictEqual([2, 3, 4]);
    const byCount = new SendQueue(1 << 20, 2);
    byCount.push(msg(1));
    byCount.push(msg(2));
    expect(byCount.push(msg(3))).toBe(1);
    expect(byCount.take(1000, 1000).map((b) => b[0])).toStrictEqual([2, 3]);
  });

  it('keeps a single oversized message and cuts batches by bytes and count', () => {
    const q = new SendQueue(15, 100);
    expect(q.push(msg(1, 40))).toBe(0);
    expect(q.push(msg(2, 5))).toBe(1);
    const big = new SendQueue(1 << 20, 1 << 20);
    for (let i = 0; i < 3000; i++) big.push(msg(i % 256));
    expect(big.take(25, 1000)).toHaveLength(2);
    expect(big.take(1 << 20, 1000)).toHaveLength(1000);
    expect(big.length).toBe(1998);
    expect(big.clear()).toBe(1998);
    expect([big.length, big.byteLength, big.take(10, 10).length]).toStrictEqual([0, 0, 0]);
  });
});

describe('Backoff', () => {
  it('doubles from base to max with jitter, and resets', () => {
    const mid = new Backoff(50, 2000, () => 0.5); // jitter factor exactly 1
    expect(Array.from({ length: 8 }, () => mid.next())).toStrictEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
    mid.reset();
    expect(mid.next()).toBe(50);
    const low = new Backoff(50, 2000, () => 0);
    const high = new Backoff(50, 2000, () => 0.999);
    expect([low.next(), high.next()]).toStrictEqual([25, 75]);
    for (let i = 0; i < 10; i++) high.next();
    expect(high.next()).toBe(2000);
  });
});
