// On-disk framing of the log: segment headers and length-prefixed, checksummed records.
//
//   segment  = header(32) record*
//   header   = magic u32 | version u16 | reserved u16 | firstIndex u64 | prevTerm u64 | crc u32 | pad u32
//   record   = crc u32 | word u32 | payload      (all little-endian)
//   word     = type << 28 | payloadLength        (payload < 256 MiB)
//   crc      = CRC-32 of word + payload, so a damaged length is caught like damaged data.
//
// Record types: ENTRY (payload = msgpack [index, term, type, data, conf?]) and COMMIT (empty),
// written after the last entry of every write batch. Recovery uses COMMIT markers to tell a torn
// final batch (never acknowledged) from damage inside a batch that was followed by a later one,
// which was therefore fsynced and acknowledged (see recovery.ts).
import zlib from 'node:zlib';
import { Packr } from 'msgpackr';
import { binHeaderBytes, numberBytes, packedBytes, writeBin, writeNumber, writePacked } from '../common/msgpack-writer.js';
import type { Entry } from '../raft/types.js';

export const SEGMENT_HEADER_BYTES = 32;
export const RECORD_HEADER_BYTES = 8;
export const SEGMENT_MAGIC = 0x4c415752; // "RWAL" read as little-endian u32
export const SEGMENT_VERSION = 1;
export const RECORD_ENTRY = 1;
export const RECORD_COMMIT = 2;
/** Largest payload the 28-bit length field can express. */
export const MAX_RECORD_PAYLOAD_BYTES = 0x0fffffff;
/**
 * Bytes counted per entry on top of its data, for the tail cache's and `Wal.entries`' maxBytes
 * accounting (memory, not the wire: append messages are bounded by the Raft core's `entryBytes`).
 * Measured as the growth of the V8 heap and the ArrayBuffers after a full GC, 200,000 cached
 * puts of 0 B, 256 B and 4 KiB values: a leader's entry, whose data owns its ArrayBuffer, costs
 * 250 B beyond its data (268 B when the data is at most 64 B and V8 keeps it in the heap); a
 * follower's, whose data is a view into the received append batch, 198 B (the Entry and the view,
 * and its share of the batch's framing). test/wal/cache-memory.test.ts checks the bound. The count
 * was 48 B until 2026-12-07, which let a 32 MiB cache of 256 B values hold about 55 MiB.
 */
export const ENTRY_OVERHEAD_BYTES = 256;

const crcTable = buildCrcTable();

/** CRC-32 (IEEE, as zlib), incremental via `value`; uses zlib's native version when present. */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Table;

function crc32Table(data: Uint8Array, value = 0): number {
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

// One Packr for the process. Plain maps/arrays (no record structures) keep every record
// self-describing; copyBuffers stops decoded `data` from pinning a whole 64 MiB segment buffer.
const packr = new Packr({ useRecords: false, copyBuffers: true });

/** Size of an entry for cache and maxBytes accounting. */
export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/**
 * Encodes entries into records in one exact Buffer: each value is copied once, straight into it.
 * An entry's payload (msgpack [index, term, type, data, conf?]) is framed by the shared exact
 * writer (src/common/msgpack-writer.ts) byte for byte as msgpackr would frame it; msgpackr itself
 * encoded each payload into its own buffer, then into a reused scratch buffer and then into the
 * exact copy: three copies of every value (a 64 KiB put was written 3 times in memory before the
 * one write to disk).
 */
export class RecordEncoder {
  /** Encodes `entries` as consecutive ENTRY records into one new Buffer. */
  encodeEntries(entries: readonly Entry[]): Buffer {
    // A conf change the writer does not frame (none today: they are plain data) is packed by
    // msgpackr; its payload is kept so that each is encoded once.
    let packed: (Buffer | null)[] | null = null;
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      let len = directPayloadBytes(e);
      if (len < 0) {
        packed ??= new Array<Buffer | null>(entries.length).fill(null);
        const payload = packr.pack([e.index, e.term, e.type, e.data, e.conf]);
        packed[i] = Buffer.from(payload); // msgpackr reuses its buffer: keep our own copy
        len = payload.length;
      }
      if (len > MAX_RECORD_PAYLOAD_BYTES) throw new RangeError(`entry ${e.index} encodes to ${len} bytes, over the record limit`);
      total += RECORD_HEADER_BYTES + len;
    }
    const buf = Buffer.allocUnsafe(total);
    let pos = 0;
    for (let i = 0; i < entries.length; i++) {
      const start = pos;
      const own = packed?.[i] ?? null;
      if (own !== null) {
        buf.set(own, start + RECORD_HEADER_BYTES);
        pos = start + RECORD_HEADER_BYTES + own.length;
      } else {
        pos = writeDirectPayload(buf, start + RECORD_HEADER_BYTES, entries[i]!);
      }
      buf.writeUInt32LE(((RECORD_ENTRY << 28) | (pos - start - RECORD_HEADER_BYTES)) >>> 0, start + 4);
      buf.writeUInt32LE(crc32(buf.subarray(start + 4, pos)), start);
    }
    if (pos !== total) throw new Error(`WAL record encoder: sized ${total} bytes, wrote ${pos}`); // allocUnsafe: no stale bytes out
    return buf;
  }
}

