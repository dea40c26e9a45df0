// How the whole-node simulation records and checks Range answers (range-reads.ts): what an answer
// determines, the promises every answer keeps, and that a stale range fails the history check.
import { describe, expect, test } from 'vitest';
import { checkHistory, HistoryRecorder } from '../../src/history/index.js';
import { invokeRange, rangeValues, type RangeRead } from './range-reads.js';

const range = (keys: string[], limit: number): RangeRead => ({
  request: { key: Buffer.from(keys[0]!), rangeEnd: Buffer.from('l'), prefix: false, limit },
  keys,
  limit,
  describe: `[${keys[0]}, l) limit ${limit}`,
});
const answer = (...kvs: [string, string][]): object => ({ kvs: kvs.map(([k, v]) => ({ key: Buffer.from(k), value: Buffer.from(v) })) });

describe('range answers', () => {
  test('an answer not cut by its limit determines every key of the range: absent ones hold nothing', () => {
    const r = rangeValues(range(['k1', 'k2', 'k3'], 0), answer(['k2', 'b']));
    expect('values' in r && [...r.values]).toEqual([
      ['k1', null],
      ['k2', 'b'],
      ['k3', null],
    ]);
  });

  test('an answer cut by its limit determines only the keys up to the last one returned', () => {
    const r = rangeValues(range(['k1', 'k2', 'k3', 'k4'], 2), answer(['k1', 'a'], ['k3', 'c']));
    expect('values' in r && [...r.values]).toEqual([
      ['k1', 'a'],
      ['k2', null],
      ['k3', 'c'],
    ]);
  });

  test('a key outside the range, keys out of order or more than the limit break its promises', () => {
    expect(rangeValues(range(['k1', 'k2'], 0), answer(['k5', 'x']))).toEqual({ problem: expect.stringContaining('outside') });
    expect(rangeValues(range(['k1', 'k2'], 0), answer(['k2', 'x'], ['k1', 'y']))).toEqual({ problem: expect.stringContaining('before') });
    expect(rangeValues(range(['k1', 'k2'], 0), answer(['k1', 'x'], ['k1', 'y']))).toEqual({ problem: expect.stringContaining('before') });
    expect(rangeValues(range(['k1', 'k2', 'k3'], 1), answer(['k1', 'x'], ['k2', 'y']))).toEqual({ problem: expect.stringContaining('2 keys') });
  });
});

describe('ranges in the history', () => {
  /** A write of k2 acknowledged, then a range over k1..k3 that returned `seen` for k2. */
  function history(seen: [string, string][]): HistoryRecorder {
    let t = 0;
    const h = new HistoryRecorder({ clockNs: () => (t += 10) });
    const w = h.invoke('w', 'k2', { type: 'write', value: 'new' });
    h.ok(w);
    const r = range(['k1', 'k2', 'k3'], 0);
    const settle = invokeRange(h, 'c', r);
    const read = rangeValues(r, answer(...seen));
    if (!('values' in read)) throw new Error(read.problem);
    settle(read.values);
    return h;
  }

  test('a range that saw the acknowledged write is linearizable', () => {
    expect(checkHistory(history([['k2', 'new']])).linearizable).toBe(true);
  });

  test('a range that missed an acknowledged write (a stale member answered) is not', () => {
    expect(checkHistory(history([])).linearizable).toBe(false);
  });

  test('keys a failed or limited range did not reach are reads that did not happen', () => {
    let t = 0;
    const h = new HistoryRecorder({ clockNs: () => (t += 10) });
    h.ok(h.invoke('w', 'k3', { type: 'write', value: 'v' }));
    const r = range(['k1', 'k2', 'k3'], 1);
    const settle = invokeRange(h, 'c', r);
    const read = rangeValues(r, answer(['k1', 'a']));
    if (!('values' in read)) throw new Error(read.problem);
    settle(read.values);
    expect(h.operations().filter((o) => o.key === 'k3' && o.op.type === 'read').map((o) => o.status)).toEqual(['fail']);
  });
});
