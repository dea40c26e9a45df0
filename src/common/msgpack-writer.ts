// Exact msgpack framing: values written byte for byte as msgpackr 2.x packs them with
// `useRecords: false` and otherwise default packing options (no bundleStrings, structuredClone,
// variableMapSize, useFloat32 or moreTypes), into one buffer of the exact size. The WAL, the
// state machine's records and commands, and the peer messages all use it, so old data and
// mixed-version peers read the same bytes as before.
//
// Why not msgpackr's own pack: it writes into a shared buffer and, when a value does not fit in
// what is left, allocates a bigger one (4× the encoding so far, outside Node's pool) and copies
// into it; `pack` then returns a view of that buffer. For 4–64 KiB values that costs tens of µs
// per call (a 4 KiB put paid it four times on the leader: command, kv record, watch record and
// once per follower; docs/performance.md). Here a first pass sizes the value, a second writes it:
// each byte array is copied once.
//
// msgpackr's choices matched here (and pinned by test/common/msgpack-writer.test.ts):
// - a plain object is always a map16 (0xde + u16 count), even when a fixmap would do; its keys
//   are its own enumerable ones, in for-in order;
// - an integer in [0, 2^32) is a fixint (below 0x80), uint8, uint16 or uint32; one in
//   [-2^31, 0) is a negative fixint, int8, int16 or int32; any other number is a float64;
// - `undefined` is fixext1 type 0 data 0 (d4 00 00);
// - a string shorter than 64 UTF-16 units is encoded by msgpackr's own loop (a lone surrogate
//   becomes its 3-byte WTF-8 form), a longer one by Buffer's UTF-8 (a lone surrogate becomes
//   U+FFFD); both are 3 bytes, so Buffer.byteLength gives the length either way.
// Anything else (Map, Date, bigint, class instances, typed arrays other than bytes) is not framed
// here: packedBytes returns -1 and the caller packs the value with msgpackr.

/** Bytes of msgpack's framing of number `n`, as msgpackr frames it. */
export function numberBytes(n: number): number {
  if (n >>> 0 === n) return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  if (n >> 0 === n) return n >= -0x20 ? 1 : n >= -0x80 ? 2 : n >= -0x8000 ? 3 : 5;
  return 9;
}

/** Writes number `n` at `pos` as msgpackr frames it; returns the end. */
export function writeNumber(buf: Buffer, pos: number, n: number): number {
  if (n >>> 0 === n) {
    if (n < 0x80) {
      buf[pos] = n;
      return pos + 1;
    }
    if (n < 0x100) {
      buf[pos] = 0xcc;
      buf[pos + 1] = n;
      return pos + 2;
    }
    if (n < 0x10000) {
      buf[pos] = 0xcd;
      buf.writeUInt16BE(n, pos + 1);
      return pos + 3;
    }
    buf[pos] = 0xce;
    buf.writeUInt32BE(n, pos + 1);
    return pos + 5;
  }
  if (n >> 0 === n) {
    if (n >= -0x20) {
      buf[pos] = 0x100 + n;
      return pos + 1;
    }
    if (n >= -0x80) {
      buf[pos] = 0xd0;
      buf[pos + 1] = 0x100 + n;
      return pos + 2;
    }
    if (n >= -0x8000) {
      buf[pos] = 0xd1;
      buf.writeInt16BE(n, pos + 1);
      return pos + 3;
    }
    buf[pos] = 0xd2;
    buf.writeInt32BE(n, pos + 1);
    return pos + 5;
  }
  buf[pos] = 0xcb;
  buf.writeDoubleBE(n, pos + 1);
  return pos + 9;
}

/** Bytes of a bin header for `length` bytes. */
export function binHeaderBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** Bytes of `bytes` framed as bin, header included. */
export function binBytes(bytes: Uint8Array): number {
  return binHeaderBytes(bytes.byteLength) + bytes.byteLength;
}

/** Writes `bytes` as msgpack bin (8, 16 or 32) at `pos`; returns the end. */
export function writeBin(buf: Buffer, pos: number, bytes: Uint8Array): number {
  const n = bytes.byteLength;
  if (n < 0x100) {
    buf[pos] = 0xc4;
    buf[pos + 1] = n;
    pos += 2;
  } else if (n < 0x10000) {
    buf[pos] = 0xc5;
    buf.writeUInt16BE(n, pos + 1);
    pos += 3;
  } else {
    buf[pos] = 0xc6;
    buf.writeUInt32BE(n, pos + 1);
    pos += 5;
  }
  buf.set(bytes, pos);
  return pos + n;
}

