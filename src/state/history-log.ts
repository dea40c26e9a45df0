// The node-local watch history on disk: one record per revision, appended to segment files in the
// state directory beside LevelDB's own files, and dropped a whole segment at a time.
//
// Why not LevelDB: every record would be written to LevelDB's log, flushed into a table and then
// rewritten by compactions, level after level, together with the live keys; and every dropped
// revision would be a tombstone to merge. Measured with 4 KiB overwrites (docs/performance.md),
// LevelDB's compaction thread spent about half of a put's CPU, mostly on history records. Here a
// record is written once, sequentially, and a dropped segment is one unlink.
//
// Record: [u32 body length][u32 crc32 of the rest][u64 revision][body], big-endian; the body is
// the msgpack record of watch-log.ts. Segment `watch-<first revision, 20 digits>.hist` holds
// consecutive revisions from its first.
//
// Crash safety without a shared transaction with LevelDB: a batch's records are appended before
// LevelDB writes the batch, so a process crash leaves the files at or ahead of the state record;
// open() cuts a torn or corrupt record and what follows, and the records past the state's
// revision (the replay of the Raft log appends them again). A power cut can lose a tail that
// LevelDB kept (neither is synced unless syncWrites): the history then restarts after the state's
// revision, which watches see as a compaction. The history is node-local and bounded; the data
// it describes is in LevelDB and the Raft log.
//
// Readers and dropping: a reader pins the history before it reads the state record that tells it
// which revisions exist (StateMachine.atSnapshot). Dropping is logical first (the state record's
// firstWatchRevision, written by LevelDB); a segment whose revisions are all dropped is unlinked
// once no reader pinned before its drop is still reading.
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { AppendFile, StateFs } from './state-fs.js';
import { StateInvariantError } from './errors.js';

/** Bytes before a record's body: length, crc32, revision. */
export const RECORD_HEADER_BYTES = 16;
/** Most bytes one read of the files asks for (at least one whole record). */
const READ_CHUNK_BYTES = 1024 * 1024;
const SEGMENT_NAME = /^watch-(\d{20})\.hist$/;
/** A segment being written by defragment() until it is renamed: one left at open is removed. */
const TEMP_SUFFIX = '.tmp';

/** One revision's record as stored. */
export interface HistoryRecord {
  revision: number;
  body: Uint8Array;
}

/** The name of the segment whose first revision is `first`. */
export function segmentName(first: number): string {
  return `watch-${String(first).padStart(20, '0')}.hist`;
}

interface Segment {
  first: number;
  path: string;
  file: AppendFile;
  /** Offset of each record, the record of revision first + i at offsets[i]. */
  offsets: number[];
  /** The epoch at which every revision of it was dropped (not yet unlinked); 0 while live. */
  releasedAt: number;
  /** Bytes known durable (synced by this instance); sync() syncs the live segments past it. */
  syncedBytes: number;
}

/** What open() found, for the caller to reconcile with the state record. */
export interface OpenedHistory {
  log: HistoryLog;
  /** Records cut at open: a torn or corrupt tail, or past the state's revision. */
  cutRecords: number;
}

