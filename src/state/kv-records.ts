// Encoding of the 'k' records and the LevelDB handle type shared by the state-machine files.
import type { Level } from 'level';
import { allocOutput, binBytes, numberBytes, writeBin, writeNumber } from '../common/msgpack-writer.js';
import { unpack } from './codec.js';
import { StateInvariantError } from './errors.js';
import { inRange, kvBounds, userKeyOf } from './keys.js';
import type { KeyValue } from './types.js';

/** The LevelDB handle: binary keys and values throughout. */
export type Db = Level<Buffer, Buffer>;
export type DbSnapshot = ReturnType<Db['snapshot']>;

/**
 * The stored form of a key's value and metadata (the key itself is the record key): msgpack
 * [createRevision, modRevision, version, value], framed here into a buffer of the exact size
 * (the bytes msgpackr gives that array, test/state/encodings.test.ts).
 */
export function encodeKv(kv: KeyValue): Buffer {
  const total = 1 + numberBytes(kv.createRevision) + numberBytes(kv.modRevision) + numberBytes(kv.version) + binBytes(kv.value);
  const buf = allocOutput(total);
  buf[0] = 0x94; // fixarray of 4
  let pos = writeNumber(buf, 1, kv.createRevision);
  pos = writeNumber(buf, pos, kv.modRevision);
  pos = writeNumber(buf, pos, kv.version);
  pos = writeBin(buf, pos, kv.value);
  if (pos !== total) throw new StateInvariantError(`kv record sized ${total} bytes, wrote ${pos}`);
  return buf;
}

/** Decode a 'k' record; a malformed one is corruption of our own data, hence an invariant error. */
export function decodeKv(userKey: Uint8Array, bytes: Uint8Array): KeyValue {
  const r = unpack(bytes);
  if (!Array.isArray(r) || r.length !== 4 || !(r[3] instanceof Uint8Array)) {
    throw new StateInvariantError(`corrupt kv record for key ${Buffer.from(userKey).toString('hex')}`);
  }
  return { key: userKey, value: r[3], createRevision: r[0], modRevision: r[1], version: r[2] };
}

/** Pending or historical values that override what LevelDB holds; null = absent. */
export type Overlay = ReadonlyMap<string, KeyValue | null>;

/** The map key of a user key: latin1 maps bytes 1:1 to a string, so it is lossless. */
export function overlayKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}

/**
 * Read [key, rangeEnd) in key order, merging LevelDB (at `snapshot` if given) with `overlay`,
 * stopping after `limit` kvs. Returns kvs and whether more exist. Reads LevelDB in pages so a
 * small limit over a large range does not load the range.
 */
export async function mergedRange(
  db: Db,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  overlay: Overlay,
  limit: number,
  snapshot?: DbSnapshot,
): Promise<{ kvs: KeyValue[]; more: boolean }> {
  const pending = overlayInRange(overlay, key, rangeEnd);
  const kvs: KeyValue[] = [];
  let p = 0;
  const it = db.iterator({ ...kvBounds(key, rangeEnd), snapshot });
  try {
    while (kvs.length <= limit) {
      const page = await it.nextv(Math.min(256, limit + 1));
      if (page.length === 0) break;
      for (const [dbKey, dbValue] of page) {
        const uk = userKeyOf(dbKey);
        while (p < pending.length && Buffer.compare(pending[p]!.key, uk) < 0) {
          const kv = pending[p++]!.kv;
          if (kv) kvs.push(kv);
        }
        if (p < pending.length && Buffer.compare(pending[p]!.key, uk) === 0) {
          const kv = pending[p++]!.kv;
          if (kv) kvs.push(kv);
        } else {
          kvs.push(decodeKv(uk, dbValue));
        }
        if (kvs.length > limit) break;
      }
    }
  } finally {
    await it.close();
  }
  while (p < pending.length && kvs.length <= limit) {
    const kv = pending[p++]!.kv;
    if (kv) kvs.push(kv);
  }
  const more = kvs.length > limit;
  if (more) kvs.length = limit;
  return { kvs, more };
}

function overlayInRange(
  overlay: Overlay,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
): { key: Buffer; kv: KeyValue | null }[] {
  const out: { key: Buffer; kv: KeyValue | null }[] = [];
  if (overlay.size === 0) return out;
  for (const [k, kv] of overlay) {
    const uk = Buffer.from(k, 'latin1');
    if (inRange(uk, key, rangeEnd)) out.push({ key: uk, kv });
  }
  out.sort((a, b) => Buffer.compare(a.key, b.key));
  return out;
}
