// The snapshot byte format: however the stream is cut (chunks of 1 byte up to several MiB, a
// different size every time), the reader yields the same records and checksum; a corrupt,
// truncated, reordered, foreign or other-version stream is refused with a message saying what is
// wrong, and writeSnapshotDir leaves no directory behind.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pack } from '../../src/state/codec.js';
import { SnapshotError } from '../../src/state/errors.js';
import { PREFIX_CLIENT, PREFIX_KV, PREFIX_META, PREFIX_RESULT } from '../../src/state/keys.js';
import { writeSnapshotDir } from '../../src/state/snapshot.js';
import { MAX_RECORD_BYTES, SNAPSHOT_FORMAT_VERSION, type SnapshotInfo, SnapshotReader, SnapshotWriter } from '../../src/state/snapshot-format.js';
import { cleanup, prng, tempDir } from './helpers.js';

type Rng = ReturnType<typeof prng>;
type Rec = [Buffer, Buffer];

const HEADER = { appliedIndex: 4242, appliedTerm: 7, revision: 4000 };

/** Sorted, distinct records with replicated prefixes; values of 0 B up to `maxValue` bytes. */
function randomRecords(rng: Rng, count: number, maxValue: number): Rec[] {
  const prefixes = [PREFIX_CLIENT, PREFIX_KV, PREFIX_META, PREFIX_RESULT];
  const byKey = new Map<string, Rec>();
  while (byKey.size < count) {
    const key = Buffer.concat([Buffer.from([rng.pick(prefixes)]), Buffer.from(rng.next().toString(36).slice(2, 2 + 1 + rng.int(12)))]);
    const value = Buffer.alloc(rng.int(maxValue + 1), rng.int(256));
    byKey.set(key.toString('hex'), [key, value]);
  }
  return [...byKey.values()].sort((a, b) => Buffer.compare(a[0], b[0]));
}

/** The whole stream the writer produces for `records`, and the chunks it produced it in. */
function encode(records: Rec[], chunkBytes: number): { bytes: Buffer; chunks: Buffer[]; info: SnapshotInfo } {
  const w = new SnapshotWriter(HEADER, chunkBytes);
  const chunks: Buffer[] = [];
  for (const [k, v] of records) {
    const full = w.record(k, v);
    if (full) chunks.push(full);
  }
  const last = w.finish();
  chunks.push(last.chunk);
  return { bytes: Buffer.concat(chunks), chunks, info: last.info };
}

/** `bytes` cut into pieces of random sizes in [1, maxPiece], copied (as a network would deliver them). */
function cut(bytes: Buffer, rng: Rng, maxPiece: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < bytes.length; ) {
    const n = 1 + rng.int(maxPiece);
    out.push(Buffer.from(bytes.subarray(off, off + n)));
    off += n;
  }
  return out;
}

/** Reads `pieces` with a fresh reader: the records (copied) and what finish() says. */
function decode(pieces: Iterable<Uint8Array>): { records: Rec[]; info: SnapshotInfo } {
  const reader = new SnapshotReader();
  const records: Rec[] = [];
  for (const p of pieces) reader.push(p, (k, v) => records.push([Buffer.from(k), Buffer.from(v)]));
  return { records, info: reader.finish() };
}

function decodeError(pieces: Iterable<Uint8Array>): SnapshotError {
  try {
    decode(pieces);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return err as SnapshotError;
  }
  throw new Error('the stream was accepted');
}

async function* replay(pieces: Buffer[]): AsyncGenerator<Uint8Array> {
  yield* pieces;
}

