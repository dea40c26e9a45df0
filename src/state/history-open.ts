// What HistoryLog.open keeps of a state directory's segment files after a crash or a power cut
// (why the files can be torn, or ahead of or behind the state: the header of history-log.ts):
// the records that lead without a gap to the state's revision, and nothing else, durably.
import { join } from 'node:path';
import { RECORD_HEADER_BYTES, SEGMENT_NAME, TEMP_SUFFIX, neededBytes, parseRecord, wholeRecordIn } from './history-records.js';
import { READ_CHUNK_BYTES, type Segment, lastOf, removeSegment } from './history-segment.js';
import type { AppendFile, StateFs } from './state-fs.js';

/** The segments open() keeps, in order of their first revision, and the records it cut. */
export interface RecoveredSegments {
  segments: Segment[];
  /** As OpenedHistory.cutRecords (history-log.ts). */
  cutRecords: number;
}

/**
 * Opens the segments of `dir`, cuts and removes what does not lead without a gap to
 * `lastRevision` (the state's revision) and makes those cuts durable; the segments returned are
 * open, hold the revisions [their first, lastRevision], and are the caller's to close.
 */
export async function recoverSegments(fs: StateFs, dir: string, lastRevision: number): Promise<RecoveredSegments> {
  const all = await fs.readdir(dir);
  for (const n of all) if (n.endsWith(`.hist${TEMP_SUFFIX}`)) await fs.rm(join(dir, n));
  const names = all.filter((n) => SEGMENT_NAME.test(n)).sort();
  let cutRecords = 0;
  const found: Segment[] = [];
  const kept: Segment[] = [];
  try {
    for (const name of names) {
      const first = Number(SEGMENT_NAME.exec(name)![1]);
      const path = join(dir, name);
      const file = await fs.openAppendFile(path);
      // What an earlier life appended may still be unsynced (a crash leaves it in the page cache).
      const segment: Segment = { first, path, file, offsets: [], releasedAt: 0, syncedBytes: 0 };
      found.push(segment);
      const scan = await scanSegment(segment);
      if (scan.validBytes < file.size) {
        // A torn append (a crash or a full disk) or corruption: the records from there are cut.
        cutRecords++;
        await cut(file, scan.validBytes);
      }
    }
    // Keep the run that chains without a gap up to the last record, then cut it at lastRevision.
    let start = found.length - 1;
    while (start > 0 && lastOf(found[start - 1]!) + 1 === found[start]!.first && found[start - 1]!.offsets.length > 0) start--;
    for (const s of found.splice(0, Math.max(0, start))) cutRecords += await removeSegment(fs, s);
    while (found.length > 0 && found[found.length - 1]!.first > lastRevision) cutRecords += await removeSegment(fs, found.pop()!);
    const tail = found[found.length - 1];
    if (tail && lastOf(tail) > lastRevision) {
      const keep = lastRevision - tail.first + 1;
      cutRecords += tail.offsets.length - keep;
      await cut(tail.file, tail.offsets[keep]!);
      tail.offsets.length = keep;
    }
    if (!tail || lastOf(tail) < lastRevision) {
      // The records do not reach the state: the history restarts after it.
      for (const s of found.splice(0)) cutRecords += await removeSegment(fs, s);
    }
    for (const s of found.splice(0)) {
      if (s.offsets.length === 0) cutRecords += await removeSegment(fs, s);
      else kept.push(s);
    }
    // Removals must be durable before anything is appended: a segment that came back after a
    // power cut would hold records past the state (of a write this node applied and lost).
    if (kept.length < names.length) await fs.sync(dir);
  } catch (err) {
    for (const s of [...found, ...kept]) await s.file.close().catch(() => undefined);
    throw err;
  }
  return { segments: kept, cutRecords };
}

/**
 * Truncates and syncs: records past the state that came back after a power cut could be taken
 * for the different records of the same revisions that this node applies next.
 */
async function cut(file: AppendFile, length: number): Promise<void> {
  await file.truncate(length);
  await file.sync();
}

/**
 * Reads a segment from the start and records each valid record's offset (consecutive revisions
 * from its first); stops at the first torn, corrupt or out-of-sequence record.
 */
async function scanSegment(s: Segment): Promise<{ validBytes: number }> {
  let pos = 0;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkAt = 0;
  while (pos < s.file.size) {
    if (!wholeRecordIn(chunk, pos - chunkAt)) {
      chunk = await s.file.read(pos, READ_CHUNK_BYTES);
      chunkAt = pos;
      // A record larger than a chunk: read it whole (its length, if corrupt, is capped by the file's).
      const needed = neededBytes(chunk, 0);
      if (needed > chunk.byteLength) chunk = await s.file.read(pos, needed);
    }
    const record = parseRecord(chunk, pos - chunkAt);
    if (!record || record.revision !== s.first + s.offsets.length) break;
    s.offsets.push(pos);
    pos += RECORD_HEADER_BYTES + record.body.byteLength;
  }
  return { validBytes: pos };
}
