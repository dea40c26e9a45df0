// Point-in-time restore: revisions recorded by the continuous archive, applied on top of a
// restored state directory. Each change says what the key's mod revision was before it (0: the
// key did not exist), and that is checked against what the directory holds, so a revision missing
// from the archive, or one applied twice, is an error rather than a silently different state.
import { Level } from 'level';
import { StateInvariantError } from './errors.js';
import { PREFIX_KV, STATE_KEY, prefixed } from './keys.js';
import { type Db, decodeKv, encodeKv } from './kv-records.js';
import { encodeState, readState } from './state-record.js';
import type { KeyValue } from './types.js';

/** One change of an archived revision. */
export interface ArchivedChange {
  type: 'put' | 'delete';
  key: Uint8Array;
  /** The new value (empty for a delete). */
  value: Uint8Array;
  /** The key's create revision after the change (0 for a delete). */
  createRevision: number;
  /** The key's version after the change (0 for a delete). */
  version: number;
  /** The key's mod revision before the change; 0 when it did not exist. */
  prevModRevision: number;
}

/** One archived revision: every change it made, in apply order. */
export interface ArchivedRevision {
  revision: number;
  changes: ArchivedChange[];
}

/** Bytes of changes gathered into one LevelDB batch. */
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Applies `revisions` (ascending, starting right after the directory's revision) to the closed
 * state directory `dir`, then records `end()` (asked once they are applied) as its applied index
 * and term. Throws
 * StateInvariantError naming the revision and key when the archive does not continue the state.
 */
export async function applyArchivedRevisions(
  dir: string,
  revisions: AsyncIterable<ArchivedRevision>,
  end: () => { appliedIndex: number; appliedTerm: number },
): Promise<{ revision: number; changes: number }> {
  const db: Db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    const state = await readState(db);
    let revision = state.revision;
    let changes = 0;
    // What this batch changed, so a later change in the same batch sees it (a txn writes a key twice).
    let pending = new Map<string, KeyValue | null>();
    let batch = db.batch();
    let bytes = 0;
    for await (const r of revisions) {
      if (r.revision !== revision + 1) throw new StateInvariantError(`archived revision ${r.revision} does not follow revision ${revision}`);
      for (const c of r.changes) {
        const k = prefixed(PREFIX_KV, c.key);
        const ks = k.toString('latin1');
        const now = pending.has(ks) ? pending.get(ks)! : await current(db, k, c.key);
        if ((now?.modRevision ?? 0) !== c.prevModRevision) {
          throw new StateInvariantError(`archived revision ${r.revision} changes key ${Buffer.from(c.key).toString('hex')} last written at revision ${c.prevModRevision}, but the state has it at ${now?.modRevision ?? 'absent'}`);
        }
        const kv: KeyValue | null = c.type === 'put' ? { key: c.key, value: c.value, createRevision: c.createRevision, modRevision: r.revision, version: c.version } : null;
        if (kv) batch.put(k, encodeKv(kv));
        else batch.del(k);
        pending.set(ks, kv);
        bytes += k.length + c.value.length;
        changes++;
      }
      revision = r.revision;
      if (bytes >= BATCH_BYTES) {
        await batch.write();
        batch = db.batch();
        pending = new Map();
        bytes = 0;
      }
    }
    const { appliedIndex, appliedTerm } = end();
    if (appliedIndex < state.appliedIndex) throw new StateInvariantError(`applied index ${appliedIndex} is below the state's ${state.appliedIndex}`);
    batch.put(STATE_KEY, encodeState({ appliedIndex, appliedTerm, revision, firstWatchRevision: revision + 1 }));
    await batch.write({ sync: true });
    return { revision, changes };
  } finally {
    await db.close(); // also discards a batch not written because of an error
  }
}

async function current(db: Db, dbKey: Buffer, key: Uint8Array): Promise<KeyValue | null> {
  const v = await db.get(dbKey);
  return v === undefined ? null : decodeKv(key, v);
}
