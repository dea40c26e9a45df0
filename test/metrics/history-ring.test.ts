import { expect, test } from 'vitest';
import { HistoryRing } from '../../src/metrics/history-ring.js';
import { snapshot } from './fixtures.js';

test('the ring keeps the newest `capacity` samples, oldest first, and never grows past it', () => {
  const ring = new HistoryRing(5);
  for (let i = 0; i < 12; i++) ring.sample(snapshot({ appliedIndex: 100 + 10 * i }), 1000 * i);
  const s = ring.samples();
  expect(s.map((x) => x.t)).toEqual([7000, 8000, 9000, 10000, 11000]);
  expect(s.every((x) => x.appliedPerSecond === 10)).toBe(true);
  expect(ring.latest()?.t).toBe(11000);
});

test('per-second p99 from bucket counts, emptied at each sample; rates per elapsed second', () => {
  const ring = new HistoryRing(10);
  for (let i = 0; i < 99; i++) ring.observeRequest(0.003);
  ring.observeRequest(0.4);
  ring.observeFsync(0.0015);
  const first = ring.sample(snapshot({ appliedIndex: 5 }), 0);
  expect(first).toMatchObject({ requestsPerSecond: 100, requestP99Ms: 5, fsyncP99Ms: 2, appliedPerSecond: null });
  for (let i = 0; i < 10; i++) ring.observeRequest(i === 0 ? 0.4 : 0.003);
  const second = ring.sample(snapshot({ appliedIndex: 25 }), 2000);
  expect(second).toMatchObject({ requestsPerSecond: 5, requestP99Ms: 500, fsyncP99Ms: null, appliedPerSecond: 10 });
  // A restart or snapshot install moving the index back is no negative throughput.
  expect(ring.sample(snapshot({ appliedIndex: 1 }), 3000).appliedPerSecond).toBe(0);
});