describe('snapshot format: records straddling chunk boundaries of any size', () => {
  // Seeds × (how the writer chunks, how the "transport" re-cuts): every record boundary lands
  // somewhere different in each run. A failing seed replays exactly.
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: the same records and checksum come out of every cut`, () => {
      const rng = prng(seed);
      const big = seed % 4 === 0; // some runs carry records larger than the writer's chunks
      const records = big ? randomRecords(rng, 5 + rng.int(30), 300_000) : randomRecords(rng, 20 + rng.int(300), 3000);
      const chunkBytes = 1 + rng.int(big ? 200_000 : 8000);
      const { bytes, info } = encode(records, chunkBytes);
      expect(info).toMatchObject({ ...HEADER, pairs: records.length });
      for (const maxPiece of [1, 2 + rng.int(60), 1 + rng.int(70_000), bytes.length]) {
        // Tiny pieces cost a call each: a byte at a time on small streams only.
        if (maxPiece * 300_000 < bytes.length) continue;
        const got = decode(cut(bytes, rng, maxPiece));
        expect(got.info).toEqual(info);
        expect(got.records.length).toBe(records.length);
        for (let i = 0; i < records.length; i++) {
          if (!got.records[i]![0].equals(records[i]![0]) || !got.records[i]![1].equals(records[i]![1])) {
            throw new Error(`seed ${seed}, pieces <= ${maxPiece}: record ${i} differs`);
          }
        }
      }
    });
  }

  it("each chunk the writer hands out is its own: later records never change it", () => {
    const rng = prng(99);
    const records = randomRecords(rng, 500, 2000);
    const w = new SnapshotWriter(HEADER, 4096);
    const handed: { chunk: Buffer; copy: Buffer }[] = [];
    for (const [k, v] of records) {
      const full = w.record(k, v);
      if (full) handed.push({ chunk: full, copy: Buffer.from(full) });
    }
    w.finish();
    expect(handed.length).toBeGreaterThan(10);
    for (const h of handed) expect(h.chunk.equals(h.copy)).toBe(true);
  });

  /** The stream of a reuseChunks writer whose consumer copies each chunk before asking for more. */
  function encodeReusing(records: Rec[], chunkBytes: number): { copies: Buffer[]; info: SnapshotInfo; usualBuffers: Set<ArrayBufferLike> } {
    const w = new SnapshotWriter(HEADER, chunkBytes, true);
    const copies: Buffer[] = [];
    const usualBuffers = new Set<ArrayBufferLike>();
    for (const [k, v] of records) {
      const full = w.record(k, v);
      if (!full) continue;
      copies.push(Buffer.from(full));
      if (full.length <= chunkBytes) usualBuffers.add(full.buffer);
    }
    const last = w.finish();
    copies.push(last.chunk);
    return { copies, info: last.info, usualBuffers };
  }

  it('reuseChunks: chunks copied as they come give the same stream, filled into two buffers in turn', () => {
    const records = randomRecords(prng(7), 400, 3000);
    const r = encodeReusing(records, 4096);
    const plain = encode(records, 4096);
    expect(r.copies.length).toBeGreaterThan(50);
    expect(Buffer.concat(r.copies).equals(plain.bytes)).toBe(true);
    expect(r.info).toEqual(plain.info);
    // The point of it: no buffer allocated per chunk.
    expect(r.usualBuffers.size).toBe(2);
  });

  it('reuseChunks: records larger than a chunk get buffers of their own, and the stream stays the same', () => {
    // Values up to 3× the chunk size: one-off buffers, which are not kept to grow later chunks.
    const records = randomRecords(prng(8), 400, 12_000);
    const r = encodeReusing(records, 4096);
    const plain = encode(records, 4096);
    expect(Buffer.concat(r.copies).equals(plain.bytes)).toBe(true);
    expect(r.info).toEqual(plain.info);
    expect(r.copies.some((c) => c.length > 4096)).toBe(true);
    expect(r.copies.map((c) => c.length)).toStrictEqual(plain.chunks.map((c) => c.length));
  });

  it('an empty snapshot (no records) round-trips', () => {
    const { bytes, info } = encode([], 1024);
    expect(decode(cut(bytes, prng(1), 3)).info).toEqual(info);
    expect(info.pairs).toBe(0);
  });
});

describe('snapshot format: refusals', () => {
  const records = randomRecords(prng(5), 200, 500);
  const { bytes } = encode(records, 4096);

  it('a flipped byte anywhere is refused', () => {
    const rng = prng(17);
    // Every byte of the preamble, header, first record and end frame, and random ones between.
    const positions = new Set<number>();
    for (let i = 0; i < 64; i++) positions.add(i);
    for (let i = bytes.length - 60; i < bytes.length; i++) positions.add(i);
    for (let i = 0; i < 300; i++) positions.add(rng.int(bytes.length));
    for (const pos of positions) {
      const bad = Buffer.from(bytes);
      bad[pos] = bad[pos]! ^ (1 << rng.int(8));
      decodeError(cut(bad, rng, 5000));
    }
  });

  it('a stream cut short anywhere is refused as truncated', () => {
    const rng = prng(23);
    for (let i = 0; i < 300; i++) {
      const end = i < 60 ? bytes.length - 1 - i : rng.int(bytes.length);
      const err = decodeError(cut(bytes.subarray(0, end), rng, 3000));
      if (end > 60) expect(err.message).toMatch(/truncated|checksum/);
    }
    expect(decodeError([bytes.subarray(0, bytes.length - 53)]).message).toMatch(/truncated: it ended after \d+ bytes and 200 records, without its end frame/);
  });

  it('data after the end frame is refused', () => {
    expect(decodeError([bytes, Buffer.from([1])]).message).toBe('data after the end frame');
    expect(decodeError([Buffer.concat([bytes, Buffer.from([1])])]).message).toBe('data after the end frame');
  });

  it('a newer or older format version is refused naming both versions', () => {
    const newer = Buffer.from(bytes);
    newer.writeUInt32BE(SNAPSHOT_FORMAT_VERSION + 1, 8);
    expect(decodeError([newer]).message).toBe(
      `snapshot format version ${SNAPSHOT_FORMAT_VERSION + 1} is newer than this node's version ${SNAPSHOT_FORMAT_VERSION}: upgrade this node`,
    );
    // Version 1 was a msgpack document per chunk, starting with a map.
    const v1 = pack({ t: 'header', v: 1, format: 'raftdb-state-snapshot', appliedIndex: 1, appliedTerm: 1, revision: 1 });
    expect(decodeError([v1]).message).toBe(`snapshot format version 1 is not readable by this node, which reads version ${SNAPSHOT_FORMAT_VERSION}: upgrade the sender`);
    expect(decodeError([Buffer.from('definitely not a snapshot')]).message).toBe('not a raftdb state snapshot');
  });

  it('foreign, unordered or duplicate records are refused even with a matching checksum', () => {
    const rng = prng(31);
    const foreign = [...records, [Buffer.from('s-state-record'), Buffer.from('x')] as Rec];
    expect(decodeError(cut(encode(foreign, 1000).bytes, rng, 700)).message).toMatch(/record 200 is foreign \(prefix 0x73\)/);
    const swapped = [records[1]!, records[0]!, ...records.slice(2)];
    expect(decodeError(cut(encode(swapped, 1000).bytes, rng, 700)).message).toBe('record 1 is out of key order');
    const dup = [records[0]!, records[0]!, ...records.slice(1)];
    expect(decodeError(cut(encode(dup, 1000).bytes, rng, 700)).message).toBe('record 1 is out of key order');
  });

  it('a frame longer than the limit is refused from its length alone, before its bytes arrive', () => {
    // The preamble and header of a real stream, then a record frame announcing MAX_RECORD_BYTES + 1.
    const headerEnd = 12 + 5 + bytes.readUInt32BE(13);
    const frame = Buffer.alloc(5);
    frame[0] = 0x52;
    frame.writeUInt32BE(MAX_RECORD_BYTES + 1, 1);
    expect(decodeError([bytes.subarray(0, headerEnd), frame]).message).toMatch(new RegExp(`record of ${MAX_RECORD_BYTES + 1} bytes`));
    frame[0] = 0x5a;
    expect(decodeError([bytes.subarray(0, headerEnd), frame]).message).toMatch(/unknown frame type 0x5a/);
  });

  it('a stream over maxBytes is refused', () => {
    const reader = new SnapshotReader(1000);
    expect(() => reader.push(bytes, () => undefined)).toThrow(/exceeds 1000 bytes/);
  });
});

