import { describe, expect, test } from 'vitest';
import { approxBytes, bufferView } from '../../src/server/sizes.js';

describe('approxBytes', () => {
  test('counts the bytes a request holds, txn operations included', () => {
    const put = { key: Buffer.alloc(100), value: Buffer.alloc(1000) };
    expect(approxBytes(put)).toBeGreaterThanOrEqual(1100);
    const txn = { compare: [{ key: Buffer.alloc(50) }], success: [{ requestPut: put }, { requestPut: put }], failure: [] };
    expect(approxBytes(txn)).toBeGreaterThanOrEqual(2250);
    expect(approxBytes(txn)).toBeLessThan(2250 + 500);
  });

  test("counts a txn response's range results, five levels down", () => {
    const kv = { key: Buffer.alloc(10), value: Buffer.alloc(100_000), modRevision: 1 };
    const txn = { header: { revision: 1 }, succeeded: true, responses: [{ response: 'range', range: { kvs: [kv, kv], more: false } }] };
    expect(approxBytes(txn)).toBeGreaterThanOrEqual(200_020);
  });
});

describe('bufferView', () => {
  test('shares memory with the bytes it views', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = bufferView(backing.subarray(1, 4));
    expect([...view]).toEqual([2, 3, 4]);
    backing[2] = 9;
    expect(view[1]).toBe(9);
    const b = Buffer.from('x');
    expect(bufferView(b)).toBe(b);
  });
});
