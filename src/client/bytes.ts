// Keys and values cross the API as string (UTF-8) or bytes and come back as Buffers.
import { invalidArgument } from './errors.js';

/** A key or value: strings are encoded as UTF-8. */
export type Bytes = string | Uint8Array;

/** Encodes a key or value for the wire, naming `field` if it has the wrong type. */
export function toBuffer(value: Bytes, field: string): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArgument(`${field} must be a string or a Uint8Array`);
}

/**
 * The smallest key greater than every key starting with `prefix` (etcd's GetPrefixRangeEnd);
 * [0x00] means "to the end of the keyspace" when the prefix is only 0xff bytes. The server has
 * the same rule; the client needs it to continue a prefix scan from the middle.
 */
export function prefixEnd(prefix: Uint8Array): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** The key right after `key` in byte order (key + 0x00): where the next page starts. */
export function keyAfter(key: Uint8Array): Buffer {
  const out = Buffer.alloc(key.length + 1);
  out.set(key, 0);
  return out;
}
