// The exact msgpack writer must write what msgpackr writes, byte for byte: old data directories,
// WAL segments and mixed-version peers hold and send msgpackr's bytes. Every case compares with
// msgpackr itself, with the options of src/state/codec.ts and src/transport/codec.ts and with the
// WAL's (useRecords: false only), so a test fails as soon as either side's framing moves.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { packedBytes, packExact } from '../../src/common/msgpack-writer.js';

const stateOptions = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });
const walOptions = new Packr({ useRecords: false, copyBuffers: true });

function expectSameBytes(value: unknown): void {
  const ours = packExact(value);
  expect(ours, 'framed here').not.toBeNull();
  const hex = ours!.toString('hex');
  expect(hex).toBe(Buffer.from(stateOptions.pack(value)).toString('hex'));
  expect(hex).toBe(Buffer.from(walOptions.pack(value)).toString('hex'));
  expect(ours!.length).toBe(packedBytes(value));
}

/** Every length at and around msgpack's header boundaries. */
const EDGE_LENGTHS = [0, 1, 15, 16, 31, 32, 63, 64, 255, 256, 65535, 65536, 70000];

describe('packExact, compared with msgpackr', () => {
  it('frames integers at every size-class boundary, negatives and non-integers alike', () => {
    const numbers = [
      0, 1, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER,
      -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 40),
      0.5, -0.5, 1e-300, 1e300, Math.PI, NaN, Infinity, -Infinity, -0,
    ];
    for (const n of numbers) expectSameBytes(n);
    expectSameBytes(numbers);
  });

  it('frames strings of every header boundary in bytes, ASCII and multi-byte, short and long', () => {
    for (const n of EDGE_LENGTHS) expectSameBytes('a'.repeat(n));
    // 2-, 3- and 4-byte characters, so byte and UTF-16 lengths differ around the boundaries; 63/64
    // units is where msgpackr switches from its own loop to Buffer's UTF-8.
    for (const ch of ['é', '中', '😀']) for (const n of [10, 11, 16, 21, 22, 31, 32, 63, 64, 85, 86, 128, 21846, 32768]) expectSameBytes(ch.repeat(n));
  });

  it('frames lone surrogates as msgpackr does on both sides of its 64-unit switch', () => {
    for (const s of ['\ud800', 'a\udc00b', '\ud83d', '\ud83d' + 'x'.repeat(62), '\ud83d' + 'x'.repeat(63), '\udc00'.repeat(70)]) expectSameBytes(s);
  });

  it('frames byte arrays (Buffer, Uint8Array, views) of every header boundary as bin', () => {
    for (const n of EDGE_LENGTHS) {
      const bytes = Buffer.alloc(n + 3, 0xab);
      expectSameBytes(bytes.subarray(2, 2 + n));
      expectSameBytes(new Uint8Array(n).fill(7));
    }
  });

  it('frames arrays and plain objects (always map16) of every count boundary, with null, booleans and undefined', () => {
    for (const n of [0, 1, 15, 16, 17, 255, 256, 65535, 65536]) expectSameBytes(Array.from({ length: n }, (_, i) => i));
    for (const n of [0, 1, 15, 16, 17, 300]) expectSameBytes(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
    expectSameBytes({ a: null, b: true, c: false, d: undefined, e: [undefined, null], '10': 'numeric key first', z: { nested: [{}] } });
    expectSameBytes([, 1]); // a hole is undefined to both
  });

  it("frames the project's own shapes: a put command, a kv record, a watch record and an append", () => {
    for (const n of EDGE_LENGTHS) {
      const value = Buffer.alloc(n, 1);
      const key = Buffer.from('key/1');
      expectSameBytes({ type: 'put', key, value, req: { clientId: 'client-ü', seq: 70000, at: 1_765_000_000_123 }, auth: { user: 'root', revision: 3 } });
      expectSameBytes([1, 2 ** 33, 3, value]);
      expectSameBytes([[0, key, value, 5, 6, [value, 1, 2, 3]], [1, key, Buffer.alloc(0), 0, 0, null]]);
      const entry = { index: 2 ** 32 + 1, term: 300, type: 0, data: value };
      const conf = { index: 9, term: 1, type: 1, data: Buffer.alloc(0), conf: { type: 'bootstrap', voters: ['n1', 'n2'] } };
      expectSameBytes({ type: 'append', to: 'n2', prevIndex: 8, prevTerm: 1, entries: [entry, conf], commit: 7, from: 'n1', term: 1 });
    }
  });

  it('leaves what it does not frame to msgpackr: packedBytes -1 and packExact null, at any depth', () => {
    class Point {
      x = 1;
    }
    const unframed: unknown[] = [new Map([[1, 2]]), new Set([1]), new Date(0), 10n, new Uint16Array(2), new Point(), Object.create(null), () => 1, Symbol('s')];
    for (const v of unframed) {
      expect(packedBytes(v)).toBe(-1);
      expect(packExact({ a: [1, v] })).toBeNull();
    }
  });

  it('leaves objects that shadow hasOwnProperty to msgpackr, and skips inherited enumerable keys as it does', () => {
    expect(packExact({ hasOwnProperty: 1, a: 2 })).toBeNull();
    expect(packExact({ hasOwnProperty: () => true, a: 2 })).toBeNull();
    const child = Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 });
    Object.defineProperty(child, 'constructor', { value: Object, enumerable: false });
    expectSameBytes(child);
  });

  it('returns a buffer of its own: a later call leaves an earlier result unchanged', () => {
    const first = packExact({ v: Buffer.alloc(5000, 1) })!;
    const copy = Buffer.from(first);
    packExact({ v: Buffer.alloc(5000, 2) });
    expect(first.equals(copy)).toBe(true);
  });

  it('matches msgpackr on random values of every framed type (property)', () => {
    const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const str = fc.oneof(fc.string(), fc.string({ unit: anyChar, maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 80 }));
    const leaf = fc.oneof(
      fc.integer({ min: -(2 ** 31) - 10, max: 2 ** 32 + 10 }),
      fc.maxSafeInteger(),
      fc.double(),
      str,
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 20 }),
      object: fc.dictionary(str, tie('value'), { maxKeys: 20, noNullPrototype: true }),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expectSameBytes(v);
      }),
      { numRuns: 2000, seed: 18 },
    );
  });
});