/** The watch history's segment files of one state directory. */
export class HistoryLog {
  private segments: Segment[] = [];
  private nextRevision: number;
  private epoch = 1;
  /** Readers in progress by the epoch they pinned at (insertion order is epoch order). */
  private readonly readers = new Map<number, number>();
  private unlinking: Promise<void> = Promise.resolve();
  /** Appends and defragment() one at a time: both write the segment being appended to. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly fs: StateFs,
    private readonly dir: string,
    private readonly segmentBytes: number,
    next: number,
  ) {
    this.nextRevision = next;
  }

  /**
   * Opens the segments of `dir` and keeps the records that lead without a gap to `lastRevision`
   * (the state's revision): a torn or corrupt record cuts the segment there and the segments
   * before it go too; records past `lastRevision` are cut. The result holds the revisions
   * [firstRevision, lastRevision], or none (firstRevision = lastRevision + 1) if they do not reach it.
   */
  static async open(fs: StateFs, dir: string, lastRevision: number, segmentBytes: number): Promise<OpenedHistory> {
    const log = new HistoryLog(fs, dir, segmentBytes, lastRevision + 1);
    const all = await fs.readdir(dir);
    for (const n of all) if (n.endsWith(`.hist${TEMP_SUFFIX}`)) await fs.rm(join(dir, n));
    const names = all.filter((n) => SEGMENT_NAME.test(n)).sort();
    let cutRecords = 0;
    const found: Segment[] = [];
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
      for (const s of found.splice(0, Math.max(0, start))) cutRecords += await log.remove(s);
      while (found.length > 0 && found[found.length - 1]!.first > lastRevision) cutRecords += await log.remove(found.pop()!);
      const tail = found[found.length - 1];
      if (tail && lastOf(tail) > lastRevision) {
        const keep = lastRevision - tail.first + 1;
        cutRecords += tail.offsets.length - keep;
        await cut(tail.file, tail.offsets[keep]!);
        tail.offsets.length = keep;
      }
      if (!tail || lastOf(tail) < lastRevision) {
        // The records do not reach the state: the history restarts after it.
        for (const s of found.splice(0)) cutRecords += await log.remove(s);
      }
      for (const s of found.splice(0)) {
        if (s.offsets.length === 0) cutRecords += await log.remove(s);
        else log.segments.push(s);
      }
      // Removals must be durable before anything is appended: a segment that came back after a
      // power cut would hold records past the state (of a write this node applied and lost).
      if (log.segments.length < names.length) await fs.sync(dir);
    } catch (err) {
      for (const s of found) await s.file.close().catch(() => undefined);
      await log.close();
      throw err;
    }
    return { log, cutRecords };
  }

  /** The oldest revision held (next when empty). */
  get firstRevision(): number {
    const live = this.segments.find((s) => s.releasedAt === 0);
    return live?.first ?? this.nextRevision;
  }

  /** The revision the next append must start with. */
  get next(): number {
    return this.nextRevision;
  }

  /** Bytes of the segment files (records and headers), unlinked ones not counted. */
  get fileBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.file.size;
    return n;
  }

  /** Segment files held (released ones waiting for readers included). */
  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends the records (consecutive revisions from next) in one write, first starting a new
   * segment if the current one is full. An error leaves the instance unusable: reopen it.
   */
  append(records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.serialized(() => this.appendNow(records));
  }

  private async appendNow(records: readonly HistoryRecord[]): Promise<void> {
    if (records[0]!.revision !== this.nextRevision) throw new StateInvariantError(`watch history record ${records[0]!.revision} appended after ${this.nextRevision - 1}`);
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.releasedAt !== 0 || segment.file.size >= this.segmentBytes) segment = await this.startSegment(this.nextRevision);
    // Every header of the batch in one allocation (as the WAL frames a batch): one Buffer per
    // record was an allocation per revision on the apply path. Each header is written in full.
    const headers = Buffer.allocUnsafe(RECORD_HEADER_BYTES * records.length);
    const chunks: Uint8Array[] = [];
    let offset = segment.file.size;
    const offsets: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.revision !== this.nextRevision + i) throw new StateInvariantError(`watch history record ${r.revision} appended out of order`);
      const header = headers.subarray(i * RECORD_HEADER_BYTES, (i + 1) * RECORD_HEADER_BYTES);
      writeRecordHeader(header, r.revision, r.body);
      chunks.push(header, r.body);
      offsets.push(offset);
      offset += RECORD_HEADER_BYTES + r.body.byteLength;
    }
    await segment.file.append(chunks);
    for (const o of offsets) segment.offsets.push(o);
    this.nextRevision += records.length;
  }

  /**
   * Gives back the space of dropped records (revisions below `first`) in the segment being
   * appended to, which release() keeps: its records from `first` on are copied into a new segment
   * and the old one released. A defragment calls it after a compact; returns whether it copied.
   */
  defragment(first: number): Promise<boolean> {
    return this.serialized(async () => {
      const s = this.segments[this.segments.length - 1];
      if (!s || s.releasedAt !== 0 || s.offsets.length === 0 || first <= s.first) return false;
      if (first > lastOf(s)) {
        this.markReleased([s]);
        return true;
      }
      // Written under a temporary name and renamed once whole: a crash midway leaves the original.
      const from = s.offsets[first - s.first]!;
      const path = join(this.dir, segmentName(first));
      const file = await this.fs.openAppendFile(`${path}${TEMP_SUFFIX}`);
      const copy: Segment = { first, path, file, offsets: [], releasedAt: 0, syncedBytes: 0 };
      try {
        if (file.size !== 0) await file.truncate(0);
        for (let at = from; at < s.file.size; at += READ_CHUNK_BYTES) {
          const bytes = await s.file.read(at, Math.min(READ_CHUNK_BYTES, s.file.size - at));
          await file.append([bytes]);
        }
        await file.sync();
        copy.syncedBytes = file.size;
        await this.fs.rename(`${path}${TEMP_SUFFIX}`, path);
        await this.fs.sync(this.dir);
      } catch (err) {
        await file.close().catch(() => undefined);
        await this.fs.rm(`${path}${TEMP_SUFFIX}`).catch(() => undefined);
        throw err;
      }
      for (let i = first - s.first; i < s.offsets.length; i++) copy.offsets.push(s.offsets[i]! - from);
      this.segments.push(copy);
      this.markReleased([s]);
      return true;
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * fsync every live segment appended to since its last sync (with syncWrites it runs before
   * each apply's synced LevelDB batch, and finds only the current one unsynced). Not only the
   * current one: without syncWrites, the segments filled since the last sync hold unsynced
   * records too; a power cut that took them would leave a gap, and the history would lose every
   * revision before the current segment although StateMachine.sync() had returned (and the WAL
   * had been compacted after it).
   */
  async sync(): Promise<void> {
    // No copy of the list on the apply path (syncWrites): an unlink replaces this.segments by a new array.
    const segments = this.segments;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      // A dropped one's records are not needed; checked just before its fsync (a released one may be closed).
      if (s.releasedAt !== 0 || s.file.size <= s.syncedBytes) continue;
      const size = s.file.size;
      try {
        await s.file.sync();
      } catch (err) {
        // Released and closed while the fsync ran (the driver's compaction syncs beside the
        // applies that drop segments): its records are no longer needed.
        if (s.releasedAt !== 0) continue;
        throw err;
      }
      // An append during the fsync may not be in it: only what was there before counts.
      s.syncedBytes = Math.max(s.syncedBytes, size);
    }
  }

  /**
   * The records of revisions [from, to], in order, read a chunk of the files at a time. The
   * caller pins (pin()) before it learns that these revisions exist, and unpins after.
   */
  async *read(from: number, to: number): AsyncGenerator<HistoryRecord> {
    let revision = from;
    for (const s of [...this.segments]) {
      const last = lastOf(s);
      if (last < revision) continue;
      if (s.first > revision) throw new StateInvariantError(`watch history has a gap at revision ${revision}`);
      while (revision <= Math.min(last, to)) {
        const start = s.offsets[revision - s.first]!;
        // Whole records from `revision` until the chunk is full (at least one).
        let end = recordEnd(s, revision);
        let through = revision;
        while (through < Math.min(last, to) && recordEnd(s, through + 1) - start <= READ_CHUNK_BYTES) end = recordEnd(s, ++through);
        const bytes = await s.file.read(start, end - start);
        if (bytes.byteLength !== end - start) throw new StateInvariantError(`watch history segment ${s.path} is shorter than its records`);
        let pos = 0;
        for (; revision <= through; revision++) {
          const record = parseRecord(bytes, pos);
          if (!record || record.revision !== revision) throw new StateInvariantError(`corrupt watch history record at revision ${revision} in ${s.path}`);
          pos += RECORD_HEADER_BYTES + record.body.byteLength;
          yield record;
        }
      }
      if (revision > to) return;
    }
    if (revision <= to) throw new StateInvariantError(`watch history has a gap at revision ${revision}`);
  }

  /** Marks the start of a read: segments dropped from now on stay until unpin(). */
  pin(): number {
    const e = this.epoch;
    this.readers.set(e, (this.readers.get(e) ?? 0) + 1);
    return e;
  }

  unpin(epoch: number): void {
    const n = (this.readers.get(epoch) ?? 1) - 1;
    if (n > 0) this.readers.set(epoch, n);
    else this.readers.delete(epoch);
    this.scheduleUnlink();
  }

  /**
   * The revisions below `first` were dropped, and the state record saying so is written: the
   * segments holding only such revisions go once no earlier reader needs them. The segment being
   * appended to stays (it is started anew when full). Past next, the history is empty from `first`.
   */
  release(first: number): void {
    const dropped: Segment[] = [];
    const current = this.segments[this.segments.length - 1];
    for (const s of this.segments) {
      if (s.releasedAt !== 0) continue;
      // The current one goes only once it is full: a new file per apply would cost more than it frees.
      if (lastOf(s) >= first || (s === current && s.file.size < this.segmentBytes)) break;
      dropped.push(s);
    }
    this.markReleased(dropped);
  }

  private markReleased(segments: readonly Segment[]): void {
    if (segments.length === 0) return;
    this.epoch++;
    for (const s of segments) s.releasedAt = this.epoch;
    this.scheduleUnlink();
  }

  /** Bytes of the body of the record of `revision` (held: firstRevision..next-1). */
  bodyBytes(revision: number): number {
    const s = this.segmentOf(revision);
    return recordEnd(s, revision) - s.offsets[revision - s.first]! - RECORD_HEADER_BYTES;
  }

  /** Deletes every segment: the history restarts at `next` (only while nobody reads it: at open). */
  async clear(next: number): Promise<void> {
    for (const s of this.segments.splice(0)) await this.remove(s);
    this.nextRevision = next;
  }

  /** Waits for the unlinks scheduled so far (tests, close). */
  async settled(): Promise<void> {
    await this.unlinking;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.unlinking;
    for (const s of this.segments.splice(0)) await s.file.close().catch(() => undefined);
  }

  private scheduleUnlink(): void {
    if (this.closed) return;
    this.unlinking = this.unlinking.then(() => this.unlinkReleased()).catch(() => undefined); // retried at the next release or unpin
  }

  /** Unlinks the released segments no pinned reader may still read (in order, oldest first). */
  private async unlinkReleased(): Promise<void> {
    const oldestReader = this.readers.keys().next();
    for (const s of [...this.segments]) {
      if (s.releasedAt === 0) break;
      if (!oldestReader.done && oldestReader.value < s.releasedAt) break;
      await this.remove(s);
      this.segments = this.segments.filter((x) => x !== s);
    }
  }

  /**
   * The segment holding `revision`: a binary search, since open() asks once per revision held to
   * count the ledger (100k revisions over dozens of segments). Segments are in order of their
   * first revision, strictly increasing (a new one starts at next; a defragment's copy starts
   * past the first revision of the segment it copies). A released original overlaps its copy
   * until it is unlinked: the search finds the copy, which holds the same records.
   */
  private segmentOf(revision: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.first <= revision) lo = mid;
      else hi = mid - 1;
    }
    const s = this.segments[lo];
    if (s && revision >= s.first && revision <= lastOf(s)) return s;
    throw new StateInvariantError(`watch history holds no record of revision ${revision}`);
  }

  private async startSegment(first: number): Promise<Segment> {
    const path = join(this.dir, segmentName(first));
    const file = await this.fs.openAppendFile(path);
    if (file.size !== 0) await file.truncate(0); // left by an earlier life whose records were cut
    // Its name must survive a power cut as long as its records might: one directory sync per segment.
    await this.fs.sync(this.dir);
    const segment: Segment = { first, path, file, offsets: [], releasedAt: 0, syncedBytes: 0 };
    this.segments.push(segment);
    return segment;
  }

  /** Closes and deletes a segment's file; returns its record count. */
  private async remove(s: Segment): Promise<number> {
    await s.file.close().catch(() => undefined);
    await this.fs.rm(s.path);
    return s.offsets.length;
  }
}

