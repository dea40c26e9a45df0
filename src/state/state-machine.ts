// The replicated state machine: applies committed Raft entries to LevelDB, one LevelDB batch per
// apply() call holding the data, the dedupe records and the applied index together, so that a
// crash leaves either all of a batch or none of it (exactly-once). The node-local watch history
// goes to its own files (history-log.ts), appended before the batch is written. Its options
// are in state-options.ts, what it loads at open in state-load.ts, how one entry is checked and
// applied in apply-entry.ts, and the upkeep of its LevelDB (sync, compaction) in storage-upkeep.ts.
import { dirname } from 'node:path';
import type { Entry } from '../raft/types.js';
import type { AlarmMember, AlarmTable } from './alarms.js';
import { applyEntry, firstUnapplied } from './apply-entry.js';
import { AuthStore } from './auth-store.js';
import { MAX_RANGE_LIMIT } from './commands.js';
import { unpack } from './codec.js';
import type { DedupeTable } from './dedupe.js';
import { InvalidArgumentError, FutureRevisionError, SnapshotError, StateInvariantError, storageError } from './errors.js';
import { PREFIX_KV, PREFIX_META, STATE_KEY, prefixEnd, prefixed } from './keys.js';
import { type Db, type DbSnapshot, decodeKv, mergedRange, overlayKey } from './kv-records.js';
import { type HashKvResult, hashKvAt } from './hash-kv.js';
import { PendingBatch } from './pending.js';
import { ReadGate } from './read-gate.js';
import { KvCache } from './kv-cache.js';
import { type SnapshotInfo, type SnapshotStream, type SnapshotStreamOptions, openSnapshotStream, writeSnapshotDir } from './snapshot.js';
import { loadState, makeStateDb } from './state-load.js';
import { type ResolvedStateOptions, type StateMachineOptions, resolveStateOptions } from './state-options.js';
import { type StateRecord, encodeState, readState } from './state-record.js';
import { approximateReplicatedBytes, compactDb, liveTableBytes, type LiveTableBytes, releaseObsoleteTables, syncDb } from './storage-upkeep.js';
import { type SwapPaths, runSwap, swapPaths } from './swap.js';
import type { AppliedBatch, ApplyResult, ChangesResult, CommandResult, KeyValue, RangeResult } from './types.js';
import type { HistoryLog } from './history-log.js';
import type { WatchHistorySize } from './watch-history-size.js';
import { compactWatchHistory, readChanges, valuesAsOf, watchRecords } from './watch-log.js';

export { DEFAULT_MAX_OPEN_FILES, DEFAULT_WRITE_BUFFER_BYTES, MAX_WRITE_BUFFER_BYTES, MIN_WRITE_BUFFER_BYTES, type StateMachineOptions } from './state-options.js';

/** A key range with etcd's conventions, or every key with a prefix. */
export type RangeSpec = { key: Uint8Array; rangeEnd?: Uint8Array } | { prefix: Uint8Array };
export type AppliedListener = (batch: AppliedBatch) => void;

/**
 * Listeners allowed at once: a last resort. The server bounds its watches itself
 * (--max-watches, at most 16,384, with shares per connection and per user).
 */
export const MAX_LISTENERS = 20_000;
const SKIPPED: CommandResult = { type: 'skipped' };

/** The LevelDB-backed state machine of one node. Apply and restore are not reentrant. */
export class StateMachine {
  private db!: Db;
  private state!: StateRecord;
  private dedupe!: DedupeTable;
  private alarmTable!: AlarmTable;
  private readonly cache: KvCache;
  /** Reads wait while a snapshot install closes and reopens the database. */
  private readonly gate = new ReadGate();
  private busy = false;
  private failure: Error | null = null;
  private readonly listeners = new Set<AppliedListener>();
  private readonly resolved: ResolvedStateOptions;
  /** The size of each record of the watch history (rebuilt at every load). */
  private history!: WatchHistorySize;
  /** The watch history's files (reopened at every load). */
  private historyLog!: HistoryLog;
  /** Listener exceptions caught so far (a broken watcher must not stop apply); each is told to onListenerError. */
  listenerErrors = 0;
  /** Users, roles and auth settings, replicated like the keyspace (auth-store.ts). */
  readonly auth = new AuthStore();
  /** compactStorage() calls running (releaseObsoleteTables waits for none of them). */
  private compactions = 0;

  private constructor(
    readonly dir: string,
    private readonly options: StateMachineOptions,
  ) {
    this.resolved = resolveStateOptions(options);
    this.cache = new KvCache(this.resolved.cacheBytes);
    const onListenerError = options.onListenerError;
    if (onListenerError) this.auth.onListenerError = (err) => onListenerError(err, 'auth');
  }

