// Reading the log back at open: validate every record, cut a torn tail, refuse other damage.
//
// A torn tail is what a crash mid-batch leaves: the writer only starts batch N+1 after batch N's
// fdatasync returned, so at most the final batch can be partly on disk, in any page order.
// Damage at offset X in the last segment is therefore a torn tail unless the bytes after X hold a
// COMMIT record followed by another valid record: that is a later batch, so the batch around X
// was fsynced and acknowledged, and cutting at X would lose acknowledged entries. The same damage
// in the final batch itself is indistinguishable from a torn write; it is cut and reported.
import path from 'node:path';
import type { Disk } from '../disk/disk.js';
import type { Entry } from '../raft/types.js';
import { WalCorruptionError } from './errors.js';
import {
  RECORD_COMMIT,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  checkRecord,
  decodeEntry,
  decodeSegmentHeader,
} from './record.js';
import { Segment, dataEnd, listSegmentFiles, removeSegmentFile, segmentFileName } from './segment.js';

/** Something recovery changed on disk, for the caller to log. */
export interface WalRepair {
  file: string;
  offset: number;
  action: 'truncated' | 'deleted' | 'ignored' | 'adjusted';
  reason: string;
  droppedBytes: number;
}

/** The log as found on disk. */
export interface ScanResult {
  segments: Segment[];
  repairs: WalRepair[];
}

/** Called for every valid entry in log order during a scan. */
export type EntryVisitor = (e: Entry, segment: Segment, offset: number) => void;

/** `structural` damage (a gap, a misnamed file) can never be explained by a torn write. */
type Damage = { offset: number; reason: string; structural?: boolean };

/**
 * Scans every segment in `dir`. A torn tail is cut (and reported); other damage throws
 * WalCorruptionError, or with `repair` is cut too, dropping everything after it.
 */
export async function scanLog(disk: Disk, dir: string, visit: EntryVisitor, repair = false): Promise<ScanResult> {
  const names = await listSegmentFiles(disk, dir);
  const segments: Segment[] = [];
  const repairs: WalRepair[] = [];
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    const file = path.join(dir, name);
    const buf = await disk.readFile(file);
    const isLast = k === names.length - 1;
    const expectedFirst = segments.length > 0 ? segments[segments.length - 1]!.lastIndex + 1 : null;
    const { segment, damage } = scanSegment(dir, name, buf, expectedFirst, visit);
    if (damage === null) {
      segments.push(segment!);
      continue;
    }
    const torn = isLast && !damage.structural && !laterBatchAfter(buf, Math.max(damage.offset, SEGMENT_HEADER_BYTES - 1));
    if (!torn && !repair) throw new WalCorruptionError(file, damage.offset, damage.reason);
    const reason = torn ? `torn tail: ${damage.reason}` : `operator repair: ${damage.reason}`;
    // Everything after damage that is not a torn tail is unreachable once cut: drop it newest
    // first, then the damage, so a crash midway still leaves a contiguous log.
    for (let j = names.length - 1; j > k; j--) {
      const later = path.join(dir, names[j]!);
      const sizeBytes = await disk.sizeBytes(later);
      await removeSegmentFile(disk, later);
      repairs.push({ file: later, offset: 0, action: 'deleted', reason: `follows damage in ${name}`, droppedBytes: sizeBytes });
    }
    if (segment !== null && damage.offset >= SEGMENT_HEADER_BYTES) {
      await cutFile(disk, file, damage.offset);
      repairs.push({ file, offset: damage.offset, action: 'truncated', reason, droppedBytes: Math.max(0, dataEnd(buf) - damage.offset) });
      segments.push(segment);
    } else {
      await removeSegmentFile(disk, file);
      repairs.push({ file, offset: 0, action: 'deleted', reason, droppedBytes: buf.length });
    }
    break;
  }
  return { segments, repairs };
}

/** Validates one segment buffer; `segment` is null when its header is unusable. */
function scanSegment(
  dir: string,
  name: string,
  buf: Buffer,
  expectedFirst: number | null,
  visit: EntryVisitor,
): { segment: Segment | null; damage: Damage | null } {
  const header = decodeSegmentHeader(buf.subarray(0, SEGMENT_HEADER_BYTES));
  if (typeof header === 'string') return { segment: null, damage: { offset: 0, reason: header } };
  if (segmentFileName(header.firstIndex) !== name) {
    const reason = `header says first index ${header.firstIndex}`;
    return { segment: null, damage: { offset: 0, reason, structural: true } };
  }
  if (expectedFirst !== null && header.firstIndex !== expectedFirst) {
    const reason = `gap in the log: expected first index ${expectedFirst}, found ${header.firstIndex}`;
    return { segment: null, damage: { offset: 0, reason, structural: true } };
  }
  const segment = new Segment(dir, header);
  let pos = SEGMENT_HEADER_BYTES;
  // Preallocated segments end in zeros: the data ends at the last non-zero byte. A zero record
  // header is never valid, so zeros followed by more data still fail as damage below.
  const end = dataEnd(buf);
  while (pos < end) {
    const r = checkRecord(buf, pos, buf.length);
    if (!r.ok) return { segment, damage: { offset: pos, reason: r.reason } };
    if (r.type !== RECORD_COMMIT) {
      const e = decodeEntry(buf.subarray(r.payloadStart, r.end));
      const expected = segment.lastIndex + 1;
      if (e === null) return { segment, damage: { offset: pos, reason: 'undecodable entry', structural: true } };
      if (e.index !== expected) {
        const reason = `entry index ${e.index}, expected ${expected}`;
        return { segment, damage: { offset: pos, reason, structural: true } };
      }
      segment.pushEntry(pos);
      segment.sizeBytes = r.end;
      visit(e, segment, pos);
    } else {
      segment.sizeBytes = r.end;
    }
    pos = r.end;
  }
  return { segment, damage: null };
}

/**
 * True when the bytes after `from` prove a later batch was written: a valid COMMIT followed by
 * another valid record. Resynchronises byte by byte because the damaged length cannot be trusted.
 */
export function laterBatchAfter(buf: Buffer, from: number): boolean {
  let pos = from + 1;
  let sawCommit = false;
  const end = dataEnd(buf); // no record starts in the zeros of a preallocated rest
  while (pos < end && pos + RECORD_HEADER_BYTES <= buf.length) {
    const r = checkRecord(buf, pos, buf.length);
    if (!r.ok) {
      pos++;
      continue;
    }
    if (sawCommit) return true;
    if (r.type === RECORD_COMMIT) sawCommit = true;
    pos = r.end;
  }
  return false;
}

async function cutFile(disk: Disk, file: string, offset: number): Promise<void> {
  const fh = await disk.open(file, { write: true });
  try {
    await fh.truncate(offset);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
