// The state machine's records and commands are framed by hand (issue 18): their bytes must be the
// ones msgpackr gave the same shapes, since old data directories hold those and mixed-version
// members exchange commands, and they must decode back. The reference is msgpackr with the
// state codec's options, packing the shapes the encoders used to pack.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type Command } from '../../src/state/commands.js';
import { unpack } from '../../src/state/codec.js';
import { decodeKv, encodeKv } from '../../src/state/kv-records.js';
import type { KeyValue, WatchEvent } from '../../src/state/types.js';
import { encodeWatchRecord } from '../../src/state/watch-log.js';

const reference = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Value sizes at and around every bin header boundary. */
const SIZES = [0, 1, 31, 32, 255, 256, 4096, 65535, 65536, 70000];
/** Revisions and versions in every number class msgpackr uses (fixint .. uint32, then float64). */
const REVISIONS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 45 + 7];

/** The watch record as it was built: EventTuples packed by msgpackr. */
function tuples(events: readonly WatchEvent[]): unknown[] {
  return events.map((e) => {
    const p = e.prevKv;
    return [e.type === 'put' ? 0 : 1, e.kv.key, e.kv.value, e.kv.createRevision, e.kv.version, p ? [p.value, p.createRevision, p.modRevision, p.version] : null];
  });
}

function kvOf(value: Uint8Array, rev: number): KeyValue {
  return { key: Buffer.from('k/1'), value, createRevision: rev, modRevision: rev + 1, version: rev === 0 ? 1 : rev };
}

describe('state encodings, compared with msgpackr', () => {
  it('kv record: every value size and revision class, and it decodes back', () => {
    for (const n of SIZES) {
      for (const rev of REVISIONS) {
        const kv = kvOf(Buffer.alloc(n, n & 0xff), rev);
        const bytes = encodeKv(kv);
        expect(hex(bytes), `${n} B, revision ${rev}`).toBe(hex(reference.pack([kv.createRevision, kv.modRevision, kv.version, kv.value])));
        const back = decodeKv(kv.key, bytes);
        expect([back.createRevision, back.modRevision, back.version]).toEqual([kv.createRevision, kv.modRevision, kv.version]);
        expect(Buffer.from(back.value).equals(kv.value)).toBe(true);
      }
    }
  });

  it('watch record: puts and deletes, with and without a previous value, one or many events per revision', () => {
    const events: WatchEvent[] = [];
    for (const n of SIZES) {
      for (const rev of [1, 300, 2 ** 32 + 5]) {
        const kv = kvOf(new Uint8Array(n).fill(3), rev);
        events.push({ type: 'put', kv, prevKv: null, index: 0 });
        events.push({ type: 'put', kv, prevKv: { ...kv, value: Buffer.alloc(n + 1, 9), version: rev + 70000 }, index: 0 });
        events.push({ type: 'delete', kv: { ...kv, value: Buffer.alloc(0), version: 0, createRevision: 0 }, prevKv: kv, index: 0 });
      }
    }
    for (let i = 0; i < events.length; i++) expect(hex(encodeWatchRecord(events, i, i + 1)), `event ${i}`).toBe(hex(reference.pack(tuples([events[i]!]))));
    // A revision of many changes (a txn): 16 or more takes an array16 header.
    for (const count of [2, 15, 16, 17]) {
      const bytes = encodeWatchRecord(events, 3, 3 + count);
      expect(hex(bytes)).toBe(hex(reference.pack(tuples(events.slice(3, 3 + count)))));
      expect(hex(reference.pack(unpack(bytes))), 'decodes to the same tuples').toBe(hex(bytes));
    }
  });

  it('commands: the shapes the services propose, and they decode back', () => {
    for (const n of SIZES) {
      const value = Buffer.alloc(n, 5);
      const key = Buffer.from('key');
      const commands: Command[] = [
        { type: 'put', key, value },
        { type: 'put', key, value, req: { clientId: 'c-1', seq: 70000, at: 1_765_000_000_000 }, auth: { user: 'alice', revision: 4 } },
        { type: 'txn', compare: [{ key, target: 'value', op: '=', value }, { key, target: 'version', op: '>', value: 2 ** 33 }], success: [{ type: 'put', key, value }, { type: 'range', key, rangeEnd: Buffer.from([0]), limit: 10 }], failure: [{ type: 'deleteRange', key, rangeEnd: Buffer.from('z') }] },
        { type: 'setMeta', name: 'members', value: { n1: '127.0.0.1:7001', nested: [1, 'two', null, { deep: true }] } },
        { type: 'compact', revision: 2 ** 32 + 1 },
      ];
      for (const c of commands) {
        const bytes = encodeCommand(c);
        expect(hex(bytes), `${c.type}, ${n} B`).toBe(hex(reference.pack(c)));
        expect(hex(encodeCommand(decodeCommand(bytes)))).toBe(hex(bytes));
      }
    }
  });

  it('commands with values the writer does not frame still encode as msgpackr did (fallback)', () => {
    const c = { type: 'setMeta', name: 'm', value: new Map([['a', 1]]) } as unknown as Command;
    expect(hex(encodeCommand(c))).toBe(hex(reference.pack(c)));
  });

  it('put commands with random keys, values and request ids (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.uint8Array({ maxLength: 70000 }),
        fc.option(fc.record({ clientId: fc.string({ minLength: 1, maxLength: 40 }), seq: fc.maxSafeNat(), at: fc.maxSafeNat() })),
        (key, value, req) => {
          const c: Command = req ? { type: 'put', key, value, req } : { type: 'put', key, value };
          expect(hex(encodeCommand(c))).toBe(hex(reference.pack(c)));
        },
      ),
      { numRuns: 300, seed: 18 },
    );
  });
});
