// HashKV: one digest of the keyspace at a revision, equal on every healthy member and across a
// backup and its restore, so that members (and a backup against its source) can be compared.
//
// What is hashed, and why only that: every key, in key order, with its value, create revision,
// mod revision and version (etcd's KeyValue), in a fixed byte layout rather than as stored
// (msgpack), so a change of the storage encoding cannot change the hash. Nothing else: the
// member address book, failover history and dedupe records are replicated too, but a restore
// rewrites the address book for the new cluster, and they are not the user's data. The revision
// is not part of the hash; callers compare hashes taken at the same revision.
import { createHash, type Hash } from 'node:crypto';
import { CompactedError, FutureRevisionError, StateInvariantError } from './errors.js';
import { PREFIX_KV, userKeyOf } from './keys.js';
import { type Db, type DbSnapshot, decodeKv } from './kv-records.js';
import type { StateRecord } from './state-record.js';
import type { KeyValue } from './types.js';
import type { HistoryLog } from './history-log.js';
import { valuesAsOf } from './watch-log.js';

/** Names the layout below; bump it (and the prefix) if the layout ever changes. */
export const HASH_KV_ALGORITHM = 'raftdb-hashkv-sha256-v1';
const DOMAIN = Buffer.from(`${HASH_KV_ALGORITHM}\0`, 'latin1');
/** Records read per iterator call and the bytes that call may hold at most. */
const READ_BATCH_RECORDS = 1000;
const READ_BATCH_BYTES = 256 * 1024;
/**
 * Keys changed since the revision asked for that a hash at a past revision keeps in memory (the
 * values they had then). Past it the request is refused: hash a more recent revision.
 */
export const MAX_HASH_OVERLAY_KEYS = 200_000;

/** The digest of a keyspace and how many keys it covered. */
export interface KvDigest {
  /** sha256, hex. */
  hash: string;
  keys: number;
}

/** A HashKV answer: the digest at `revision`, and the oldest revision this member can hash. */
export interface HashKvResult extends KvDigest {
  revision: number;
  compactRevision: number;
}

/** Hashes key-values fed in strictly ascending key order. */
export class KvHasher {
  private readonly hash: Hash = createHash('sha256').update(DOMAIN);
  private readonly fixed = Buffer.alloc(4 + 8 + 8 + 8 + 4);
  private last: Buffer | null = null;
  private keys = 0;

  /** Adds one key-value; keys must come in ascending order (checked: a bug must not pass as a hash). */
  add(kv: KeyValue): void {
    const key = Buffer.from(kv.key.buffer, kv.key.byteOffset, kv.key.byteLength);
    if (this.last && Buffer.compare(key, this.last) <= 0) throw new StateInvariantError('HashKV: keys out of order');
    this.last = Buffer.from(key);
    const f = this.fixed;
    let p = f.writeUInt32BE(key.length, 0);
    p = f.writeBigUInt64BE(BigInt(kv.createRevision), p);
    p = f.writeBigUInt64BE(BigInt(kv.modRevision), p);
    p = f.writeBigUInt64BE(BigInt(kv.version), p);
    f.writeUInt32BE(kv.value.length, p);
    this.hash.update(f.subarray(0, 4)).update(key).update(f.subarray(4)).update(kv.value);
    this.keys++;
  }

  /** Adds a stored record when it is a key-value ('k') record; others are not part of the hash. */
  addRecord(dbKey: Buffer, dbValue: Buffer): void {
    if (dbKey[0] === PREFIX_KV) this.add(decodeKv(userKeyOf(dbKey), dbValue));
  }

  /** The digest; the hasher cannot be used afterwards. */
  digest(): KvDigest {
    return { hash: this.hash.digest('hex'), keys: this.keys };
  }
}

/**
 * The keyspace's digest at `revision` (0: the current one), read from `snapshot`, with which
 * `state` was read. A past revision is rebuilt from the watch history (CompactedError below it),
 * pinned before `state` was read.
 */
export async function hashKvAt(db: Db, snapshot: DbSnapshot, history: HistoryLog, state: StateRecord, revision: number): Promise<HashKvResult> {
  const at = revision === 0 ? state.revision : revision;
  if (at > state.revision) throw new FutureRevisionError(at, state.revision);
  const compactRevision = state.firstWatchRevision - 1;
  if (at < compactRevision) throw new CompactedError(at, compactRevision);
  const overlay =
    at < state.revision
      ? await valuesAsOf(history, state, at, new Uint8Array(0), new Uint8Array([0]), MAX_HASH_OVERLAY_KEYS)
      : new Map<string, KeyValue | null>();
  const older = [...overlay].map(([k, kv]) => ({ key: Buffer.from(k, 'latin1'), kv })).sort((a, b) => Buffer.compare(a.key, b.key));
  const hasher = new KvHasher();
  let o = 0;
  const it = db.iterator({ gte: Buffer.from([PREFIX_KV]), lt: Buffer.from([PREFIX_KV + 1]), snapshot, fillCache: false, highWaterMarkBytes: READ_BATCH_BYTES });
  try {
    for (;;) {
      const batch = await it.nextv(READ_BATCH_RECORDS);
      if (batch.length === 0) break;
      for (const [dbKey, dbValue] of batch) {
        const key = userKeyOf(dbKey);
        // Keys that exist only in the past come first; a key changed since takes its past value.
        while (o < older.length && Buffer.compare(older[o]!.key, key) < 0) addPast(hasher, older[o++]!.kv);
        if (o < older.length && Buffer.compare(older[o]!.key, key) === 0) addPast(hasher, older[o++]!.kv);
        else hasher.add(decodeKv(key, dbValue));
      }
    }
  } finally {
    await it.close();
  }
  while (o < older.length) addPast(hasher, older[o++]!.kv);
  return { ...hasher.digest(), revision: at, compactRevision };
}

function addPast(hasher: KvHasher, kv: KeyValue | null): void {
  if (kv) hasher.add(kv);
}
