// Snapshot streams: the replicated records at one applied index, read from a LevelDB snapshot
// and encoded in the self-framing byte format of snapshot-format.ts; and the way back, a stream
// of bytes (cut anywhere) written into a fresh LevelDB directory and verified as a whole.
// The watch history and the state record are not in the stream; restore rebuilds the latter.
import { releaseIfUnstarted } from '../common/release-unstarted.js';
import { SnapshotError } from './errors.js';
import { pack } from './codec.js';
import { PREFIX_META, REPLICATED_END, REPLICATED_START, STATE_KEY, prefixed } from './keys.js';
import type { KvHasher } from './hash-kv.js';
import type { Db } from './kv-records.js';
import { MAX_SNAPSHOT_BYTES, type SnapshotInfo, SnapshotReader, SnapshotWriter } from './snapshot-format.js';
import { encodeState, readState } from './state-record.js';
import { type StateStorage, levelOpenDb, nodeStateFs } from './state-fs.js';
import { DEFAULT_WRITE_BUFFER_BYTES } from './state-options.js';

export type { SnapshotInfo } from './snapshot-format.js';

/** Records read from LevelDB per iterator call, and the bytes that call may hold at most. */
const READ_BATCH_RECORDS = 1000;
const READ_BATCH_BYTES = 256 * 1024;
/** Bytes of records gathered into one LevelDB batch while restoring. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

/** A snapshot being read: iterate once for the chunks; info() is set once the end is reached. */
export interface SnapshotStream extends AsyncIterable<Uint8Array> {
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly revision: number;
  info(): SnapshotInfo | null;
  /** Release the LevelDB snapshot early (reading to the end or breaking out does it too). */
  close(): Promise<void>;
}

/** How a snapshot stream is read. */
export interface SnapshotStreamOptions {
  /** Sees every record as it is encoded (a backup's HashKV). */
  hasher?: KvHasher;
  /**
   * Each chunk is valid only until the next is asked for (the writer reuses its buffers,
   * SnapshotWriter): for a consumer that copies every chunk before it asks for more, as the
   * transport's snapshot sender does. Without it, every chunk is a Buffer of its own.
   */
  reuseChunks?: boolean;
}

/**
 * Open a snapshot stream over a consistent LevelDB snapshot of `db`, in chunks of about
 * `chunkBytes`.
 */
export async function openSnapshotStream(db: Db, chunkBytes: number, opts: SnapshotStreamOptions = {}): Promise<SnapshotStream> {
  const { hasher, reuseChunks = false } = opts;
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
    // Bounded memory: the iterator holds at most READ_BATCH_BYTES, the writer one chunk, and the
    // consumer pulls the next chunk only when it has room (the transport's back-pressure). A full
    // scan must not fill LevelDB's block cache with data nobody reads again.
    const it = db.iterator({ gte: REPLICATED_START, lt: REPLICATED_END, snapshot, fillCache: false, highWaterMarkBytes: READ_BATCH_BYTES });
    try {
      const w = new SnapshotWriter({ appliedIndex, appliedTerm, revision }, chunkBytes, reuseChunks);
      for (;;) {
        const batch = await it.nextv(READ_BATCH_RECORDS);
        if (batch.length === 0) break;
        for (const [k, v] of batch) {
          hasher?.addRecord(k, v);
          const full = w.record(k, v);
          if (full) yield full;
        }
      }
      const last = w.finish();
      info = last.info;
      yield last.chunk;
    } finally {
      await it.close();
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
      // A consumer that gives up before reading (a receiver refusing at once) still releases the snapshot.
      return releaseIfUnstarted(chunks(), () => snapshot.close());
    },
  };
}

/** Limits of writeSnapshotDir. */
export interface SnapshotWriteOptions {
  /** Refuse a stream longer than this (default MAX_SNAPSHOT_BYTES). */
  maxBytes?: number;
  /**
   * Meta records (setMeta name → value) to store in place of the stream's, once it is verified:
   * a restore into a new cluster replaces the old member address book.
   */
  meta?: Readonly<Record<string, unknown>>;
  /** Where the directory is written (default: LevelDB on the real file system). */
  storage?: StateStorage;
  /** LevelDB's memtable while the directory is written (default DEFAULT_WRITE_BUFFER_BYTES). */
  writeBufferBytes?: number;
  /** Snappy compression of the directory's tables (default true). */
  compression?: boolean;
}

/** LevelDB's own table cache default: what a snapshot directory is written with. */
const WRITE_MAX_OPEN_FILES = 1000;

/**
 * Write a snapshot stream (chunks cut anywhere) into a fresh LevelDB at `dir` and verify it as a
 * whole; on any failure `dir` is removed and SnapshotError (or the I/O error) is thrown. The
 * result is closed, synced, and holds the state record the header describes.
 */
export async function writeSnapshotDir(chunks: AsyncIterable<Uint8Array>, dir: string, opts: SnapshotWriteOptions = {}): Promise<SnapshotInfo> {
  const { openDb, fs } = opts.storage ?? { openDb: levelOpenDb, fs: nodeStateFs };
  await fs.rm(dir);
  const db: Db = openDb(dir, { maxOpenFiles: WRITE_MAX_OPEN_FILES, writeBufferBytes: opts.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES, compression: opts.compression ?? true });
  try {
    await db.open();
    const info = await copyRecords(chunks, db, opts.maxBytes ?? MAX_SNAPSHOT_BYTES);
    // The state record comes from the header; the history starts empty after the snapshot.
    const state = { ...info, firstWatchRevision: info.revision + 1 };
    const last = db.batch();
    for (const [name, value] of Object.entries(opts.meta ?? {})) last.put(prefixed(PREFIX_META, Buffer.from(name, 'utf8')), pack(value));
    last.put(STATE_KEY, encodeState(state));
    await last.write({ sync: true });
    await db.close();
    return info;
  } catch (err) {
    await db.close().catch(() => undefined);
    await fs.rm(dir);
    throw err;
  }
}

/** Decodes the stream into `db`, WRITE_BATCH_BYTES per LevelDB batch (awaiting each: back-pressure). */
async function copyRecords(chunks: AsyncIterable<Uint8Array>, db: Db, maxBytes: number): Promise<SnapshotInfo> {
  const reader = new SnapshotReader(maxBytes);
  let batch = db.batch();
  let batchBytes = 0;
  // The batch copies key and value into LevelDB's own buffer: no network chunk stays pinned.
  const onRecord = (key: Buffer, value: Buffer): void => {
    batch.put(key, value);
    batchBytes += key.length + value.length;
  };
  try {
    for await (const chunk of chunks) {
      reader.push(chunk, onRecord);
      if (batchBytes >= WRITE_BATCH_BYTES) {
        await batch.write();
        batch = db.batch();
        batchBytes = 0;
      }
    }
    const info = reader.finish();
    if (batchBytes > 0) await batch.write();
    return info;
  } finally {
    await batch.close(); // idempotent; discards the batch when write() was not reached
  }
}
