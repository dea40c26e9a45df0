// The Raft log and hard state on disk. See docs/wal.md for the format and the guarantees.
//
// Calls change the in-memory view (log-view.ts) when admitted, in call order; the disk changes
// only in the group-commit writer (group-commit.ts, disk-log.ts). Every promise returned here
// settles once the call's effect is durable.
import type { Disk } from '../disk/disk.js';
import { nodeDisk } from '../disk/node-disk.js';
import type { Entry, HardState, SnapshotMeta } from '../raft/types.js';
import type { DiskLog } from './disk-log.js';
import { WalClosedError, WalCompactedError, WalUnavailableError, WalUsageError } from './errors.js';
import { CommitQueue, PendingOp } from './group-commit.js';
import { LogView } from './log-view.js';
import { loadLog } from './open.js';
import { RecordEncoder } from './record.js';
import type { WalRepair } from './recovery.js';

/** Tuning knobs; every one is a bound. */
export interface WalOptions {
  /** Roll to a new segment file past this size (default 64 MiB). */
  segmentBytes?: number;
  /** Budget of the in-memory tail cache, not counting entries not yet durable (default 32 MiB). */
  cacheBytes?: number;
  /** Appends admitted but not yet durable, in bytes, before callers wait (default 64 MiB). */
  maxPendingBytes?: number;
  /** Same bound in entries (default 100 000). */
  maxPendingEntries?: number;
  /** Largest single write + fdatasync (default 8 MiB, at most segmentBytes). */
  maxBatchBytes?: number;
  /**
   * Batches of at most this many entries are written on the event loop's thread rather than the
   * thread pool (default 1: a lone sequential write; 0 turns inline writes off).
   */
  inlineMaxEntries?: number;
  /** The file system the WAL lives on (default: node:fs). Tests pass an in-memory disk that can lose power. */
  disk?: Disk;
}

const MiB = 1024 * 1024;
const DEFAULTS: Required<WalOptions> = {
  segmentBytes: 64 * MiB,
  cacheBytes: 32 * MiB,
  maxPendingBytes: 64 * MiB,
  maxPendingEntries: 100_000,
  maxBatchBytes: 8 * MiB,
  inlineMaxEntries: 1,
  disk: nodeDisk,
};
/** An inline write blocks the event loop: only small ones go inline. */
const INLINE_MAX_BYTES = 64 * 1024;
const MAX_READ_RETRIES = 3; // a read racing a truncation or compaction restarts at most this often

/** What a node restarts from (RestartState without `applied`, which the state machine knows). */
export interface WalRestartState {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  /** Entries after the snapshot, contiguous, in index order. */
  entries: Entry[];
  /** What recovery changed on disk (torn tail cut, ...), for the caller to log. */
  repairs: readonly WalRepair[];
}

/** Counters for metrics and benchmarks. */
export interface WalStats {
  fsyncs: number;
  /** Appends written on the event loop's thread instead of the thread pool (WalOptions.inlineMaxEntries). */
  inlineWrites: number;
  batches: number;
  firstIndex: number;
  lastIndex: number;
  durableIndex: number;
  segments: number;
  /** Bytes of segment files on disk. */
  bytes: number;
  cacheBytes: number;
}

/** The write-ahead log of one node. */
export class Wal {
  private readonly view: LogView;
  private readonly disk: DiskLog;
  private readonly queue: CommitQueue;
  private readonly encoder = new RecordEncoder();
  private closing: Promise<void> | null = null;
  /** What recovery changed on disk at open; empty after a clean shutdown. */
  readonly repairs: readonly WalRepair[];

  private constructor(
    readonly dir: string,
    private readonly opts: Required<WalOptions>,
    loaded: Awaited<ReturnType<typeof loadLog>>,
  ) {
    this.view = new LogView(loaded);
    this.disk = loaded.disk;
    this.repairs = loaded.repairs;
    this.queue = new CommitQueue(
      { maxPendingBytes: opts.maxPendingBytes, maxPendingEntries: opts.maxPendingEntries, maxBatchBytes: opts.maxBatchBytes },
      (op) => this.view.admit(op),
      (batch) => this.execute(batch),
    );
  }

  /** Opens (creating if needed) the WAL in `dir`, cutting a torn tail; corruption throws WalCorruptionError. */
  static async open(dir: string, options: WalOptions = {}): Promise<Wal> {
    return Wal.openWith(dir, options, false);
  }