/** Bytes of an array header for `length` items. */
export function arrayHeaderBytes(length: number): number {
  return length < 0x10 ? 1 : length < 0x10000 ? 3 : 5;
}

/** Writes an array header for `length` items at `pos`; returns the end. */
export function writeArrayHeader(buf: Buffer, pos: number, length: number): number {
  if (length < 0x10) {
    buf[pos] = 0x90 | length;
    return pos + 1;
  }
  if (length < 0x10000) {
    buf[pos] = 0xdc;
    buf.writeUInt16BE(length, pos + 1);
    return pos + 3;
  }
  buf[pos] = 0xdd;
  buf.writeUInt32BE(length, pos + 1);
  return pos + 5;
}

/** Bytes of a plain object's map header: msgpackr always writes a map16. */
export const MAP_HEADER_BYTES = 3;

/** Writes a map16 header for `count` keys at `pos`; returns the end. */
export function writeMapHeader(buf: Buffer, pos: number, count: number): number {
  buf[pos] = 0xde;
  buf.writeUInt16BE(count, pos + 1);
  return pos + 3;
}

/** UTF-8 bytes of `s` as msgpackr writes it (a lone surrogate takes 3 bytes either way). */
function utf8Bytes(s: string): number {
  if (s.length >= 0x40) return Buffer.byteLength(s, 'utf8');
  // Short strings (map keys, mostly) are counted here: cheaper than a call into Buffer.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes of string `s` with its header. */
export function stringBytes(s: string): number {
  const n = utf8Bytes(s);
  return (n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5) + n;
}

/** Writes string `s` at `pos` (str header + UTF-8 as msgpackr writes it); returns the end. */
export function writeString(buf: Buffer, pos: number, s: string): number {
  const n = utf8Bytes(s);
  if (n < 0x20) {
    buf[pos++] = 0xa0 | n;
  } else if (n < 0x100) {
    buf[pos++] = 0xd9;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos] = 0xda;
    buf.writeUInt16BE(n, pos + 1);
    pos += 3;
  } else {
    buf[pos] = 0xdb;
    buf.writeUInt32BE(n, pos + 1);
    pos += 5;
  }
  if (s.length < 0x40) return writeShortUtf8(buf, pos, s);
  buf.write(s, pos, n, 'utf8');
  return pos + n;
}

/** msgpackr's own UTF-8 loop for strings under 64 units: lone surrogates keep their WTF-8 bytes. */
function writeShortUtf8(buf: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    let c1 = s.charCodeAt(i);
    let c2: number;
    if (c1 < 0x80) {
      buf[pos++] = c1;
    } else if (c1 < 0x800) {
      buf[pos++] = (c1 >> 6) | 0xc0;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      buf[pos++] = (c1 >> 18) | 0xf0;
      buf[pos++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[pos++] = (c1 >> 12) | 0xe0;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    }
  }
  return pos;
}

/** Whether `v` is bytes msgpackr writes as bin: a Buffer or a plain Uint8Array. */
function isBytes(v: object): v is Uint8Array {
  return v instanceof Uint8Array && (v.constructor === Buffer || v.constructor === Uint8Array);
}

const objectHasOwn = Object.prototype.hasOwnProperty;

/**
 * The keys of an object are the same few names again and again (a command's, a message's, an
 * entry's): their framing (str header and UTF-8) is kept here once computed. Bounded: names past
 * the bound or longer than a fixstr are framed each time.
 */
const keyCache = new Map<string, Uint8Array>();
const KEY_CACHE_MAX = 256;

/** `key` framed as a msgpack string. */
function framedKey(key: string): Uint8Array {
  let framed = keyCache.get(key);
  if (framed !== undefined) return framed;
  const b = Buffer.allocUnsafe(stringBytes(key));
  writeString(b, 0, key);
  framed = new Uint8Array(b); // its own memory, not a view of Node's shared pool
  if (keyCache.size < KEY_CACHE_MAX && framed.length <= 32) keyCache.set(key, framed);
  return framed;
}

function writeKey(buf: Buffer, pos: number, key: string): number {
  const framed = framedKey(key);
  for (let i = 0; i < framed.length; i++) buf[pos + i] = framed[i]!; // a few bytes: cheaper than set()
  return pos + framed.length;
}

/** Bytes of `value` framed as msgpackr frames it, or -1 when it is not framed here. */
export function packedBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return numberBytes(value);
    case 'string':
      return stringBytes(value);
    case 'boolean':
      return 1;
    case 'undefined':
      return 3;
    case 'object': {
      if (value === null) return 1;
      const c = value.constructor;
      if (c === Object) return objectBytes(value as Record<string, unknown>);
      if (c === Array) return arrayBytes(value as unknown[]);
      if (isBytes(value)) return binBytes(value);
      return -1;
    }
    default:
      return -1;
  }
}