/**
 * Truncates and syncs: records past the state that came back after a power cut could be taken
 * for the different records of the same revisions that this node applies next.
 */
async function cut(file: AppendFile, length: number): Promise<void> {
  await file.truncate(length);
  await file.sync();
}

function lastOf(s: Segment): number {
  return s.first + s.offsets.length - 1;
}

/** Where the record of `revision` ends in its segment. */
function recordEnd(s: Segment, revision: number): number {
  const i = revision - s.first;
  return i + 1 < s.offsets.length ? s.offsets[i + 1]! : s.file.size;
}

/** Fills `header` (RECORD_HEADER_BYTES long, every byte written) for the record of `revision`. */
function writeRecordHeader(header: Buffer, revision: number, body: Uint8Array): void {
  header.writeUInt32BE(body.byteLength, 0);
  header.writeUInt32BE(Math.floor(revision / 2 ** 32), 8);
  header.writeUInt32BE(revision >>> 0, 12);
  header.writeUInt32BE(crc32(body, crc32(header.subarray(8, 16))), 4);
}

/** The record at `pos` of `bytes`, or null if it is cut short or does not match its crc. */
function parseRecord(bytes: Buffer, pos: number): HistoryRecord | null {
  if (pos + RECORD_HEADER_BYTES > bytes.byteLength) return null;
  const length = bytes.readUInt32BE(pos);
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return null;
  const body = bytes.subarray(pos + RECORD_HEADER_BYTES, end);
  if (crc32(body, crc32(bytes.subarray(pos + 8, pos + 16))) !== bytes.readUInt32BE(pos + 4)) return null;
  const revision = bytes.readUInt32BE(pos + 8) * 2 ** 32 + bytes.readUInt32BE(pos + 12);
  return { revision, body };
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

function wholeRecordIn(bytes: Buffer, at: number): boolean {
  if (at < 0 || at + RECORD_HEADER_BYTES > bytes.byteLength) return false;
  return at + RECORD_HEADER_BYTES + bytes.readUInt32BE(at) <= bytes.byteLength;
}

/** Bytes needed from `at` to hold the record there, if its header is in `bytes`. */
function neededBytes(bytes: Buffer, at: number): number {
  if (at < 0 || at + RECORD_HEADER_BYTES > bytes.byteLength) return RECORD_HEADER_BYTES;
  return RECORD_HEADER_BYTES + bytes.readUInt32BE(at);
}