  /** Operator repair: opens `dir` cutting damage anywhere (dropping all after it), closes, returns what changed. */
  static async repair(dir: string, disk: Disk = nodeDisk): Promise<WalRepair[]> {
    const wal = await Wal.openWith(dir, { disk }, true);
    await wal.close();
    return [...wal.repairs];
  }

  private static async openWith(dir: string, options: WalOptions, repair: boolean): Promise<Wal> {
    // An option given as undefined takes its default (a plain spread would copy the undefined).
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const opts: Required<WalOptions> = { ...DEFAULTS, ...given };
    opts.maxBatchBytes = Math.min(opts.maxBatchBytes, opts.segmentBytes);
    return new Wal(dir, opts, await loadLog(opts.disk, dir, opts.segmentBytes, opts.cacheBytes, repair));
  }

  /**
   * Appends contiguous entries; resolves once they are durable. An append starting at or below
   * lastIndex() first removes the conflicting tail from there (a follower taking the leader's log).
   * The entries are kept in the cache as given: do not mutate them afterwards. `afterOutput`:
   * network writes were queued just before (a leader's appends, sent ahead of its own write); a
   * write on the event loop's thread then waits for them to reach the socket first.
   */
  append(entries: Entry[], afterOutput = false): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const op = new PendingOp('append');
    op.entries = entries;
    op.afterOutput = afterOutput;
    try {
      op.buf = this.encoder.encodeEntries(entries);
    } catch (err) {
      return Promise.reject(err);
    }
    op.entryCount = entries.length;
    op.index = entries[entries.length - 1]!.index;
    return this.queue.submit(op);
  }

  /** Removes entries from `fromIndex` on; resolves once durable. Committed entries cannot be removed. */
  truncateSuffix(fromIndex: number): Promise<void> {
    const op = new PendingOp('truncate');
    op.index = fromIndex;
    return this.queue.submit(op);
  }

  /** Deletes whole segments whose entries are all at or below `index` (which the snapshot must cover). */
  compactPrefix(index: number): Promise<void> {
    const op = new PendingOp('compact');
    op.index = index;
    return this.queue.submit(op);
  }

  /** Durably saves term, vote and commit; resolves before the caller may send votes or acks. */
  saveHardState(hs: HardState): Promise<void> {
    const op = new PendingOp('hardState');
    op.state = { hardState: { term: hs.term, vote: hs.vote, commit: hs.commit }, snapshot: null };
    return this.queue.submit(op);
  }

  /**
   * Durably records the snapshot the node now holds. If the log does not contain the snapshot's
   * last entry (an InstallSnapshot beyond or conflicting with the log), the log is emptied and
   * continues at meta.index + 1.
   */
  saveSnapshotMeta(meta: SnapshotMeta): Promise<void> {
    const op = new PendingOp('snapshot');
    op.state = { hardState: this.view.hs, snapshot: meta };
    return this.queue.submit(op);
  }

  /** Index of the oldest entry still stored (lastIndex() + 1 when the log is empty). */
  firstIndex(): number {
    return this.view.first;
  }

  /** Index of the newest entry appended, durable or not (the snapshot index when the log is empty). */
  lastIndex(): number {
    return this.view.last;
  }

  /** Index up to which every appended entry is durable. */
  durableIndex(): number {
    return Math.min(this.view.durable, this.view.last);
  }

  /** The latest hard state saved (durable or in flight). */
  hardState(): HardState {
    return this.view.hs;
  }

  /** The latest snapshot meta saved, if any. */
  snapshot(): SnapshotMeta | null {
    return this.view.snap;
  }

  /** Term of entry `index`, for firstIndex()-1 ..= lastIndex() and the snapshot's index. */
  term(index: number): number {
    return this.view.term(index);
  }

  /**
   * Entries [lo, hi), at least one and then up to `maxBytes` (data + per-entry overhead), served
   * from the tail cache and, for older entries, from disk.
   */
  async entries(lo: number, hi: number, maxBytes = Infinity): Promise<Entry[]> {
    const view = this.view;
    for (let attempt = 0; ; attempt++) {
      this.checkRange(lo, hi);
      const shrinks = view.shrinks;
      const generation = this.disk.generation;
      const out: Entry[] = [];
      let budget = maxBytes;
      let next = lo;
      while (next < hi && budget >= 0) {
        if (next >= view.cache.firstIndex) {
          view.cache.collect(next, hi, budget, out);
          return out;
        }
        const end = Math.min(hi, view.cache.firstIndex);
        try {
          budget = await this.disk.read(next, end, budget, out);
        } catch (err) {
          // A compaction or truncation may have removed the file under us: retry, else it is real.
          if (shrinks === view.shrinks && generation === this.disk.generation) throw err;
        }
        if (shrinks !== view.shrinks || generation !== this.disk.generation) break;
        next = end;
      }
      if (shrinks === view.shrinks && generation === this.disk.generation) return out;
      if (attempt === MAX_READ_RETRIES) throw new WalUsageError(`entries(${lo}, ${hi}) kept racing log truncation`);
    }
  }

  /** The state a restarting node needs: hard state, snapshot and the entries after it. */
  async recover(): Promise<WalRestartState> {
    const view = this.view;
    const lo = Math.max(view.first, (view.snap?.index ?? 0) + 1);
    const entries = lo <= view.last ? await this.entries(lo, view.last + 1) : [];
    return { hardState: view.hs, snapshot: view.snap, entries, repairs: this.repairs };
  }

  /** Counters for metrics and benchmarks. */
  stats(): WalStats {
    return {
      fsyncs: this.disk.fsyncs,
      inlineWrites: this.disk.inlineWrites,
      batches: this.queue.batches,
      firstIndex: this.view.first,
      lastIndex: this.view.last,
      durableIndex: this.durableIndex(),
      segments: this.disk.segments.length,
      bytes: this.disk.segments.reduce((sum, seg) => sum + seg.sizeBytes, 0),
      cacheBytes: this.view.cache.sizeBytes,
    };
  }

  /** Waits for everything queued to become durable, then closes the files. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.queue.close().then(() => this.disk.close());
    return this.closing;
  }

  private checkRange(lo: number, hi: number): void {
    if (this.closing !== null) throw new WalClosedError();
    if (this.queue.failed !== null) throw this.queue.failed;
    if (lo < this.view.first) throw new WalCompactedError(lo, this.view.first);
    if (hi > this.view.last + 1) throw new WalUnavailableError(hi - 1, this.view.last);
    if (lo > hi) throw new WalUsageError(`entries(${lo}, ${hi}): lo > hi`);
  }

  // ---- the group-commit writer makes one batch durable ----------------------------------------

  private async execute(batch: PendingOp[]): Promise<void> {
    const head = batch[0]!;
    switch (head.kind) {
      case 'truncate':
        return this.disk.truncateFrom(head.index);
      case 'compact': {
        const seg = await this.disk.compactTo(head.index);
        return this.view.compacted(seg.firstIndex, seg.header.prevTerm);
      }
      case 'reset':
        // The snapshot must be durable before the log it replaces is deleted.
        await this.disk.writeState(head.state!);
        return this.disk.resetTo(head.state!.snapshot!);
      default:
        return this.executeWrite(batch);
    }
  }

  private async executeWrite(batch: PendingOp[]): Promise<void> {
    if (batch[0]!.truncateFrom > 0) await this.disk.truncateFrom(batch[0]!.truncateFrom);
    const bufs: Buffer[] = [];
    let bytes = 0;
    let state = null;
    let entries = 0;
    let firstAppend: PendingOp | null = null;
    let lastAppend: PendingOp | null = null;
    let afterOutput = false;
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!;
      if (op.buf === null) {
        state = op.state;
        continue;
      }
      afterOutput ||= op.afterOutput;
      bufs.push(op.buf);
      bytes += op.buf.length;
      entries += op.entryCount;
      if (firstAppend === null) firstAppend = op;
      lastAppend = op;
    }
    // A batch of one small entry means nobody else is writing (under load, entries queue up
    // behind each write and batches grow): write it on this thread, skipping the thread pool's
    // round trip. Blocking the event loop for one small O_DSYNC write is what lets the batch grow
    // when load arrives, so the rule regulates itself.
    const inline = entries <= this.opts.inlineMaxEntries && bytes <= INLINE_MAX_BYTES && state === null;
    // Network writes queued just before (a leader's appends, sent ahead of its own write) reach
    // the socket only in the event loop's check phase: let them go first, or the followers would
    // start their writes only after ours. Nothing waits for that otherwise (a follower answers
    // after its write): one pass of the event loop less on every follower's append.
    if (inline && afterOutput) await afterPendingOutput();
    await this.disk.writeBatch(bufs, bytes, firstAppend?.prevTerm ?? 0, state, inline);
    if (lastAppend !== null) this.view.markDurable(lastAppend);
    this.view.cache.evict(this.durableIndex(), this.opts.cacheBytes);
  }
}

/** Resolves after the immediates queued so far, among them HTTP/2's flush of pending writes. */
function afterPendingOutput(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
