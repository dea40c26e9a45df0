// RangeRequest's shaping (keys only, count only, sort before the limit), and its refusal inside a txn.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, toTxnOp } from '../../src/server/kv-convert.js';
import { checkRangeShape, shapeRange } from '../../src/server/range-options.js';

const kv = (key: string, value: string, modRevision: number, version = 1): { key: Uint8Array; value: Uint8Array; createRevision: number; modRevision: number; version: number } => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  createRevision: 1,
  modRevision,
  version,
});
const keys = (r: { kvs: { key: Uint8Array }[] }): string[] => r.kvs.map((k) => Buffer.from(k.key).toString());
const data = [kv('a', 'z', 5, 3), kv('b', 'y', 9, 1), kv('c', 'x', 7, 2)];

describe('range shaping', () => {
  it('sorts by each target in both orders before the limit, stable on ties', () => {
    expect(keys(shapeRange(data, false, 0, checkRangeShape({ sortOrder: 'ASCEND', sortTarget: 'VALUE' })))).toEqual(['c', 'b', 'a']);
    expect(keys(shapeRange(data, false, 2, checkRangeShape({ sortOrder: 'DESCEND', sortTarget: 'MOD' })))).toEqual(['b', 'c']);
    expect(keys(shapeRange(data, false, 0, checkRangeShape({ sortOrder: 'DESCEND', sortTarget: 'KEY' })))).toEqual(['c', 'b', 'a']);
    expect(keys(shapeRange(data, false, 0, checkRangeShape({ sortOrder: 'ASCEND', sortTarget: 'VERSION' })))).toEqual(['b', 'c', 'a']);
    const ties = [kv('a', 'same', 1), kv('b', 'same', 1)];
    expect(keys(shapeRange(ties, false, 0, checkRangeShape({ sortOrder: 'DESCEND', sortTarget: 'VALUE' })))).toEqual(['a', 'b']);
  });

  it('counts the whole range, cuts to the limit with more set, drops values or keys', () => {
    const cut = shapeRange(data, false, 1, checkRangeShape({ sortOrder: 'DESCEND', sortTarget: 'KEY' }));
    expect(cut).toMatchObject({ count: 3, more: true });
    const counted = shapeRange(data, false, 0, checkRangeShape({ countOnly: true }));
    expect(counted).toEqual({ kvs: [], more: false, count: 3 });
    const keysOnly = shapeRange(data, false, 0, checkRangeShape({ keysOnly: true }));
    expect(keysOnly.kvs.map((k) => k.value.length)).toEqual([0, 0, 0]);
    expect(keys(keysOnly)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to sort a range cut at the server maximum, but counts it with more set', () => {
    expect(() => shapeRange(data, true, 2, checkRangeShape({ sortOrder: 'DESCEND', sortTarget: 'VALUE' }))).toThrow(/too many to sort/);
    expect(shapeRange(data, true, 0, checkRangeShape({ countOnly: true }))).toEqual({ kvs: [], more: true, count: 3 });
    expect(keys(shapeRange(data, true, 2, checkRangeShape({})))).toEqual(['a', 'b']); // key order: a page, as before
  });

  it('reads the whole range only when it must, and refuses unknown enum values', () => {
    expect(checkRangeShape({}).wholeRange).toBe(false);
    expect(checkRangeShape({ sortOrder: 'ASCEND', sortTarget: 'KEY' }).wholeRange).toBe(false);
    expect(checkRangeShape({ sortOrder: 'DESCEND' }).wholeRange).toBe(true);
    expect(checkRangeShape({ countOnly: true }).wholeRange).toBe(true);
    expect(() => checkRangeShape({ sortOrder: 'SIDEWAYS' })).toThrow(/sort_order/);
    expect(() => checkRangeShape({ sortTarget: '7' })).toThrow(/sort_target/);
  });

  it('refuses shaping inside a txn instead of ignoring it', () => {
    const range = { key: Buffer.from('a'), rangeEnd: Buffer.alloc(0), prefix: false, limit: 0, revision: 0 };
    expect(() => toTxnOp({ range: { ...range, countOnly: true } } as never, 'success[0]', DEFAULT_LIMITS)).toThrow(/not supported inside a txn/);
    expect(toTxnOp({ range } as never, 'success[0]', DEFAULT_LIMITS)).toMatchObject({ type: 'range' });
  });
});