  /** Open (creating if needed) the state machine in `dir`, finishing any interrupted restore. */
  static async open(dir: string, options: StateMachineOptions = {}): Promise<StateMachine> {
    const sm = new StateMachine(dir, options);
    await sm.resolved.storage.fs.mkdir(dirname(dir));
    await sm.load();
    return sm;
  }

  private async load(): Promise<void> {
    const { storage, level, historyBounds, historySegmentBytes, dedupe } = this.resolved;
    this.db = await makeStateDb(this.dir, storage, level);
    const place = { fs: storage.fs, dir: this.dir, bounds: historyBounds, segmentBytes: historySegmentBytes };
    const loaded = await loadState(this.db, place, dedupe, this.auth);
    this.state = loaded.state;
    this.history = loaded.history;
    this.historyLog = loaded.historyLog;
    this.dedupe = loaded.dedupe;
    this.alarmTable = loaded.alarmTable;
  }

  /** Sessions in the exactly-once table (metrics). */
  sessions(): number {
    return this.dedupe.size;
  }

  /** Bytes of this node's watch history (keys and values of its records; metrics). */
  watchHistoryBytes(): number {
    return this.history.bytes;
  }

  /** The watch history's files: their bytes and count, dropped ones not yet unlinked included (metrics, tests). */
  watchHistoryFiles(): { bytes: number; segments: number } {
    return { bytes: this.historyLog.fileBytes, segments: this.historyLog.segmentCount };
  }

  /** The newest request stamp (`req.at`) applied: where a leader's stamps continue from. */
  latestSessionStampMs(): number {
    return this.dedupe.latestStampMs;
  }

  /** The active cluster alarms as applied here (alarms.ts). */
  alarms(): AlarmMember[] {
    return this.alarmTable.list();
  }

  /** Whether a NOSPACE alarm is active: commands that grow the data are refused. */
  noSpace(): boolean {
    return this.alarmTable.noSpace;
  }

  /** Highest entry index whose effects are in LevelDB. */
  appliedIndex(): number {
    return this.state.appliedIndex;
  }

  /** Term of the entry at appliedIndex(). */
  appliedTerm(): number {
    return this.state.appliedTerm;
  }

  /** Current store revision. */
  revision(): number {
    return this.state.revision;
  }

  /**
   * Apply committed entries (contiguous, ascending) in one LevelDB batch; entries at or below the
   * applied index are skipped. Returns one result per entry, in order; `beforeWrite` gets them
   * as soon as they are decided, before the batch is written.
   */
  async apply(entries: readonly Entry[], beforeWrite?: (results: readonly ApplyResult[]) => void): Promise<ApplyResult[]> {
    const first = firstUnapplied(entries, this.state.appliedIndex);
    const results: ApplyResult[] = new Array(entries.length);
    for (let i = 0; i < first; i++) results[i] = { index: entries[i]!.index, result: SKIPPED, duplicate: false };
    if (first === entries.length) return results;
    this.enter('apply');
    const batch = this.db.batch();
    try {
      const pending = new PendingBatch(this.db, this.state.revision, this.cache);
      pending.compactTo = this.state.firstWatchRevision;
      const tables = { dedupe: this.dedupe, auth: this.auth, alarmTable: this.alarmTable };
      for (let i = first; i < entries.length; i++) results[i] = await applyEntry(tables, pending, batch, entries[i]!);
      const last = entries[entries.length - 1]!;
      const next: StateRecord = { ...this.state, appliedIndex: last.index, appliedTerm: last.term, revision: pending.revision };
      pending.flushKvs(batch);
      this.dedupe.flush(batch);
      for (const [name, value] of pending.meta) batch.put(prefixed(PREFIX_META, Buffer.from(name, 'utf8')), value);
      // The ledger and the files move ahead of LevelDB here: if the append or the write fails, the
      // instance is failed, and a reopen cuts the files back to the state and recounts.
      const records = watchRecords(pending.events, next, this.resolved.historyBounds, this.history);
      if (pending.compactTo > next.firstWatchRevision) compactWatchHistory(next, pending.compactTo, this.history);
      batch.put(STATE_KEY, encodeState(next));
      // The results are final now; LevelDB only makes them readable. A caller may answer its
      // clients meanwhile: the entries are committed in the Raft log, and reads that must see
      // them wait for appliedIndex(), which moves only once the batch is written.
      beforeWrite?.(results);
      // The history first: a crash between the two leaves it ahead of the state, which open cuts.
      await this.historyLog.append(records);
      if (this.options.syncWrites === true) await this.historyLog.sync();
      await batch.write({ sync: this.options.syncWrites === true });
      this.historyLog.release(next.firstWatchRevision);
      this.state = next;
      for (const [k, kv] of pending.kvs) this.cache.set(k, kv);
      this.dedupe.batchWritten();
      this.emit({ type: 'applied', firstIndex: entries[first]!.index, lastIndex: last.index, revision: next.revision, events: pending.events });
      return results;
    } catch (err) {
      await batch.close();
      // The in-memory dedupe index may be ahead of LevelDB now; only a reopen makes them agree.
      const e = storageError(this.dir, 'apply', err) as Error;
      this.failure = e;
      throw e;
    } finally {
      this.busy = false;
    }
  }

