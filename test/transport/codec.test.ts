// Peer messages are framed by the exact msgpack writer (issue 18): a member of another version
// decodes them with msgpackr, so their bytes must stay the ones msgpackr gave, for every message
// type, and they must decode (and validate) back here.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Entry, Message } from '../../src/raft/types.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';

const reference = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

function entries(valueBytes: number): Entry[] {
  const data = Buffer.alloc(valueBytes, 0x5a);
  return [
    { index: 1, term: 1, type: 1, data: new Uint8Array(0), conf: { type: 'bootstrap', voters: ['n1', 'n2', 'n3'] } },
    { index: 127, term: 2, type: 0, data },
    { index: 2 ** 32 + 3, term: 70000, type: 0, data: data.subarray(1) },
    { index: 2 ** 32 + 4, term: 70000, type: 1, data: new Uint8Array(0), conf: { type: 'enterJoint', changes: [{ op: 'addLearner', id: 'n4' }] } },
  ];
}

function messages(valueBytes: number): Message[] {
  const base = { from: 'n1', to: 'n2', term: 5 };
  const many = Array.from({ length: 17 }, (_, i) => ({ index: 300 + i, term: 5, type: 0 as const, data: Buffer.alloc(valueBytes, i) }));
  return [
    { ...base, type: 'append', prevIndex: 0, prevTerm: 0, entries: [], commit: 0 },
    { ...base, type: 'append', prevIndex: 0, prevTerm: 0, entries: entries(valueBytes), commit: 2 ** 32 + 3 },
    { ...base, type: 'append', prevIndex: 299, prevTerm: 5, entries: many, commit: 290 },
    { type: 'append', to: 'n2', prevIndex: 9, prevTerm: 1, entries: entries(valueBytes), commit: 7, from: 'n1', term: 1 }, // the core's key order
    { ...base, type: 'appendResponse', success: false, index: 70000, hintIndex: 65535, hintTerm: 0 },
    { ...base, type: 'vote', lastLogIndex: 2 ** 40, lastLogTerm: 4, transfer: true },
    { ...base, type: 'preVote', lastLogIndex: 1, lastLogTerm: 1 },
    { ...base, type: 'voteResponse', granted: true },
    { ...base, type: 'heartbeat', commit: 12, round: 2 ** 31 },
    { ...base, type: 'heartbeatResponse', round: 0 },
    { ...base, type: 'snapshot', snapshot: { index: 900, term: 4, conf: { voters: ['n1', 'n2'], votersOutgoing: [], learners: ['n3'], learnersNext: [] } } },
    { ...base, type: 'timeoutNow' },
  ];
}

describe('encodeMessage, compared with msgpackr', () => {
  it('writes the bytes msgpackr gives every message type, for entries at every bin size boundary', () => {
    for (const n of [0, 255, 256, 4096, 65535, 65536]) {
      for (const m of messages(n)) {
        const bytes = encodeMessage(m);
        expect(bytes.toString('hex'), `${m.type}, ${n} B`).toBe(Buffer.from(reference.pack(m)).toString('hex'));
        // And a member of this version reads it back, validated.
        expect(encodeMessage(decodeMessage(bytes)).equals(bytes)).toBe(true);
      }
    }
  });

  it("keeps each result its own: a later encoding does not change an earlier one's bytes", () => {
    const [, withEntries] = messages(5000);
    const first = encodeMessage(withEntries!);
    const copy = Buffer.from(first);
    for (let i = 0; i < 100; i++) encodeMessage(messages(3000 + i)[2]!);
    expect(first.equals(copy)).toBe(true);
  });
});
