import { describe, expect, it } from 'vitest';
import { checkHistory, formatViolation, type Operation } from '../../src/history/index.js';
import { HistoryBuilder } from './builder.js';

const check = (ops: Operation[]) => checkHistory(ops);

describe('linearizable histories are accepted', () => {
  it('a sequential register history', () => {
    const h = new HistoryBuilder().read('a', null, 0, 1).write('a', 1, 2, 3).read('b', 1, 4, 5).write('b', 2, 6, 7).read('a', 2, 8, 9);
    const r = check(h.ops);
    expect(r.linearizable).toBe(true);
    expect(r.keys[0]!.linearization).toEqual([0, 1, 2, 3, 4]);
  });

  it('concurrent overlapping writes, reads seeing either value', () => {
    const h = new HistoryBuilder()
      .write('a', 1, 0, 10)
      .write('b', 2, 0, 10)
      .read('c', null, 1, 2) // before either write took effect
      .read('c', 2, 3, 4)
      .read('d', 1, 3, 9) // both writes are still running: either order is possible
      .read('e', 1, 11, 12); // after both: the last write was 1, so 2 came first
    expect(check(h.ops).linearizable).toBe(true);
  });

  it('a cas chain, including a cas whose compare failed', () => {
    const h = new HistoryBuilder()
      .write('a', 0, 0, 1)
      .cas('a', 0, 1, true, 2, 3)
      .cas('b', 1, 2, true, 4, 5)
      .cas('c', 0, 3, false, 6, 7)
      .read('a', 2, 8, 9);
    expect(check(h.ops).linearizable).toBe(true);
  });

  it('an unknown write that took effect', () => {
    const h = new HistoryBuilder().write('a', 1, 0, 1).write('b', 2, 2, null).read('c', 2, 5, 6).read('c', 2, 7, 8);
    expect(check(h.ops).linearizable).toBe(true);
  });

  it('an unknown write that did not take effect (it is simply never linearized)', () => {
    const h = new HistoryBuilder().write('a', 1, 0, 1).write('b', 2, 2, null).read('c', 1, 5, 6).read('c', 1, 7, 8);
    const r = check(h.ops);
    expect(r.linearizable).toBe(true);
    expect(r.keys[0]!.linearization).not.toContain(1);
  });

  it('an unknown write that takes effect long after its client gave up', () => {
    const h = new HistoryBuilder().write('b', 2, 2, null).read('c', null, 5, 6).read('c', null, 7, 8).read('d', 2, 100, 101);
    expect(check(h.ops).linearizable).toBe(true);
  });

  it('an unknown cas that may have swapped, and a list-append key', () => {
    const reg = new HistoryBuilder().write('a', 1, 0, 1).cas('b', 1, 5, null, 2, null).read('c', 5, 10, 11);
    const list = new HistoryBuilder('l').append('a', 1, 0, 2).append('b', 2, 1, 3).read('c', [2, 1], 4, 5).read('c', [2, 1], 6, 7);
    expect(check([...reg.ops, ...list.ops.map((o) => ({ ...o, id: o.id + 100 }))]).linearizable).toBe(true);
  });
});