describe('writeSnapshotDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await cleanup(dir);
  });

  it('writes a stream cut into odd pieces, and removes the directory when one is refused', async () => {
    const rng = prng(3);
    const records = randomRecords(rng, 3000, 4000);
    const { bytes, info } = encode(records, 64 * 1024);
    expect(await writeSnapshotDir(replay(cut(bytes, rng, 9000)), `${dir}/ok`)).toEqual(info);
    expect(existsSync(`${dir}/ok`)).toBe(true);

    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x10;
    const bad = [flipped, bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from('x')])];
    for (const [i, b] of bad.entries()) {
      await expect(writeSnapshotDir(replay(cut(b, rng, 9000)), `${dir}/bad${i}`)).rejects.toBeInstanceOf(SnapshotError);
      expect(existsSync(`${dir}/bad${i}`), `case ${i} left its directory`).toBe(false);
    }
  });

  it('a stream that fails mid-way (the connection dropped) leaves no directory', async () => {
    const { bytes } = encode(randomRecords(prng(4), 2000, 4000), 64 * 1024);
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, bytes.length >> 1);
      throw new Error('snapshot cancelled by the sender');
    }
    await expect(writeSnapshotDir(broken(), `${dir}/cut`)).rejects.toThrow('snapshot cancelled by the sender');
    expect(existsSync(`${dir}/cut`)).toBe(false);
  });
});
