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

/** Rewrites every table of `db` (a full compaction): deleted and overwritten records stop taking space. */
export async function compactDb(db: Db): Promise<void> {
  const compactable = db as unknown as { compactRange?: (start: Buffer, end: Buffer) => Promise<void> };
  if (typeof compactable.compactRange !== 'function') throw new StateInvariantError('this LevelDB binding cannot compact a range');
  await compactable.compactRange(Buffer.from([0x00]), Buffer.from([0xff]));
}

/** LevelDB's estimate of the bytes the replicated records take on disk; 0 if the binding cannot tell. */
export async function approximateReplicatedBytes(db: Db): Promise<number> {
  // `level` resolves to classic-level in Node, which has it; its types do not say so.
  const sized = db as unknown as { approximateSize?(start: Buffer, end: Buffer): Promise<number> };
  return sized.approximateSize ? await sized.approximateSize(Buffer.alloc(0), REPLICATED_END) : 0;
}