  private enter(what: string): void {
    if (this.failure) throw new StateInvariantError(`state machine failed (${this.failure.message}); reopen it`);
    if (this.busy) throw new StateInvariantError(`${what} called while another apply or restore runs`);
    this.busy = true;
  }

  /**
   * Subscribe to the changes of every applied batch (called after it is written, with
   * revision() already moved) and to snapshot restores; returns unsubscribe.
   */
  onApplied(listener: AppliedListener): () => void {
    if (this.listeners.size >= MAX_LISTENERS) throw new InvalidArgumentError('listener', `more than ${MAX_LISTENERS} listeners`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(batch: AppliedBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.listenerErrors++;
        this.options.onListenerError?.(err, 'applied');
      }
    }
  }

  /** The current value and metadata of a key, or null. */
  async get(key: Uint8Array): Promise<KeyValue | null> {
    const cached = this.cache.get(overlayKey(key));
    if (cached !== undefined) return cached;
    return this.gate.read(async () => {
      const v = await this.db.get(prefixed(PREFIX_KV, key));
      return v === undefined ? null : decodeKv(key, v);
    });
  }

  /** Up to `limit` kvs of a range in key order, as of now or of a past `revision`. */
  async range(spec: RangeSpec, opts: { limit?: number; revision?: number } = {}): Promise<RangeResult> {
    const { key, rangeEnd } = 'prefix' in spec ? { key: spec.prefix, rangeEnd: prefixEnd(spec.prefix) } : spec;
    const limit = checkLimit(opts.limit);
    return this.atSnapshot(async (snapshot, state) => {
      let overlay = new Map<string, KeyValue | null>();
      const at = opts.revision ?? 0;
      if (at > state.revision) throw new FutureRevisionError(at, state.revision);
      if (at > 0 && at < state.revision) overlay = await valuesAsOf(this.historyLog, state, at, key, rangeEnd);
      const { kvs, more } = await mergedRange(this.db, key, rangeEnd, overlay, limit, snapshot);
      return { kvs, more, revision: state.revision };
    });
  }