function objectBytes(o: Record<string, unknown>): number {
  // msgpackr takes the keys `for in` gives that o.hasOwnProperty(key) accepts (all of them when
  // o.hasOwnProperty is not a function): an object that shadows hasOwnProperty is left to it.
  if (o.hasOwnProperty !== objectHasOwn) return -1;
  let total = MAP_HEADER_BYTES;
  let count = 0;
  for (const key in o) {
    if (!objectHasOwn.call(o, key)) continue;
    const v = packedBytes(o[key]);
    if (v < 0) return -1;
    total += framedKey(key).length + v;
    count++;
  }
  return count > 0xffff ? -1 : total; // msgpackr refuses such objects: let it say so
}

function arrayBytes(a: unknown[]): number {
  let total = arrayHeaderBytes(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = packedBytes(a[i]);
    if (v < 0) return -1;
    total += v;
  }
  return total;
}

/** Writes `value` at `pos`; `value` must be one packedBytes sized (>= 0). Returns the end. */
export function writePacked(buf: Buffer, pos: number, value: unknown): number {
  switch (typeof value) {
    case 'number':
      return writeNumber(buf, pos, value);
    case 'string':
      return writeString(buf, pos, value);
    case 'boolean':
      buf[pos] = value ? 0xc3 : 0xc2;
      return pos + 1;
    case 'undefined':
      buf[pos] = 0xd4;
      buf[pos + 1] = 0;
      buf[pos + 2] = 0;
      return pos + 3;
    case 'object': {
      if (value === null) {
        buf[pos] = 0xc0;
        return pos + 1;
      }
      const c = value.constructor;
      if (c === Object) return writeObject(buf, pos, value as Record<string, unknown>);
      if (c === Array) {
        const a = value as unknown[];
        pos = writeArrayHeader(buf, pos, a.length);
        for (let i = 0; i < a.length; i++) pos = writePacked(buf, pos, a[i]);
        return pos;
      }
      if (isBytes(value)) return writeBin(buf, pos, value);
      break;
    }
  }
  throw new TypeError(`msgpack-writer: cannot frame a ${typeof value}; size it with packedBytes first`);
}

function writeObject(buf: Buffer, pos: number, o: Record<string, unknown>): number {
  const header = pos;
  pos += MAP_HEADER_BYTES;
  let count = 0;
  for (const key in o) {
    if (!objectHasOwn.call(o, key)) continue;
    pos = writeKey(buf, pos, key);
    pos = writePacked(buf, pos, o[key]);
    count++;
  }
  writeMapHeader(buf, header, count);
  return pos;
}

/** Outputs up to a quarter of a slab are cut from a shared slab (as Node's pool does under 4 KiB). */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/**
 * `bytes` of memory for one output. Node's pool serves only requests under 4 KiB: above that each
 * Buffer is an ArrayBuffer of its own, whose allocation and collection cost more than packing a
 * 4 KiB value (test: npm run bench:encoding). Cutting outputs from a slab keeps that cost per slab;
 * an output kept alive keeps its slab alive, as msgpackr's views keep its buffers.
 */
export function allocOutput(bytes: number): Buffer {
  if (bytes > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(bytes);
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + bytes);
  slabUsed = (slabUsed + bytes + 7) & ~7; // 8-byte aligned, as Node's pool
  return out;
}

/**
 * `value` packed into a Buffer of its exact size, or null when it is not framed here (the caller
 * then packs it with msgpackr). The Buffer is the caller's own: nothing else writes to it; with
 * `own` its memory is its own too (not cut from the shared slab).
 */
export function packExact(value: unknown, own = false): Buffer | null {
  const total = packedBytes(value);
  if (total < 0) return null;
  // `own`: an ArrayBuffer of exactly these bytes, for an output kept long (a Raft entry), which
  // cut from the shared slab would keep the slab and the transient outputs beside it alive.
  const buf = own ? Buffer.allocUnsafeSlow(total) : allocOutput(total);
  const end = writePacked(buf, 0, value);
  // Buffer.allocUnsafe leaves old memory in place: a size pass that disagreed with the write pass
  // would hand out stale bytes, so the two must agree exactly.
  if (end !== total) throw new Error(`msgpack-writer: sized ${total} bytes, wrote ${end}`);
  return buf;
}
