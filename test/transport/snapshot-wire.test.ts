// The sender's hand-written SnapshotChunk encoding: the same bytes protobuf writes for the same
// message (varint length boundaries included), decoded back by the receiver's deserialiser, and a
// copy, so the source may overwrite its chunk as soon as the encoding returns.
import { describe, expect, it } from 'vitest';
import { raftMethods, type SnapshotChunk } from '../../src/transport/rpc.js';
import { encodeDataChunk, encodeLastChunk, serializeEncoded } from '../../src/transport/snapshot-wire.js';
import { MAX_SNAPSHOT_CHUNK_BYTES } from '../../src/transport/index.js';
import { bytes } from './helpers.js';

const m = raftMethods().installSnapshot;
const EMPTY = new Uint8Array(0);
const asProtobuf = (c: Partial<SnapshotChunk>): Buffer => m.requestSerialize({ message: EMPTY, from: '', clusterId: '', data: EMPTY, last: false, ...c });

describe('snapshot chunk wire encoding', () => {
  // 127/128, 16383/16384, 2^21-1/2^21: one more varint byte each; 1 MiB: the transport's largest.
  // (The object path writes every field, defaults too; this writes only `data`, as proto3 may.)
  for (const [len, varint] of [[1, 1], [127, 1], [128, 2], [300, 2], [16_383, 2], [16_384, 3], [2_097_151, 3], [2_097_152, 4], [MAX_SNAPSHOT_CHUNK_BYTES, 3]] as const) {
    it(`a data chunk of ${len} B: tag 4, a ${varint}-byte length, the bytes; the receiver's deserialiser reads it back`, () => {
      const data = Buffer.from(bytes(len, len));
      const encoded = encodeDataChunk(data);
      expect(encoded.length).toBe(1 + varint + len);
      expect(encoded[0]).toBe(0x22);
      expect(encoded.subarray(1 + varint).equals(data)).toBe(true);
      const back = m.requestDeserialize(encoded);
      expect(Buffer.from(back.data).equals(data)).toBe(true);
      expect([back.last, back.from, back.clusterId, back.message.length]).toStrictEqual([false, '', '', 0]);
      // The object path's encoding of the same message reads back alike.
      expect(Buffer.from(m.requestDeserialize(asProtobuf({ data })).data).equals(data)).toBe(true);
    });
  }

  it('the encoding is a copy: overwriting the source afterwards changes nothing', () => {
    const data = Buffer.from(bytes(4096, 1));
    const expected = encodeDataChunk(Buffer.from(data));
    const encoded = encodeDataChunk(data.subarray(0));
    data.fill(0xee);
    expect(encoded.equals(expected)).toBe(true);
  });

  it("the end marker decodes as { last: true } and nothing else, a new buffer each time", () => {
    const a = encodeLastChunk();
    const back = m.requestDeserialize(a);
    expect([back.last, back.data.length, back.message.length, back.from, back.clusterId]).toStrictEqual([true, 0, 0, '', '']);
    a.fill(0);
    expect(m.requestDeserialize(encodeLastChunk()).last).toBe(true);
  });

  it('the serialiser passes encoded bytes through and refuses anything else', () => {
    const b = encodeLastChunk();
    expect(serializeEncoded(b)).toBe(b);
    expect(() => serializeEncoded({ data: EMPTY } as unknown as Buffer)).toThrow(/encoded chunks only/);
  });
});