  /**
   * Watch history from `fromRevision` (inclusive) for keys with `prefix`, whole revisions until
   * `limit` changes or `maxBytes` of their records are read; throws CompactedError.
   */
  async changesSince(fromRevision: number, prefix?: Uint8Array, limit = 1000, maxBytes = Infinity): Promise<ChangesResult> {
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 1) throw new InvalidArgumentError('fromRevision', 'must be >= 1');
    const max = checkLimit(limit);
    return this.atSnapshot(async (snapshot, state) => {
      const { events, nextRevision } = await readChanges(this.historyLog, state, fromRevision, prefix, max, maxBytes);
      return { events, nextRevision, revision: state.revision };
    });
  }

  /** The value last stored by setMeta under `name`, or undefined. */
  async getMeta(name: string): Promise<unknown> {
    return this.gate.read(async () => {
      const v = await this.db.get(prefixed(PREFIX_META, Buffer.from(name, 'utf8')));
      return v === undefined ? undefined : unpack(v);
    });
  }

  /** Make every applied batch durable (fsync), e.g. before the WAL is compacted past it. */
  async sync(): Promise<void> {
    await this.historyLog.sync();
    await syncDb(this.db, this.dir);
  }

  /**
   * Rewrites every LevelDB table (a full compaction): deleted keys and overwritten values stop
   * taking space; so do dropped watch history records in the history's current segment file
   * (history-log.ts; the other segments go as soon as they are dropped). Reads and applies go on
   * meanwhile; it costs disk I/O.
   */
  async compactStorage(): Promise<void> {
    this.compactions++;
    try {
      await this.gate.read(async () => {
        await this.historyLog.defragment(this.state.firstWatchRevision);
        await this.historyLog.settled();
        await compactDb(this.db);
      });
    } finally {
      this.compactions--;
    }
  }

  /** The bytes of the tables LevelDB's current version holds; null when closed or unknown (storage-upkeep.ts). */
  liveTableBytes(): LiveTableBytes | null {
    try {
      return liveTableBytes(this.db);
    } catch {
      return null; // not open (closing, or swapping in a snapshot)
    }
  }

  /**
   * Deletes the table files a compaction replaced that LevelDB kept for an iterator since closed
   * (storage-upkeep.ts): the storage quota asks for it when it finds many (it does not count them).
   * False, having done nothing, during compactStorage(): LevelDB would run it only after that one
   * (minutes for a large store), which deletes what it replaced as it goes.
   */
  async releaseObsoleteTables(): Promise<boolean> {
    if (this.compactions > 0) return false;
    await this.gate.read(() => releaseObsoleteTables(this.db));
    return true;
  }

  /**
   * A consistent snapshot stream at the current applied index; `opts.hasher` sees every record as
   * it is read (a backup computes its HashKV from the same snapshot it streams), `opts.reuseChunks`
   * lets the stream overwrite a chunk once the next is asked for (snapshot.ts).
   */
  createSnapshot(opts: SnapshotStreamOptions = {}): Promise<SnapshotStream> {
    return openSnapshotStream(this.db, this.resolved.snapshotChunkBytes, opts);
  }

  /** LevelDB's estimate of the bytes the replicated records take on disk (a progress estimate only). */
  async approximateBytes(): Promise<number> {
    return this.gate.read(() => approximateReplicatedBytes(this.db));
  }

  /** HashKV: the keyspace's digest at `revision` (0: now), from one LevelDB snapshot (hash-kv.ts). */
  async hashKv(revision = 0): Promise<HashKvResult> {
    if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidArgumentError('revision', 'must be a non-negative integer');
    return this.atSnapshot((snapshot, state) => hashKvAt(this.db, snapshot, this.historyLog, state, revision));
  }

  /**
   * Runs the read `fn` on one LevelDB snapshot and the state record as of it, through the read
   * gate, with the watch history pinned first: the revisions that state says it holds stay.
   */
  private atSnapshot<T>(fn: (snapshot: DbSnapshot, state: StateRecord) => Promise<T>): Promise<T> {
    return this.gate.read(async () => {
      const log = this.historyLog;
      const pin = log.pin();
      try {
        const snapshot = this.db.snapshot();
        try {
          return await fn(snapshot, await readState(this.db, snapshot));
        } finally {
          await snapshot.close();
        }
      } finally {
        log.unpin(pin);
      }
    });
  }

  /**
   * Replace the whole state with a snapshot stream: written to a new directory and verified while
   * this one keeps serving, then swapped in atomically (see swap.ts). Refuses an older snapshot.
   */
  async restoreSnapshot(chunks: AsyncIterable<Uint8Array>): Promise<SnapshotInfo> {
    this.enter('restoreSnapshot');
    const paths = swapPaths(this.dir);
    try {
      const info = await writeSnapshotDir(chunks, paths.next, { storage: this.resolved.storage, writeBufferBytes: this.resolved.level.writeBufferBytes, compression: this.resolved.level.compression });
      try {
        this.refuseOlder(info);
      } catch (err) {
        await this.resolved.storage.fs.rm(paths.next);
        throw err;
      }
      await this.swapIn(paths);
      this.emit({ type: 'restored', lastIndex: info.appliedIndex, revision: info.revision });
      return info;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Replace the whole state with `dir`, a directory writeSnapshotDir wrote and verified (`info`
   * is what it returned). The directory is moved, not copied; it must be on this file system.
   * Refuses an older snapshot (SnapshotError) without touching anything.
   */
  async installSnapshotDir(dir: string, info: SnapshotInfo): Promise<void> {
    this.enter('installSnapshotDir');
    const paths = swapPaths(this.dir);
    try {
      this.refuseOlder(info);
      await this.resolved.storage.fs.rm(paths.next);
      await this.resolved.storage.fs.rename(dir, paths.next);
      await this.swapIn(paths);
      // Watches behind the new state end and resume elsewhere (watch-feed.ts): their changes are gone here.
      this.emit({ type: 'restored', lastIndex: info.appliedIndex, revision: info.revision });
    } finally {
      this.busy = false;
    }
  }

  private refuseOlder(info: SnapshotInfo): void {
    if (info.appliedIndex < this.state.appliedIndex) {
      throw new SnapshotError(`snapshot at index ${info.appliedIndex} is older than applied index ${this.state.appliedIndex}`);
    }
  }

  /** Closes the live database, swaps `paths.next` in (swap.ts) and reopens; reads wait meanwhile. */
  private async swapIn(paths: SwapPaths): Promise<void> {
    try {
      await this.gate.exclusive(async () => {
        this.cache.clear();
        await this.historyLog.close();
        await this.db.close();
        await runSwap(paths, this.resolved.storage.fs);
        await this.load();
      });
    } catch (err) {
      this.failure = err as Error; // a reopen runs recoverSwap and finishes the swap
      throw err;
    }
  }

  /** Close LevelDB; the instance cannot be used afterwards. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.historyLog?.close();
    await this.db.close();
  }
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return MAX_RANGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_RANGE_LIMIT) {
    throw new InvalidArgumentError('limit', `must be an integer in [0, ${MAX_RANGE_LIMIT}]`);
  }
  return limit;
}
