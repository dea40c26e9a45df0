// Arbitrary bytes and arbitrary values into every decoder that meets bytes from the network or
// the disk: the state machine's command codec, the peer message codec, the snapshot stream
// reader and the WAL record checks. Each must either produce a well-formed value or refuse with
// its own typed error naming what is wrong; never throw anything else, hang or crash.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { pack } from '../../src/state/codec.js';
import { decodeCommand, encodeCommand, InvalidCommandError, SnapshotError } from '../../src/state/index.js';
import { SnapshotReader, SnapshotWriter } from '../../src/state/snapshot-format.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';
import { InvalidMessageError } from '../../src/transport/errors.js';
import { checkRecord, decodeEntry, decodeSegmentHeader } from '../../src/wal/record.js';
import { params } from './settings.js';

const bytes = fc.uint8Array({ maxLength: 512 });
/** msgpack of arbitrary JSON-ish values, and of objects that look like the real shapes. */
const anyValue = fc.anything({ maxDepth: 3, withBigInt: false, withBoxedValues: false, withMap: false, withSet: false, withTypedArray: true, withNullPrototype: false });

const commandLike = fc.record(
  {
    type: fc.constantFrom('put', 'delete', 'deleteRange', 'txn', 'setMeta', 'alarm', 'compact', 'nope'),
    key: fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.string(), fc.integer()),
    value: fc.oneof(fc.uint8Array({ maxLength: 8 }), anyValue),
    rangeEnd: fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.constant(null)),
    compare: fc.array(fc.record({ key: fc.uint8Array({ maxLength: 4 }), target: fc.constantFrom('value', 'version', 'x'), op: fc.constantFrom('=', '<', '?'), value: fc.oneof(fc.integer(), fc.uint8Array({ maxLength: 4 })) }), { maxLength: 3 }),
    success: fc.array(fc.record({ type: fc.constantFrom('put', 'delete', 'range', 'deleteRange', 'zz'), key: fc.uint8Array({ maxLength: 4 }), value: fc.uint8Array({ maxLength: 4 }), limit: fc.integer() }), { maxLength: 3 }),
    failure: fc.oneof(fc.constant(null), fc.string()),
    name: fc.string({ maxLength: 300 }),
    action: fc.constantFrom('activate', 'deactivate', 'other'),
    memberId: fc.oneof(fc.constantFrom('', 'n1'), fc.string({ maxLength: 300 }), fc.integer()),
    alarm: fc.constantFrom('NOSPACE', 'CORRUPT', ''),
    revision: fc.oneof(fc.integer(), fc.double()),
    req: fc.oneof(fc.constant(undefined), fc.record({ clientId: fc.string({ maxLength: 300 }), seq: fc.oneof(fc.integer(), fc.double()) })),
  },
  { requiredKeys: ['type'] },
);

/**
 * A check that `decode` either refuses `data` with `refusal` or returns a value that encodes to
 * bytes decoding to the same value.
 */
function roundTrips<T>(decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array, refusal: new (...a: never[]) => Error): (data: Uint8Array) => void {
  return (data) => {
    let value: T;
    try {
      value = decode(data);
    } catch (err) {
      expect(err, String(err)).toBeInstanceOf(refusal);
      return;
    }
    expect(decode(encode(value))).toEqual(value);
  };
}

const decodesCleanly = roundTrips(decodeCommand, encodeCommand, InvalidCommandError);

describe('state machine command codec (src/state/codec.ts, commands.ts)', () => {
  test('arbitrary bytes: a command or InvalidCommandError', () => {
    fc.assert(fc.property(bytes, (b) => decodesCleanly(b)), params(3000));
  });
  test('arbitrary msgpack values: a command or InvalidCommandError', () => {
    fc.assert(fc.property(anyValue, (v) => decodesCleanly(pack(v))), params(2000));
  });
  test('command-shaped maps with wrong fields: a command or InvalidCommandError', () => {
    fc.assert(fc.property(commandLike, (v) => decodesCleanly(pack(v))), params(3000));
  });
});

const messageLike = fc.record(
  {
    type: fc.constantFrom('appendEntries', 'appendResponse', 'requestVote', 'voteResponse', 'heartbeat', 'heartbeatResponse', 'timeoutNow', 'snapshot', 'bogus'),
    from: fc.oneof(fc.constantFrom('n1', 'n2'), fc.string({ maxLength: 300 }), fc.integer()),
    to: fc.oneof(fc.constantFrom('n1', 'n2'), fc.string({ maxLength: 4 })),
    term: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
    index: fc.oneof(fc.nat(), fc.integer()),
    logTerm: fc.oneof(fc.nat(), fc.string()),
    commit: fc.oneof(fc.nat(), fc.constant(-1)),
    entries: fc.oneof(
      fc.array(fc.record({ index: fc.nat(), term: fc.nat(), type: fc.constantFrom(0, 1, 2), data: fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.string()), conf: anyValue }), { maxLength: 4 }),
      anyValue,
    ),
    reject: fc.oneof(fc.boolean(), fc.integer()),
    granted: fc.boolean(),
    snapshot: anyValue,
  },
  { requiredKeys: ['type'] },
);

