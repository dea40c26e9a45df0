// LevelDB key layout. Every record lives under a one-byte prefix; the replicated records sort
// below STATE so that a snapshot is exactly the key range [.., STATE) and the node-local watch
// history (which is not replicated) sorts last. See docs/state.md for the full table.

/** 'a' + 's' | 'u' + user | 'r' + role: the auth settings, users and roles (auth-store.ts). */
export const PREFIX_AUTH = 0x61;
/** 'c' + clientId → [lastSeq, lastIndex]: the dedupe index, loaded into memory at open. */
export const PREFIX_CLIENT = 0x63;
/** 'k' + user key → [createRevision, modRevision, version, value]. */
export const PREFIX_KV = 0x6b;
/** 'm' + meta name → msgpack of the stored value (setMeta). */
export const PREFIX_META = 0x6d;
/** 'r' + clientId → msgpack of the last result for that client (read only on a duplicate). */
export const PREFIX_RESULT = 0x72;
/** 's': the single state record {appliedIndex, appliedTerm, revision, firstWatchRevision}. */
export const PREFIX_STATE = 0x73;
/**
 * 'w' + 8-byte big-endian revision → the changes made at that revision: where versions before
 * 2026-12-07 kept the node-local watch history. It has its own files now (history-log.ts); open
 * moves such records there and deletes them (watch-log.ts).
 */
export const PREFIX_WATCH = 0x77;

/** The key of the state record, rewritten in every applied batch. */
export const STATE_KEY: Buffer = Buffer.from([PREFIX_STATE]);

/** Replicated records (what a snapshot carries) are exactly the keys from REPLICATED_START below this bound. */
export const REPLICATED_END: Buffer = STATE_KEY;
/** The lowest replicated prefix: nothing below it is replicated (a defragment writes its marker there). */
export const REPLICATED_START: Buffer = Buffer.from([PREFIX_AUTH]);

/** The prefixes a snapshot may contain; anything else in a snapshot stream is foreign. */
export const REPLICATED_PREFIXES: ReadonlySet<number> = new Set([
  PREFIX_AUTH,
  PREFIX_CLIENT,
  PREFIX_KV,
  PREFIX_META,
  PREFIX_RESULT,
]);

/** `prefix` byte followed by `body`, as one new Buffer. */
export function prefixed(prefix: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = prefix;
  out.set(body, 1);
  return out;
}

/** The user key of a 'k' record (a view, not a copy). */
export function userKeyOf(dbKey: Buffer): Buffer {
  return dbKey.subarray(1);
}

/** The 'w' record key of a revision; big-endian so records sort by revision. */
export function watchKey(revision: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = PREFIX_WATCH;
  out.writeBigUInt64BE(BigInt(revision), 1);
  return out;
}

/** The revision of a 'w' record key. */
export function revisionOfWatchKey(dbKey: Buffer): number {
  return Number(dbKey.readBigUInt64BE(1));
}

/** The 'c' or 'r' record key of a client (UTF-8 client id). */
export function clientKey(prefix: typeof PREFIX_CLIENT | typeof PREFIX_RESULT, clientId: string): Buffer {
  return prefixed(prefix, Buffer.from(clientId, 'utf8'));
}

/**
 * The smallest key greater than every key starting with `prefix` (etcd's GetPrefixRangeEnd).
 * A prefix of only 0xff bytes has no such key; [0x00] then means "to the end of the keyspace".
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = new Uint8Array(prefix.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** LevelDB bounds of the 'k' records for a user range, with etcd's rangeEnd conventions. */
export function kvBounds(key: Uint8Array, rangeEnd: Uint8Array | undefined): { gte: Buffer; lt: Buffer } {
  const gte = prefixed(PREFIX_KV, key);
  if (rangeEnd === undefined || rangeEnd.length === 0) {
    // A single key: [k+key, k+key+0x00) contains exactly that key.
    const lt = Buffer.allocUnsafe(gte.length + 1);
    gte.copy(lt);
    lt[gte.length] = 0;
    return { gte, lt };
  }
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { gte, lt: Buffer.from([PREFIX_KV + 1]) };
  return { gte, lt: prefixed(PREFIX_KV, rangeEnd) };
}

/** Whether a user key falls in [key, rangeEnd) under the same conventions as kvBounds. */
export function inRange(userKey: Uint8Array, key: Uint8Array, rangeEnd: Uint8Array | undefined): boolean {
  if (rangeEnd === undefined || rangeEnd.length === 0) return Buffer.compare(userKey, key) === 0;
  if (Buffer.compare(userKey, key) < 0) return false;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return true;
  return Buffer.compare(userKey, rangeEnd) < 0;
}
