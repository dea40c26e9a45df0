// The watch history's on-disk format: the names of its segment files and the records in them.
//
// Record: [u32 body length][u32 crc32 of the rest][u64 revision][body], big-endian; the body is
// the msgpack record of watch-log.ts. Segment `watch-<first revision, 20 digits>.hist` holds
// consecutive revisions from its first.
import { crc32 } from 'node:zlib';

/** Bytes before a record's body: length, crc32, revision. */
export const RECORD_HEADER_BYTES = 16;
/** A segment's file name; its capture is the segment's first revision. */
export const SEGMENT_NAME = /^watch-(\d{20})\.hist$/;
/** A segment being written by defragment() until it is renamed: one left at open is removed. */
export const TEMP_SUFFIX = '.tmp';

/** One revision's record as stored. */
export interface HistoryRecord {
  revision: number;
  body: Uint8Array;
}

/** The name of the segment whose first revision is `first`. */
export function segmentName(first: number): string {
  return `watch-${String(first).padStart(20, '0')}.hist`;
}

/** Fills `header` (RECORD_HEADER_BYTES long, every byte written) for the record of `revision`. */
export function writeRecordHeader(header: Buffer, revision: number, body: Uint8Array): void {
  header.writeUInt32BE(body.byteLength, 0);
  header.writeUInt32BE(Math.floor(revision / 2 ** 32), 8);
  header.writeUInt32BE(revision >>> 0, 12);
  header.writeUInt32BE(crc32(body, crc32(header.subarray(8, 16))), 4);
}

/** The record at `pos` of `bytes`, or null if it is cut short or does not match its crc. */
export function parseRecord(bytes: Buffer, pos: number): HistoryRecord | null {
  if (pos + RECORD_HEADER_BYTES > bytes.byteLength) return null;
  const length = bytes.readUInt32BE(pos);
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return null;
  const body = bytes.subarray(pos + RECORD_HEADER_BYTES, end);
  if (crc32(body, crc32(bytes.subarray(pos + 8, pos + 16))) !== bytes.readUInt32BE(pos + 4)) return null;
  const revision = bytes.readUInt32BE(pos + 8) * 2 ** 32 + bytes.readUInt32BE(pos + 12);
  return { revision, body };
}

/** Whether `bytes` holds the whole record at `at` (as its header's length says). */
export function wholeRecordIn(bytes: Buffer, at: number): boolean {
  if (at < 0 || at + RECORD_HEADER_BYTES > bytes.byteLength) return false;
  return at + RECORD_HEADER_BYTES + bytes.readUInt32BE(at) <= bytes.byteLength;
}

/** Bytes needed from `at` to hold the record there, if its header is in `bytes`. */
export function neededBytes(bytes: Buffer, at: number): number {
  if (at < 0 || at + RECORD_HEADER_BYTES > bytes.byteLength) return RECORD_HEADER_BYTES;
  return RECORD_HEADER_BYTES + bytes.readUInt32BE(at);
}
