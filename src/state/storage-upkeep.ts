// Upkeep of the state machine's LevelDB that no apply needs: making applied batches durable
// before the WAL is compacted past them, rewriting every table to give back the space of deleted
// data (defragmentation), and LevelDB's estimate of the space the data takes.
import { StateInvariantError, storageError } from './errors.js';
import { REPLICATED_END } from './keys.js';
import type { Db } from './kv-records.js';

/** Written with sync:true by syncDb(); outside the replicated range, never read. */
const SYNC_KEY = Buffer.from('x');

/** Makes every batch written to `db` durable (fsync); a failure is a storage error of `dir`. */
export async function syncDb(db: Db, dir: string): Promise<void> {
  // One synced write flushes LevelDB's log, which holds every earlier write too. Not the state
  // record: rewriting it here could race an apply and move the applied index backwards.
  await db.put(SYNC_KEY, Buffer.alloc(0), { sync: true }).catch((err: unknown) => Promise.reject(storageError(dir, 'sync', err)));
}

/**
 * Below and above every record the state machine keeps (and outside what a snapshot carries,
 * keys.ts): a defragment writes an empty record at each, so that a table holding them overlaps
 * every other one. They stay (two records of a few bytes) and are written again by each defragment.
 */
const FIRST_KEY = Buffer.from([0x00]);
const LAST_KEY = Buffer.from([0xff]);

/** Rewrites every table of `db` (a full compaction): deleted and overwritten records stop taking space. */
export async function compactDb(db: Db): Promise<void> {
  // LevelDB's CompactRange flushes the memtable, then merges each level into the next, down to
  // the deepest level that held tables when it was called; the deepest level's tables are only
  // rewritten when a table above overlaps them. A memtable that overlaps nothing is flushed
  // straight to level 2 (common with a write buffer of 16 MiB or more: one flush can hold all of
  // a small data set), where it kept every overwritten and deleted record through a defragment
  // (test/state/disk-usage.test.ts: 5x the live data). The records at both ends of the key space
  // make the flushed table above overlap every table below, so each level is merged into the
  // next, the deepest included. Deletions would not do: LevelDB drops a deletion as soon as no
  // deeper table's range holds its key, before it reaches the bottom.
  // First a pass that flushes the memtable (the records must land in a table of their own).
  await compactRange(db, FIRST_KEY, LAST_KEY);
  await db.batch([{ type: 'put', key: FIRST_KEY, value: Buffer.alloc(0) }, { type: 'put', key: LAST_KEY, value: Buffer.alloc(0) }]);
  await compactRange(db, FIRST_KEY, LAST_KEY);
}

async function compactRange(db: Db, start: Buffer, end: Buffer): Promise<void> {
  const compactable = db as unknown as { compactRange?: (start: Buffer, end: Buffer) => Promise<void> };
  if (typeof compactable.compactRange !== 'function') throw new StateInvariantError('this LevelDB binding cannot compact a range');
  await compactable.compactRange(start, end);
}

/** A key range that holds no record (every key of the store, LAST_KEY included, sorts below 0xff 0xff). */
const EMPTY_RANGE = Buffer.from([0xff, 0xff]);

/**
 * Deletes the table files LevelDB no longer needs but has not deleted yet. A compaction (a
 * defragment above all) replaces tables; the old ones stay on disk while an iterator that began
 * before it (a snapshot being sent, a backup, a HashKV) still reads them, and LevelDB deletes them
 * only at its next compaction, however long after that iterator ended. Compacting an empty range
 * is such a compaction: it flushes the memtable, rewrites nothing, and deletes every unused file.
 */
export async function releaseObsoleteTables(db: Db): Promise<void> {
  await compactRange(db, EMPTY_RANGE, EMPTY_RANGE);
}

/** One level's line of LevelDB's `leveldb.stats` property: level, files, size in MiB (rounded), then compaction times. */
const STATS_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s/gm;
const MiB = 1024 * 1024;

/** The bytes of the tables of LevelDB's current version, and how far off they may be. */
export interface LiveTableBytes {
  bytes: number;
  /** LevelDB rounds each level's size to the MiB: at most half a MiB per level listed. */
  errorBytes: number;
}

/**
 * The bytes of the table files of LevelDB's current version, from its `leveldb.stats` property
 * (no I/O, a few hundred characters). Tables a compaction replaced are not in it, even while an
 * iterator still reads them. Null if the binding cannot tell. (`leveldb.sstables` lists each
 * file exactly, but with its first and last keys: 77 ms for 74 tables bounded by 4 KiB keys.)
 */
export function liveTableBytes(db: Db): LiveTableBytes | null {
  const withProperty = db as unknown as { getProperty?(name: string): string };
  if (typeof withProperty.getProperty !== 'function') return null;
  let bytes = 0;
  let levels = 0;
  for (const m of withProperty.getProperty('leveldb.stats').matchAll(STATS_LINE)) {
    bytes += Number(m[3]) * MiB;
    levels++;
  }
  return { bytes, errorBytes: levels * (MiB / 2) };
}

/** LevelDB's estimate of the bytes the replicated records take on disk; 0 if the binding cannot tell. */
export async function approximateReplicatedBytes(db: Db): Promise<number> {
  // `level` resolves to classic-level in Node, which has it; its types do not say so.
  const sized = db as unknown as { approximateSize?(start: Buffer, end: Buffer): Promise<number> };
  return sized.approximateSize ? await sized.approximateSize(Buffer.alloc(0), REPLICATED_END) : 0;
}