describe('peer message codec (src/transport/codec.ts, validate.ts)', () => {
  const decodesCleanly = roundTrips(decodeMessage, encodeMessage, InvalidMessageError);
  test('arbitrary bytes: a valid message or InvalidMessageError', () => {
    fc.assert(fc.property(bytes, decodesCleanly), params(3000));
  });
  test('message-shaped maps with wrong fields: a valid message or InvalidMessageError', () => {
    fc.assert(fc.property(messageLike, (m) => decodesCleanly(pack(m))), params(3000));
  });
});

const HEADER = { appliedIndex: 10, appliedTerm: 2, revision: 7 };

/** A valid snapshot stream of the given records (sorted, replicated prefixes), in one buffer. */
function snapshotBytes(records: [Buffer, Buffer][]): Buffer {
  const w = new SnapshotWriter(HEADER, 256);
  const chunks: Buffer[] = [];
  for (const [k, v] of records) {
    const c = w.record(k, v);
    if (c) chunks.push(c);
  }
  chunks.push(w.finish().chunk);
  return Buffer.concat(chunks);
}

/** Feeds `data` in pieces cut at `cuts`; the outcome: info, or the SnapshotError. */
function readSnapshot(data: Uint8Array, cuts: number[]): { info?: unknown; error?: unknown; records: number } {
  const r = new SnapshotReader(1 << 20);
  let records = 0;
  try {
    let at = 0;
    for (const cut of [...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length]) {
      r.push(data.subarray(at, cut), () => records++);
      at = cut;
    }
    return { info: r.finish(), records };
  } catch (error) {
    return { error, records };
  }
}

const records = fc
  .uniqueArray(fc.tuple(fc.constantFrom(0x6b, 0x6d, 0x63), fc.uint8Array({ minLength: 1, maxLength: 6 })), { maxLength: 20, selector: ([p, k]) => `${p}:${Buffer.from(k).toString('hex')}` })
  .chain((keys) =>
    fc.tuple(
      fc.constant(keys.map(([p, k]) => Buffer.concat([Buffer.from([p]), Buffer.from(k)])).sort(Buffer.compare)),
      fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: keys.length, maxLength: keys.length }),
    ),
  )
  .map(([keys, values]) => keys.map((k, i): [Buffer, Buffer] => [k, Buffer.from(values[i]!)]));

describe('snapshot stream reader (src/state/snapshot-format.ts)', () => {
  test('arbitrary bytes, cut anywhere: refused with SnapshotError', () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(600), { maxLength: 4 }), (b, cuts) => {
        const out = readSnapshot(b, cuts);
        expect(out.error, 'random bytes never make a valid snapshot').toBeInstanceOf(SnapshotError);
      }),
      params(2000),
    );
  });
  test('a valid stream with one bit flipped, or truncated: refused with SnapshotError, never accepted', () => {
    fc.assert(
      fc.property(records, fc.nat(), fc.nat(7), fc.boolean(), fc.array(fc.nat(4000), { maxLength: 3 }), (recs, at, bit, truncate, cuts) => {
        const good = snapshotBytes(recs);
        const ok = readSnapshot(good, cuts);
        expect(ok.error).toBeUndefined();
        expect(ok.records).toBe(recs.length);
        const pos = at % good.length;
        const bad = truncate ? good.subarray(0, pos) : Buffer.from(good);
        if (!truncate) bad[pos]! ^= 1 << bit;
        const out = readSnapshot(bad, cuts);
        expect(out.error, `${truncate ? 'truncated at' : 'bit flipped at'} byte ${pos} of ${good.length}`).toBeInstanceOf(SnapshotError);
      }),
      params(2000),
    );
  });
});

describe('WAL record and segment header checks (src/wal/record.ts)', () => {
  test('arbitrary bytes: a checked record or a reason, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(300), (b, pos) => {
        const buf = Buffer.from(b);
        const r = checkRecord(buf, Math.min(pos, buf.length), buf.length);
        if (r.ok && r.type === 1) decodeEntry(buf.subarray(r.payloadStart, r.end)); // null or an entry
        const h = decodeSegmentHeader(Buffer.concat([buf, Buffer.alloc(32)]).subarray(0, 32));
        expect(typeof h === 'string' || typeof h.firstIndex === 'number').toBe(true);
      }),
      params(3000),
    );
  });
});
