// The node-local watch history on disk: one record per revision, appended to segment files in the
// state directory beside LevelDB's own files, and dropped a whole segment at a time. The record
// format is history-records.ts; what open keeps of the files after a crash, history-open.ts.
//
// Why not LevelDB: every record would be written to LevelDB's log, flushed into a table and then
// rewritten by compactions, level after level, together with the live keys; and every dropped
// revision would be a tombstone to merge. Measured with 4 KiB overwrites (docs/performance.md),
// LevelDB's compaction thread spent about half of a put's CPU, mostly on history records. Here a
// record is written once, sequentially, and a dropped segment is one unlink.
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
import { join } from 'node:path';
import type { StateFs } from './state-fs.js';
import { StateInvariantError } from './errors.js';
import { type HistoryRecord, RECORD_HEADER_BYTES, TEMP_SUFFIX, parseRecord, segmentName, writeRecordHeader } from './history-records.js';
import { READ_CHUNK_BYTES, type Segment, lastOf, removeSegment } from './history-segment.js';
import { recoverSegments } from './history-open.js';

// The record type and format that callers of the log use with it.
export { type HistoryRecord, RECORD_HEADER_BYTES, segmentName } from './history-records.js';

/** What open() found, for the caller to reconcile with the state record. */
export interface OpenedHistory {
  log: HistoryLog;
  /** Records cut at open: a torn or corrupt tail, or past the state's revision. */
  cutRecords: number;
}

/** The watch history's segment files of one state directory. */
export class HistoryLog {
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
    private segments: Segment[],
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
    const { segments, cutRecords } = await recoverSegments(fs, dir, lastRevision);
    return { log: new HistoryLog(fs, dir, segmentBytes, lastRevision + 1, segments), cutRecords };
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
   * Gives back the space of dropped records (revisions below `first`) that a live segment still
   * holds: release() drops whole segments only, so the segment holding `first` keeps the records
   * before it, up to a whole segment more than the history's bound (the one being appended to,
   * or an older one when the kept records span two). Its records from `first` on are copied into
   * a new segment, placed right after it, and it is released. A defragment calls it after a
   * compact; returns whether it copied.
   */
  defragment(first: number): Promise<boolean> {
    return this.serialized(async () => {
      const current = this.segments[this.segments.length - 1];
      if (!current || current.releasedAt !== 0 || current.offsets.length === 0) return false;
      if (first > lastOf(current)) {
        this.markReleased([current]);
        return true;
      }
      const at = this.segments.findIndex((x) => x.releasedAt === 0 && x.first <= first && first <= lastOf(x));
      const s = this.segments[at];
      if (!s || first <= s.first) return false;
      // Written under a temporary name and renamed once whole: a crash midway leaves the original.
      const from = s.offsets[first - s.first]!;
      const path = join(this.dir, segmentName(first));
      const file = await this.fs.openAppendFile(`${path}${TEMP_SUFFIX}`);
      const copy: Segment = { first, path, file, offsets: [], releasedAt: 0, syncedBytes: 0 };
      try {
        if (file.size !== 0) await file.truncate(0);
        for (let pos = from; pos < s.file.size; pos += READ_CHUNK_BYTES) {
          const bytes = await s.file.read(pos, Math.min(READ_CHUNK_BYTES, s.file.size - pos));
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
      // In order of first revision: the copy, starting later, serves every revision it holds
      // (segmentOf), and the original before it is unlinked once no reader needs it.
      this.segments.splice(at + 1, 0, copy);
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
    for (const s of this.segments.splice(0)) await removeSegment(this.fs, s);
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
      await removeSegment(this.fs, s);
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
}

/** Where the record of `revision` ends in its segment. */
function recordEnd(s: Segment, revision: number): number {
  const i = revision - s.first;
  return i + 1 < s.offsets.length ? s.offsets[i + 1]! : s.file.size;
}
