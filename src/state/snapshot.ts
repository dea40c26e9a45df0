// Snapshot streams: the replicated records at one applied index, as self-describing chunks.
//   chunk 0:    {t: 'header', v: 1, appliedIndex, appliedTerm, revision}
//   chunk 1..n: {t: 'data', kv: [key, value, key, value, ...]}  (about chunkBytes each)
//   last:       {t: 'end', pairs, bytes, checksum}  (sha256 hex over the header and data chunks)
// The watch history and the state record are not in the stream; restore rebuilds the latter.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Level } from 'level';
import { pack, unpack } from './codec.js';
import { SnapshotError } from './errors.js';
import { REPLICATED_END, REPLICATED_PREFIXES, STATE_KEY } from './keys.js';
import type { Db } from './kv-records.js';
import { encodeState, readState } from './state-record.js';

const FORMAT = 'raftdb-state-snapshot';
const VERSION = 1;
/** Largest chunk restore accepts, so a hostile stream cannot make it buffer without bound. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** What a complete snapshot stream describes. */
export interface SnapshotInfo {
  appliedIndex: number;
  appliedTerm: number;
  revision: number;
  /** sha256, hex, over the header and data chunks as streamed. */
  checksum: string;
  /** Bytes of the header and data chunks. */
  bytes: number;
  pairs: number;
}

/** A snapshot being read: iterate once for the chunks; info() is set once the end is reached. */
export interface SnapshotStream extends AsyncIterable<Uint8Array> {
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly revision: number;
  info(): SnapshotInfo | null;
  /** Release the LevelDB snapshot early (reading to the end or breaking out does it too). */
  close(): Promise<void>;
}

/** Open a snapshot stream over a consistent LevelDB snapshot of `db`. */
export async function openSnapshotStream(db: Db, chunkBytes: number): Promise<SnapshotStream> {
  const snapshot = db.snapshot();
  let state;
  try {
    state = await readState(db, snapshot);
  } catch (err) {
    await snapshot.close();
    throw err;
  }
  let info: SnapshotInfo | null = null;
  let started = false;
  const { appliedIndex, appliedTerm, revision } = state;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    let bytes = 0;
    let pairs = 0;
    const emit = (chunk: Buffer): Buffer => {
      hash.update(chunk);
      bytes += chunk.length;
      return chunk;
    };
    try {
      yield emit(pack({ t: 'header', v: VERSION, format: FORMAT, appliedIndex, appliedTerm, revision }));
      let kv: Buffer[] = [];
      let size = 0;
      for await (const [k, v] of db.iterator({ lt: REPLICATED_END, snapshot })) {
        kv.push(k, v);
        size += k.length + v.length;
        pairs++;
        if (size >= chunkBytes) {
          yield emit(pack({ t: 'data', kv }));
          kv = [];
          size = 0;
        }
      }
      if (kv.length > 0) yield emit(pack({ t: 'data', kv }));
      const checksum = hash.digest('hex');
      info = { appliedIndex, appliedTerm, revision, checksum, bytes, pairs };
      yield pack({ t: 'end', pairs, bytes, checksum });
    } finally {
      await snapshot.close();
    }
  }
  return {
    appliedIndex,
    appliedTerm,
    revision,
    info: () => info,
    close: () => snapshot.close(),
    [Symbol.asyncIterator]() {
      if (started) throw new SnapshotError('a snapshot stream can be read only once');
      started = true;
      return chunks();
    },
  };
}

/**
 * Write a snapshot stream into a fresh LevelDB at `dir` and verify it; on any failure `dir` is
 * removed and SnapshotError (or the I/O error) is thrown. The result is closed and synced.
 */
export async function writeSnapshotDir(chunks: AsyncIterable<Uint8Array>, dir: string): Promise<SnapshotInfo> {
  await rm(dir, { recursive: true, force: true });
  const db: Db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    await db.open();
    const info = await copyChunks(chunks, db);
    // The state record comes from the header; the history starts empty after the snapshot.
    const state = { ...info, firstWatchRevision: info.revision + 1 };
    await db.put(STATE_KEY, encodeState(state), { sync: true });
    await db.close();
    return info;
  } catch (err) {
    await db.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function copyChunks(chunks: AsyncIterable<Uint8Array>, db: Db): Promise<SnapshotInfo> {
  const hash = createHash('sha256');
  let header: Record<string, unknown> | null = null;
  let end: Record<string, unknown> | null = null;
  let bytes = 0;
  let pairs = 0;
  for await (const chunk of chunks) {
    if (end) throw new SnapshotError('data after the end chunk');
    if (chunk.length > MAX_CHUNK_BYTES) throw new SnapshotError(`chunk of ${chunk.length} bytes exceeds ${MAX_CHUNK_BYTES}`);
    const msg = decodeChunk(chunk);
    if (msg.t === 'end') {
      end = msg;
      continue;
    }
    hash.update(chunk);
    bytes += chunk.length;
    if (!header) {
      if (msg.t !== 'header' || msg.format !== FORMAT || msg.v !== VERSION) throw new SnapshotError('not a raftdb state snapshot');
      header = msg;
    } else if (msg.t === 'data') {
      pairs += await writePairs(db, msg.kv);
    } else {
      throw new SnapshotError(`unexpected chunk type ${JSON.stringify(msg.t)}`);
    }
  }
  if (!header || !end) throw new SnapshotError('snapshot stream is truncated');
  const checksum = hash.digest('hex');
  if (end.checksum !== checksum || end.bytes !== bytes || end.pairs !== pairs) {
    throw new SnapshotError(`snapshot checksum mismatch: got ${checksum}/${bytes}/${pairs}, expected ${String(end.checksum)}/${String(end.bytes)}/${String(end.pairs)}`);
  }
  const appliedIndex = safeInt(header.appliedIndex);
  const appliedTerm = safeInt(header.appliedTerm);
  const revision = safeInt(header.revision);
  return { appliedIndex, appliedTerm, revision, checksum, bytes, pairs };
}

async function writePairs(db: Db, kv: unknown): Promise<number> {
  if (!Array.isArray(kv) || kv.length % 2 !== 0) throw new SnapshotError('data chunk is not a list of pairs');
  const batch = db.batch();
  try {
    for (let i = 0; i < kv.length; i += 2) {
      const k: unknown = kv[i];
      const v: unknown = kv[i + 1];
      if (!(k instanceof Uint8Array) || !(v instanceof Uint8Array) || !REPLICATED_PREFIXES.has(k[0]!)) {
        throw new SnapshotError(`data chunk holds a foreign record at pair ${i / 2}`);
      }
      batch.put(Buffer.from(k.buffer, k.byteOffset, k.length), Buffer.from(v.buffer, v.byteOffset, v.length));
    }
    await batch.write();
  } finally {
    await batch.close(); // idempotent; discards the batch when write() was not reached
  }
  return kv.length / 2;
}

function decodeChunk(chunk: Uint8Array): Record<string, unknown> {
  let msg: unknown;
  try {
    msg = unpack(chunk);
  } catch (err) {
    throw new SnapshotError(`chunk is not msgpack: ${(err as Error).message}`);
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new SnapshotError('chunk is not a map');
  return msg as Record<string, unknown>;
}

function safeInt(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new SnapshotError('bad header field');
  return n;
}