describe('non-linearizable histories are rejected', () => {
  it('a stale read after a completed write, shrunk to the three ops that prove it', () => {
    const h = new HistoryBuilder()
      .write('a', 1, 0, 1)
      .read('b', 1, 2, 3)
      .write('a', 2, 4, 5)
      .write('c', 9, 4, 6)
      .read('c', 9, 7, 8)
      .write('a', 3, 10, 11)
      .read('b', 1, 12, 13) // stale: 3 was acknowledged before this read began
      .read('c', 3, 14, 15);
    const r = check(h.ops);
    expect(r.linearizable).toBe(false);
    const v = r.violation!;
    expect(v.minimal).toBe(true);
    // The stale read, the write it saw, and a write acknowledged before it began.
    expect(v.operations).toHaveLength(3);
    expect(v.operations.map((o) => o.id)).toEqual(expect.arrayContaining([0, 6]));
    const table = formatViolation(v);
    expect(table).toContain('key "x" is not linearizable');
    expect(table).toMatch(/process\s+op\s+invoke ms\s+return ms\s+value/);
    expect(table).toMatch(/b\s+read\s+0\.000012\s+0\.000013\s+1/);
  });

  it('shrinks only to sub-histories whose failure proves the whole history fails', () => {
    // Dropping write 2 would leave {write 1, cas 1->3 = false}, which fails on its own although
    // nothing is wrong with that cas: the shrinker must keep write 2 with the cas, and so find
    // the real bug, the stale read of 2.
    const h = new HistoryBuilder()
      .write('a', 1, 0, 1)
      .write('a', 2, 2, 3)
      .cas('b', 1, 3, false, 4, 5)
      .write('a', 4, 6, 7)
      .read('c', 2, 8, 9);
    const v = check(h.ops).violation!;
    expect(v.operations.map((o) => o.id).sort()).toEqual([1, 3, 4]);
  });

  it('a read of a value never written', () => {
    const h = new HistoryBuilder().write('a', 1, 0, 1).read('b', 7, 0, 2);
    const r = check(h.ops);
    expect(r.linearizable).toBe(false);
    expect(r.violation!.operations.map((o) => o.id)).toEqual([1]);
  });

  it('a read of a write that failed (failed operations are dropped)', () => {
    const h = new HistoryBuilder().failedWrite('a', 9, 0, 1).read('b', 9, 2, 3);
    expect(check(h.ops).linearizable).toBe(false);
  });

  it('two readers that see two concurrent writes in opposite orders', () => {
    const h = new HistoryBuilder()
      .write('a', 1, 0, 100)
      .write('b', 2, 0, 100)
      .read('c', 1, 10, 20)
      .read('c', 2, 30, 40)
      .read('d', 2, 10, 20)
      .read('d', 1, 30, 40);
    expect(check(h.ops).linearizable).toBe(false);
  });

  it('an unknown write cannot take effect twice, nor before it was invoked', () => {
    const twice = new HistoryBuilder().write('a', 1, 0, 1).write('b', 2, 2, null).read('c', 2, 5, 6).read('c', 1, 7, 8);
    expect(check(twice.ops).linearizable).toBe(false);
    const early = new HistoryBuilder().read('c', 2, 0, 1).write('b', 2, 2, null);
    expect(check(early.ops).linearizable).toBe(false);
  });

  it('two cas from the same value cannot both succeed', () => {
    const h = new HistoryBuilder().write('a', 0, 0, 1).cas('a', 0, 1, true, 2, 5).cas('b', 0, 2, true, 2, 5);
    expect(check(h.ops).linearizable).toBe(false);
  });

  it('a lost acknowledged append', () => {
    const h = new HistoryBuilder('l').append('a', 1, 0, 1).append('b', 2, 2, 3).read('c', [1, 2], 4, 5).read('a', [1], 6, 7);
    const r = check(h.ops);
    expect(r.linearizable).toBe(false);
    expect(r.violation!.model).toBe('list-append');
  });

  it('only the failing key fails; the others are reported linearizable', () => {
    const good = new HistoryBuilder('good').write('a', 1, 0, 1).read('b', 1, 2, 3);
    const bad = new HistoryBuilder('bad').write('a', 1, 0, 1).write('a', 2, 2, 3).read('b', 1, 4, 5);
    const ops = [...good.ops, ...bad.ops.map((o) => ({ ...o, id: o.id + 10 }))];
    const r = check(ops);
    expect(r.linearizable).toBe(false);
    expect(r.keysChecked).toBe(2);
    expect(r.keys.map((k) => [k.key, k.verdict])).toEqual([
      ['bad', false],
      ['good', true],
    ]);
  });
});

describe('bounds and input errors', () => {
  it('returns unknown, not a guess, when the step budget runs out', () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 20; i++) h.write(`p${i}`, i, 0, 100);
    h.read('r', 0, 101, 102);
    const r = checkHistory(h.ops, { maxStepsPerKey: 5 });
    expect(r.linearizable).toBe('unknown');
    expect(r.keys[0]!.exhausted).toBe('steps');
  });

  it('refuses a key that mixes appends with register writes', () => {
    const h = new HistoryBuilder().write('a', 1, 0, 1).append('a', 2, 2, 3);
    expect(() => check(h.ops)).toThrow(/mixes append/);
  });

  it('an empty history is linearizable', () => {
    expect(check([])).toMatchObject({ linearizable: true, keysChecked: 0 });
  });
});
