// The segment files as the writer sees them: the tail it appends to, rolling to a new segment,
// and the three ways the log shrinks (suffix truncation, prefix compaction, reset to a snapshot).
// Only the group-commit writer calls the mutating methods, one at a time, so no locking here.
import type { Disk, DiskFile } from '../disk/disk.js';
import type { Entry, SnapshotMeta } from '../raft/types.js';
import { WalCorruptionError, naming } from './errors.js';
import { StateFile, type DurableState } from './hard-state.js';
import { COMMIT_RECORD, RECORD_ENTRY, checkRecord, decodeEntry, entrySizeBytes } from './record.js';
import { Segment, createSegmentFile, openTail, removeSegmentFile } from './segment.js';

const MAX_IOVECS = 1024; // IOV_MAX on Linux; writev with more vectors fails with EINVAL
const READ_CHUNK_BYTES = 8 * 1024 * 1024; // a cache miss reads at most this much per syscall

/** Segments on disk, the open tail, and the state file. */
export class DiskLog {
  /** Bumped by every truncation, compaction and reset, so readers can detect a moving log. */
  generation = 0;
  fsyncs = 0;
  /** Of those, appends written on the event loop's thread (writeBatch's `inline`). */
  inlineWrites = 0;

  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly segmentBytes: number,
    readonly segments: Segment[],
    private tailFh: DiskFile,
    private readonly stateFile: StateFile,
  ) {}

  /** Takes over segments found by recovery (the last one becomes the tail). */
  static async open(disk: Disk, dir: string, segmentBytes: number, segments: Segment[], stateFile: StateFile): Promise<DiskLog> {
    if (segments.length === 0) throw new RangeError('DiskLog needs at least one segment');
    const fh = await openTail(disk, segments[segments.length - 1]!.path);
    try {
      // A tail that recovery cut short, or one written before segments were preallocated, is
      // extended again. Safe: recovery leaves nothing but zeros after the last valid record (and
      // synced the cut). Like a new segment's preallocation, the size needs no sync: lost, the
      // file just ends earlier, and each O_DSYNC append makes the size it needs durable.
      if ((await fh.sizeBytes()) < segmentBytes) await fh.truncate(segmentBytes);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new DiskLog(disk, dir, segmentBytes, segments, fh, stateFile);
  }

  /** Creates the first segment of an empty log. */
  static async create(
    disk: Disk,
    dir: string,
    segmentBytes: number,
    firstIndex: number,
    prevTerm: number,
    stateFile: StateFile,
  ): Promise<DiskLog> {
    const fh = await createSegmentFile(disk, dir, { firstIndex, prevTerm }, segmentBytes);
    return new DiskLog(disk, dir, segmentBytes, [new Segment(dir, { firstIndex, prevTerm })], fh, stateFile);
  }

  private get tail(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /**
   * Writes one batch of encoded entries plus a COMMIT record with one writev at the end of the
   * tail (durable on return: the tail is open with O_DSYNC); the state file (if given) is
   * written durably first, on the calling thread (StateFile.write).
   *
   * `inline` writes on the calling thread instead of the thread pool. For a lone small write
   * (one sequential client's put) the hand-off to a pool thread and back costs about as much as
   * the write itself on a VM, where waking an idle thread is slow; under load the caller passes
   * false, so the event loop keeps serving the network while a large batch is being written.
   */
  async writeBatch(bufs: Buffer[], bytes: number, prevTerm: number, state: DurableState | null, inline = false): Promise<void> {
    const writes: Promise<void>[] = [];
    if (state !== null) {
      this.fsyncs++;
      writes.push(naming(this.stateFile.path, 'write', this.stateFile.write(state)));
    }
    if (bufs.length > 0) writes.push(this.appendDurably(bufs, bytes, prevTerm, inline));
    await Promise.all(writes);
  }

  private async appendDurably(bufs: Buffer[], bytes: number, prevTerm: number, inline: boolean): Promise<void> {
    if (this.tail.count > 0 && this.tail.sizeBytes + bytes + COMMIT_RECORD.length > this.segmentBytes) {
      await this.roll(prevTerm);
    }
    bufs.push(COMMIT_RECORD);
    const tail = this.tail;
    let pos = tail.sizeBytes;
    for (let i = 0; i < bufs.length; i += MAX_IOVECS) {
      const chunk = i === 0 && bufs.length <= MAX_IOVECS ? bufs : bufs.slice(i, i + MAX_IOVECS);
      pos = await naming(tail.path, 'write', writevAll(this.tailFh, chunk, pos, inline));
    }
    this.fsyncs++;
    if (inline) this.inlineWrites++;
    pos = tail.sizeBytes;
    for (let i = 0; i < bufs.length; i++) {
      tail.indexBatch(bufs[i]!, pos);
      pos += bufs[i]!.length;
    }
  }

  /** Durably replaces the hard state / snapshot meta. */
  async writeState(state: DurableState): Promise<void> {
    this.fsyncs++;
    await naming(this.stateFile.path, 'write', this.stateFile.write(state));
  }

  /** Seals the tail (already synced by its last batch) and starts a new segment after it. */
  private async roll(prevTerm: number): Promise<void> {
    const header = { firstIndex: this.tail.lastIndex + 1, prevTerm };
    const segment = new Segment(this.dir, header);
    const fh = await naming(segment.path, 'create', createSegmentFile(this.disk, this.dir, header, this.segmentBytes));
    await this.tailFh.close();
    this.tailFh = fh;
    this.segments.push(segment);
  }

  /**
   * Removes entries from `fromIndex` on. Later segments go first, newest first, each removal
   * synced before the next and before the cut, so a crash never leaves a gap between segments; the cut is synced
   * before new entries are written over it, so old and new records never mix. The file is cut to
   * the new end and then extended again: the removed records must become zeros, or recovery
   * would read them (valid CRCs and all) as the log's continuation after a shorter new write.
   */
  async truncateFrom(fromIndex: number): Promise<void> {
    if (fromIndex > this.tail.lastIndex) return;
    await naming(this.tail.path, 'truncate', this.cutFrom(fromIndex));
  }

  private async cutFrom(fromIndex: number): Promise<void> {
    this.generation++;
    while (this.segments.length > 1 && this.tail.firstIndex >= fromIndex) {
      await this.tailFh.close();
      await removeSegmentFile(this.disk, this.tail.path);
      this.segments.pop();
      this.tailFh = await openTail(this.disk, this.tail.path);
    }
    const cut = this.tail.forgetFrom(Math.min(fromIndex, this.tail.lastIndex + 1));
    await this.tailFh.truncate(cut);
    if (cut < this.segmentBytes) await this.tailFh.truncate(this.segmentBytes);
    await this.tailFh.datasync();
    this.fsyncs++;
  }

  /** Deletes, oldest first, every sealed segment whose entries are all at or below `index`. */
  async compactTo(index: number): Promise<Segment> {
    let n = 0;
    while (n + 1 < this.segments.length && this.segments[n]!.lastIndex <= index) n++;
    if (n > 0) {
      this.generation++;
      for (let i = 0; i < n; i++) await naming(this.segments[i]!.path, 'unlink', removeSegmentFile(this.disk, this.segments[i]!.path));
      this.segments.splice(0, n);
    }
    return this.segments[0]!;
  }

  /** Replaces the whole log by an empty one that continues after `snap` (snapshot install). */
  async resetTo(snap: SnapshotMeta): Promise<void> {
    this.generation++;
    await this.tailFh.close();
    // Newest first: a crash midway leaves a prefix, which recovery discards against the snapshot.
    while (this.segments.length > 0) {
      const file = this.segments.pop()!.path;
      await naming(file, 'unlink', removeSegmentFile(this.disk, file));
    }
    const segment = new Segment(this.dir, { firstIndex: snap.index + 1, prevTerm: snap.term });
    this.tailFh = await naming(segment.path, 'create', createSegmentFile(this.disk, this.dir, segment.header, this.segmentBytes));
    this.segments.push(segment);
  }

  /**
   * Reads entries [lo, hi) from disk into `out` until `budgetBytes` runs out (at least one entry).
   * Returns the budget left, or -1 when the budget stopped the read early.
   */
  async read(lo: number, hi: number, budgetBytes: number, out: Entry[]): Promise<number> {
    let k = this.findSegment(lo);
    let index = lo;
    while (index < hi && k < this.segments.length) {
      const seg = this.segments[k]!;
      const end = Math.min(hi, seg.lastIndex + 1);
      budgetBytes = await this.readFromSegment(seg, index, end, budgetBytes, out);
      if (budgetBytes < 0) return budgetBytes;
      index = end;
      k++;
    }
    return budgetBytes;
  }

  private async readFromSegment(seg: Segment, lo: number, hi: number, budget: number, out: Entry[]): Promise<number> {
    const fh = await this.disk.open(seg.path, {});
    try {
      let index = lo;
      while (index < hi) {
        // Read whole records only: extend the chunk record by record up to READ_CHUNK_BYTES.
        const start = seg.offsetOf(index);
        let last = index + 1;
        while (last < hi && seg.offsetOf(last + 1) - start <= READ_CHUNK_BYTES) last++;
        const buf = Buffer.allocUnsafe(seg.offsetOf(last) - start);
        const bytesRead = await fh.read(buf, 0, buf.length, start);
        for (; index < last; index++) {
          const e = decodeAt(seg, buf, seg.offsetOf(index) - start, bytesRead, index);
          const size = entrySizeBytes(e);
          if (out.length > 0 && size > budget) return -1;
          out.push(e);
          budget -= size;
        }
      }
      return budget;
    } finally {
      await fh.close();
    }
  }

  private findSegment(index: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.firstIndex <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Closes the open files. */
  async close(): Promise<void> {
    await this.tailFh.close();
    await this.stateFile.close();
  }
}

function decodeAt(seg: Segment, buf: Buffer, pos: number, limit: number, index: number): Entry {
  const r = checkRecord(buf, pos, limit);
  const offset = seg.offsetOf(index);
  if (!r.ok) throw new WalCorruptionError(seg.path, offset, r.reason);
  const e = r.type === RECORD_ENTRY ? decodeEntry(buf.subarray(r.payloadStart, r.end)) : null;
  if (e === null || e.index !== index) throw new WalCorruptionError(seg.path, offset, `expected entry ${index}`);
  return e;
}

/** Writes all of `bufs` at `pos`; `inline` on the calling thread (see writeBatch), else on the pool. */
async function writevAll(fh: DiskFile, bufs: Buffer[], pos: number, inline: boolean): Promise<number> {
  let total = 0;
  for (let i = 0; i < bufs.length; i++) total += bufs[i]!.length;
  const bytesWritten = inline ? fh.writevSync(bufs, pos) : await fh.writev(bufs, pos);
  if (bytesWritten === total) return pos + total;
  // Short writes on regular files only happen near ENOSPC; finish with the concatenated rest.
  const rest = Buffer.concat(bufs).subarray(bytesWritten);
  let done = 0;
  while (done < rest.length) {
    const at = pos + bytesWritten + done;
    const n = inline ? fh.writeSync(rest, done, rest.length - done, at) : await fh.write(rest, done, rest.length - done, at);
    if (n === 0) throw new Error('write made no progress');
    done += n;
  }
  return pos + total;
}
