import { expect, test } from 'vitest';
import { IndexClock } from '../../src/metrics/index.js';

test('a follower is as far behind as the oldest entry it lacks', () => {
  const c = new IndexClock();
  c.observe(10, 0);
  c.observe(20, 1000);
  c.observe(30, 2000);
  expect(c.lagSeconds(30, 5000)).toBe(0);
  expect(c.lagSeconds(25, 5000)).toBe(3); // entry 26 first seen at 2 s
  expect(c.lagSeconds(15, 5000)).toBe(4);
  expect(c.lagSeconds(10, 5000)).toBe(4);
  expect(c.lagSeconds(9, 5000)).toBe(5);
  expect(c.lagSeconds(0, 5000)).toBe(5); // older than every sample: a lower bound
});

test('repeats are ignored, a shorter log restarts, capacity bounds the samples', () => {
  const c = new IndexClock(3);
  c.observe(10, 0);
  c.observe(10, 500);
  expect(c.lagSeconds(9, 1000)).toBe(1);
  c.observe(5, 2000);
  expect(c.lagSeconds(4, 3000)).toBe(1);
  for (let i = 1; i <= 5; i++) c.observe(5 + i, 3000 + i * 1000);
  // Samples kept: 8@6s, 9@7s, 10@8s; entry 6 is older than all of them.
  expect(c.lagSeconds(5, 10_000)).toBe(4);
  expect(c.lagSeconds(8, 10_000)).toBe(3);
  c.reset();
  expect(c.lagSeconds(0, 10_000)).toBe(0);
  expect(() => new IndexClock(0)).toThrow(/capacity/);
});