/** The payload's size when framed here, or -1 when msgpackr must do it. */
function directPayloadBytes(e: Entry): number {
  let conf = 0;
  if (e.conf !== undefined) {
    conf = packedBytes(e.conf);
    if (conf < 0) return -1;
  }
  const n = e.data.byteLength;
  return 1 + numberBytes(e.index) + numberBytes(e.term) + numberBytes(e.type) + binHeaderBytes(n) + n + conf;
}

/** Writes msgpack [index, term, type, data, conf?] at `pos` (data as bin); returns the end. */
function writeDirectPayload(buf: Buffer, pos: number, e: Entry): number {
  buf[pos++] = e.conf === undefined ? 0x94 : 0x95; // fixarray of 4 or 5
  pos = writeNumber(buf, pos, e.index);
  pos = writeNumber(buf, pos, e.term);
  pos = writeNumber(buf, pos, e.type);
  pos = writeBin(buf, pos, e.data);
  return e.conf === undefined ? pos : writePacked(buf, pos, e.conf);
}

/** The COMMIT record closing every write batch (constant bytes: empty payload). */
export const COMMIT_RECORD: Buffer = (() => {
  const b = Buffer.alloc(RECORD_HEADER_BYTES);
  b.writeUInt32LE((RECORD_COMMIT << 28) >>> 0, 4);
  b.writeUInt32LE(crc32(b.subarray(4, 8)), 0);
  return b;
})();

/** A record header that checks out against the buffer, or the reason it does not. */
export type RecordCheck =
  | { ok: true; type: number; payloadStart: number; end: number }
  | { ok: false; reason: string };

/** Validates the record at `pos` in `buf` (bytes up to `limit`) without decoding its payload. */
export function checkRecord(buf: Buffer, pos: number, limit: number): RecordCheck {
  if (pos + RECORD_HEADER_BYTES > limit) return { ok: false, reason: 'incomplete record header' };
  const word = buf.readUInt32LE(pos + 4);
  const type = word >>> 28;
  const len = word & MAX_RECORD_PAYLOAD_BYTES;
  if (type !== RECORD_ENTRY && type !== RECORD_COMMIT) return { ok: false, reason: `unknown record type ${type}` };
  if (type === RECORD_COMMIT && len !== 0) return { ok: false, reason: 'commit record with payload' };
  const end = pos + RECORD_HEADER_BYTES + len;
  if (end > limit) return { ok: false, reason: `record length ${len} runs past end of file` };
  if (crc32(buf.subarray(pos + 4, end)) !== buf.readUInt32LE(pos)) return { ok: false, reason: 'CRC mismatch' };
  return { ok: true, type, payloadStart: pos + RECORD_HEADER_BYTES, end };
}

/** Decodes an ENTRY payload; returns null when it is not a well-formed entry. */
export function decodeEntry(payload: Buffer): Entry | null {
  let v: unknown;
  try {
    v = packr.unpack(payload);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length < 4 || v.length > 5) return null;
  const [index, term, type, data, conf] = v as [unknown, unknown, unknown, unknown, unknown];
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) return null;
  if ((type !== 0 && type !== 1) || !(data instanceof Uint8Array)) return null;
  const e: Entry = { index: index as number, term: term as number, type, data };
  if (v.length === 5) e.conf = conf as Entry['conf'];
  return e;
}

/** Identity of a segment, stored in its header. */
export interface SegmentHeader {
  firstIndex: number;
  /** Term of entry firstIndex-1, so term() still answers for it after older segments are gone. */
  prevTerm: number;
}

/** Encodes a segment header. */
export function encodeSegmentHeader(h: SegmentHeader): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32LE(SEGMENT_MAGIC, 0);
  b.writeUInt16LE(SEGMENT_VERSION, 4);
  b.writeBigUInt64LE(BigInt(h.firstIndex), 8);
  b.writeBigUInt64LE(BigInt(h.prevTerm), 16);
  b.writeUInt32LE(crc32(b.subarray(0, 24)), 24);
  return b;
}

/** Decodes a segment header, or returns the reason it is invalid. */
export function decodeSegmentHeader(b: Buffer): SegmentHeader | string {
  if (b.length < SEGMENT_HEADER_BYTES) return 'incomplete segment header';
  if (b.readUInt32LE(0) !== SEGMENT_MAGIC) return 'bad segment magic';
  if (crc32(b.subarray(0, 24)) !== b.readUInt32LE(24)) return 'segment header CRC mismatch';
  const version = b.readUInt16LE(4);
  if (version !== SEGMENT_VERSION) return `unsupported segment version ${version}`;
  const firstIndex = Number(b.readBigUInt64LE(8));
  const prevTerm = Number(b.readBigUInt64LE(16));
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 1 || !Number.isSafeInteger(prevTerm)) {
    return 'segment header out of range';
  }
  return { firstIndex, prevTerm };
}
