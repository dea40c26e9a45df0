// The replicated state machine: applies committed Raft entries to LevelDB, one LevelDB batch per
// apply() call holding the data, the dedupe records, the watch history and the applied index
// together, so that a crash leaves either all of a batch or none of it (exactly-once).
import { dirname } from 'node:path';
import { EntryType, type Entry } from '../raft/types.js';
import { ALARMS_META, AlarmTable, type AlarmMember, growsData, NO_SPACE_MESSAGE } from './alarms.js';
import { applyCommand } from './apply.js';
import { AuthStore } from './auth-store.js';
import { type Command, MAX_RANGE_LIMIT, decodeCommand } from './commands.js';
import { unpack } from './codec.js';
import { DEFAULT_DEDUPE, DedupeTable, sessionKey, type DedupeOptions } from './dedupe.js';
import { InvalidArgumentError, InvalidCommandError, FutureRevisionError, SnapshotError, StateInvariantError, storageError } from './errors.js';
import { PREFIX_KV, PREFIX_META, REPLICATED_END, STATE_KEY, prefixEnd, prefixed } from './keys.js';
import { type Db, type DbSnapshot, decodeKv, mergedRange, overlayKey } from './kv-records.js';
import { type HashKvResult, type KvHasher, hashKvAt } from './hash-kv.js';
import { PendingBatch } from './pending.js';
import { ReadGate } from './read-gate.js';
import { KvCache } from './kv-cache.js';
import { type SnapshotInfo, type SnapshotStream, openSnapshotStream, writeSnapshotDir } from './snapshot.js';
import { type OpenDb, type StateFs, type StateStorage, levelOpenDb, nodeStateFs } from './state-fs.js';
import { type StateRecord, encodeState, readState } from './state-record.js';
import { type SwapPaths, recoverSwap, runSwap, swapPaths } from './swap.js';
import type { AppliedBatch, ApplyResult, ChangesResult, CommandResult, KeyValue, RangeResult } from './types.js';
import type { WatchHistorySize } from './watch-history-size.js';
import { compactWatchHistory, DEFAULT_WATCH_HISTORY_MAX_BYTES, DEFAULT_WATCH_HISTORY_REVISIONS, openWatchHistory, readChanges, valuesAsOf, type WatchHistoryBounds, writeWatchRecords } from './watch-log.js';

export interface StateMachineOptions {
  /** Revisions of watch history kept (node-local). Default 100k. */
  watchHistoryRevisions?: number;
  /** Bytes of watch history kept (node-local; 0 keeps none). Default 256 MiB. */
  watchHistoryMaxBytes?: number;
  /** Dedupe bounds. They decide whether a retry applies, so every member must use the same. */
  dedupe?: Partial<DedupeOptions>;
  /** fsync each applied batch. Default false: the WAL still has the entries; call sync() before compacting it. */
  syncWrites?: boolean;
  /** Target size of a snapshot data chunk. Default 1 MiB. */
  snapshotChunkBytes?: number;
  /** Memory for recently used key-values (kv-cache.ts); 0 turns the cache off. Default 16 MiB. */
  cacheBytes?: number;
  /**
   * LevelDB's table cache (`maxOpenFiles`; LevelDB keeps at least 74). Every open table file is
   * memory-mapped, so a full scan (a snapshot sent) counts up to (this − 10) × 2 MiB of page
   * cache in the process's VmRSS; fewer make uncached reads slower (performance.md). Default
   * DEFAULT_MAX_OPEN_FILES, not LevelDB's 1,000: a node's RSS must not grow with its data.
   */
  maxOpenFiles?: number;
  /**
   * Opens the database in `dir` (default: LevelDB through `level`). The whole-node simulation
   * gives an in-memory one (test/sim-node), so that nothing it runs waits on a thread pool.
   */
  openDb?: OpenDb;
  /**
   * The file system around the databases: a restore's or an install's directories and the swap
   * (swap.ts). Default node:fs; the simulation gives a twin that loses unsynced renames.
   */
  fs?: StateFs;
  /**
   * A listener (onApplied, or the auth store's onChange) threw: apply goes on (a broken watcher
   * must not stop the node), so this is where the error is told; the node logs and counts it.
   */
  onListenerError?: (err: unknown, source: 'applied' | 'auth') => void;
}

/**
 * Table files LevelDB keeps open (and memory-mapped): at most about (100 − 10) × 2 MiB = 180 MiB
 * of mapped tables in VmRSS however large the data, where LevelDB's own default (1,000) let a
 * snapshot of 1 GiB add 1 GiB to the sender's VmRSS. Data sets under ~180 MiB see no difference.
 */
export const DEFAULT_MAX_OPEN_FILES = 100;

/** A key range with etcd's conventions, or every key with a prefix. */
export type RangeSpec = { key: Uint8Array; rangeEnd?: Uint8Array } | { prefix: Uint8Array };
export type AppliedListener = (batch: AppliedBatch) => void;

/**
 * Listeners allowed at once: a last resort. The server bounds its watches itself
 * (--max-watches, at most 16,384, with shares per connection and per user).
 */
export const MAX_LISTENERS = 20_000;
const SKIPPED: CommandResult = { type: 'skipped' };
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
/** Written with sync:true by sync(); outside the replicated range, never read. */
const SYNC_KEY = Buffer.from('x');

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
  private readonly dedupeOptions: DedupeOptions;
  private readonly historyBounds: WatchHistoryBounds;
  /** The size of each record of the watch history (rebuilt at every load). */
  private history!: WatchHistorySize;
  private readonly storage: StateStorage;
  /** Listener exceptions caught so far (a broken watcher must not stop apply); each is told to onListenerError. */
  listenerErrors = 0;
  /** Users, roles and auth settings, replicated like the keyspace (auth-store.ts). */
  readonly auth = new AuthStore();

  private constructor(
    readonly dir: string,
    private readonly options: StateMachineOptions,
  ) {
    this.dedupeOptions = { ...DEFAULT_DEDUPE, ...options.dedupe };
    this.historyBounds = {
      maxRevisions: options.watchHistoryRevisions ?? DEFAULT_WATCH_HISTORY_REVISIONS,
      maxBytes: options.watchHistoryMaxBytes ?? DEFAULT_WATCH_HISTORY_MAX_BYTES,
    };
    this.cache = new KvCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.storage = { openDb: options.openDb ?? levelOpenDb, fs: options.fs ?? nodeStateFs };
    if (!(this.historyBounds.maxRevisions >= 1)) throw new InvalidArgumentError('watchHistoryRevisions', 'must be >= 1');
    if (!(this.historyBounds.maxBytes >= 0)) throw new InvalidArgumentError('watchHistoryMaxBytes', 'must be >= 0');
    const onListenerError = options.onListenerError;
    if (onListenerError) this.auth.onListenerError = (err) => onListenerError(err, 'auth');
  }

  /** Open (creating if needed) the state machine in `dir`, finishing any interrupted restore. */
  static async open(dir: string, options: StateMachineOptions = {}): Promise<StateMachine> {
    const sm = new StateMachine(dir, options);
    await sm.storage.fs.mkdir(dirname(dir));
    await sm.load();
    return sm;
  }

  private async load(): Promise<void> {
    await recoverSwap(this.dir, this.storage.fs);
    this.db = this.storage.openDb(this.dir, this.options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    await this.db.open();
    this.state = await readState(this.db);
    const history = await openWatchHistory(this.db, this.state, this.historyBounds);
    this.history = history.ledger;
    if (history.trimmed) await this.db.put(STATE_KEY, encodeState(this.state));
    this.dedupe = await DedupeTable.load(this.db, this.dedupeOptions);
    await this.auth.load(this.db);
    this.alarmTable = AlarmTable.decode(await this.db.get(prefixed(PREFIX_META, Buffer.from(ALARMS_META, 'utf8'))));
  }

  /** Sessions in the exactly-once table (metrics). */
  sessions(): number {
    return this.dedupe.size;
  }

  /** Bytes of this node's watch history (keys and values of its records; metrics). */
  watchHistoryBytes(): number {
    return this.history.bytes;
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
    const first = this.firstUnapplied(entries);
    const results: ApplyResult[] = new Array(entries.length);
    for (let i = 0; i < first; i++) results[i] = { index: entries[i]!.index, result: SKIPPED, duplicate: false };
    if (first === entries.length) return results;
    this.enter('apply');
    const batch = this.db.batch();
    try {
      const pending = new PendingBatch(this.db, this.state.revision, this.cache);
      pending.compactTo = this.state.firstWatchRevision;
      for (let i = first; i < entries.length; i++) results[i] = await this.applyEntry(pending, batch, entries[i]!);
      const last = entries[entries.length - 1]!;
      const next: StateRecord = { ...this.state, appliedIndex: last.index, appliedTerm: last.term, revision: pending.revision };
      pending.flushKvs(batch);
      for (const [name, value] of pending.meta) batch.put(prefixed(PREFIX_META, Buffer.from(name, 'utf8')), value);
      // The ledger moves ahead of LevelDB here: if the write fails, the instance is failed and a reopen recounts.
      writeWatchRecords(batch, pending.events, next, this.historyBounds, this.history);
      if (pending.compactTo > next.firstWatchRevision) compactWatchHistory(batch, next, pending.compactTo, this.history);
      batch.put(STATE_KEY, encodeState(next));
      // The results are final now; LevelDB only makes them readable. A caller may answer its
      // clients meanwhile: the entries are committed in the Raft log, and reads that must see
      // them wait for appliedIndex(), which moves only once the batch is written.
      beforeWrite?.(results);
      await batch.write({ sync: this.options.syncWrites === true });
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

  private firstUnapplied(entries: readonly Entry[]): number {
    if (entries.length === 0) return 0;
    const start = entries[0]!.index;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.index !== start + i) throw new StateInvariantError(`entries not contiguous at ${entries[i]!.index}`);
    }
    if (start > this.state.appliedIndex + 1) {
      throw new StateInvariantError(`entry ${start} leaves a gap after applied index ${this.state.appliedIndex}`);
    }
    return Math.min(entries.length, this.state.appliedIndex + 1 - start);
  }

  private async applyEntry(pending: PendingBatch, batch: ReturnType<Db['batch']>, e: Entry): Promise<ApplyResult> {
    this.dedupe.evictIdle(e.index, batch);
    if (e.type === EntryType.ConfChange || (e.type === EntryType.Normal && e.data.length === 0)) {
      return { index: e.index, result: { type: 'none', revision: pending.revision }, duplicate: false };
    }
    if (e.type !== EntryType.Normal) throw new StateInvariantError(`entry ${e.index} has unknown type ${String(e.type)}`);
    let cmd: Command;
    try {
      cmd = decodeCommand(e.data);
    } catch (err) {
      if (!(err instanceof InvalidCommandError)) throw err;
      return { index: e.index, result: { type: 'error', code: 'invalidCommand', message: err.message }, duplicate: false };
    }
    const req = cmd.req;
    // Sessions are per authenticated user: nobody reaches another user's (dedupe.ts).
    const session = req ? sessionKey(req.clientId, cmd.auth?.user) : '';
    if (req) {
      const verdict = this.dedupe.check(session, req);
      if (verdict === 'duplicate') return { index: e.index, result: this.dedupe.recordedResult(session), duplicate: true };
      if (verdict === 'stale') {
        const message = `stale request: seq ${req.seq} of client ${req.clientId} is older than its last applied request`;
        return { index: e.index, result: { type: 'error', code: 'staleRequest', message }, duplicate: false };
      }
    }
    // Not recorded when refused: the client may retry the same request id once authorized.
    const denied = this.auth.denial(cmd, false);
    if (denied) return { index: e.index, result: denied, duplicate: false };
    // Refused on every member alike, and not recorded: a retry after the disarm applies.
    if (this.alarmTable.noSpace && growsData(cmd)) {
      return { index: e.index, result: { type: 'error', code: 'noSpace', message: NO_SPACE_MESSAGE }, duplicate: false };
    }
    const full = req ? this.dedupe.admit(session, req.at, batch) : null;
    if (full !== null) return { index: e.index, result: { type: 'error', code: 'sessionsFull', message: full }, duplicate: false };
    const result = cmd.type === 'auth' ? this.auth.apply(cmd.op, batch, pending.revision) : await applyCommand(pending, cmd, this.alarmTable);
    if (req) this.dedupe.record(session, req, e.index, result, batch);
    return { index: e.index, result, duplicate: false };
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
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    try {
      const v = await this.db.get(prefixed(PREFIX_KV, key));
      return v === undefined ? null : decodeKv(key, v);
    } finally {
      this.gate.leave();
    }
  }

  /** Up to `limit` kvs of a range in key order, as of now or of a past `revision`. */
  async range(spec: RangeSpec, opts: { limit?: number; revision?: number } = {}): Promise<RangeResult> {
    const { key, rangeEnd } = 'prefix' in spec ? { key: spec.prefix, rangeEnd: prefixEnd(spec.prefix) } : spec;
    const limit = checkLimit(opts.limit);
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    let snapshot: DbSnapshot | undefined;
    try {
      snapshot = this.db.snapshot();
      const state = await readState(this.db, snapshot);
      let overlay = new Map<string, KeyValue | null>();
      const at = opts.revision ?? 0;
      if (at > state.revision) throw new FutureRevisionError(at, state.revision);
      if (at > 0 && at < state.revision) overlay = await valuesAsOf(this.db, snapshot, state, at, key, rangeEnd);
      const { kvs, more } = await mergedRange(this.db, key, rangeEnd, overlay, limit, snapshot);
      return { kvs, more, revision: state.revision };
    } finally {
      await snapshot?.close();
      this.gate.leave();
    }
  }

  /**
   * Watch history from `fromRevision` (inclusive) for keys with `prefix`, whole revisions until
   * `limit` changes or `maxBytes` of their records are read; throws CompactedError.
   */
  async changesSince(fromRevision: number, prefix?: Uint8Array, limit = 1000, maxBytes = Infinity): Promise<ChangesResult> {
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 1) throw new InvalidArgumentError('fromRevision', 'must be >= 1');
    const max = checkLimit(limit);
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    let snapshot: DbSnapshot | undefined;
    try {
      snapshot = this.db.snapshot();
      const state = await readState(this.db, snapshot);
      const { events, nextRevision } = await readChanges(this.db, snapshot, state, fromRevision, prefix, max, maxBytes);
      return { events, nextRevision, revision: state.revision };
    } finally {
      await snapshot?.close();
      this.gate.leave();
    }
  }

  /** The value last stored by setMeta under `name`, or undefined. */
  async getMeta(name: string): Promise<unknown> {
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    try {
      const v = await this.db.get(prefixed(PREFIX_META, Buffer.from(name, 'utf8')));
      return v === undefined ? undefined : unpack(v);
    } finally {
      this.gate.leave();
    }
  }

  /** Make every applied batch durable (fsync), e.g. before the WAL is compacted past it. */
  async sync(): Promise<void> {
    // One synced write flushes LevelDB's log, which holds every earlier write too. Not the state
    // record: rewriting it here could race an apply and move the applied index backwards.
    await this.db.put(SYNC_KEY, Buffer.alloc(0), { sync: true }).catch((err: unknown) => Promise.reject(storageError(this.dir, 'sync', err)));
  }

  /**
   * Rewrites every LevelDB table (a full compaction): deleted keys, overwritten values and dropped
   * watch history stop taking space. Reads and applies go on meanwhile; it costs disk I/O.
   */
  async compactStorage(): Promise<void> {
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    try {
      const db = this.db as unknown as { compactRange?: (start: Buffer, end: Buffer) => Promise<void> };
      if (typeof db.compactRange !== 'function') throw new StateInvariantError('this LevelDB binding cannot compact a range');
      await db.compactRange(Buffer.from([0x00]), Buffer.from([0xff]));
    } finally {
      this.gate.leave();
    }
  }

  /**
   * A consistent snapshot stream at the current applied index; `hasher` sees every record as it
   * is read (a backup computes its HashKV from the same snapshot it streams).
   */
  createSnapshot(hasher?: KvHasher): Promise<SnapshotStream> {
    return openSnapshotStream(this.db, this.options.snapshotChunkBytes ?? 1024 * 1024, hasher);
  }

  /** LevelDB's estimate of the bytes the replicated records take on disk (a progress estimate only). */
  async approximateBytes(): Promise<number> {
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    try {
      // `level` resolves to classic-level in Node, which has it; its types do not say so.
      const db = this.db as unknown as { approximateSize?(start: Buffer, end: Buffer): Promise<number> };
      return db.approximateSize ? await db.approximateSize(Buffer.alloc(0), REPLICATED_END) : 0;
    } finally {
      this.gate.leave();
    }
  }

  /** HashKV: the keyspace's digest at `revision` (0: now), from one LevelDB snapshot (hash-kv.ts). */
  async hashKv(revision = 0): Promise<HashKvResult> {
    if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidArgumentError('revision', 'must be a non-negative integer');
    if (this.gate.closed) await this.gate.wait();
    this.gate.enter();
    let snapshot: DbSnapshot | undefined;
    try {
      snapshot = this.db.snapshot();
      return await hashKvAt(this.db, snapshot, await readState(this.db, snapshot), revision);
    } finally {
      await snapshot?.close();
      this.gate.leave();
    }
  }

  /**
   * Replace the whole state with a snapshot stream: written to a new directory and verified while
   * this one keeps serving, then swapped in atomically (see swap.ts). Refuses an older snapshot.
   */
  async restoreSnapshot(chunks: AsyncIterable<Uint8Array>): Promise<SnapshotInfo> {
    this.enter('restoreSnapshot');
    const paths = swapPaths(this.dir);
    try {
      const info = await writeSnapshotDir(chunks, paths.next, { storage: this.storage });
      try {
        this.refuseOlder(info);
      } catch (err) {
        await this.storage.fs.rm(paths.next);
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
      await this.storage.fs.rm(paths.next);
      await this.storage.fs.rename(dir, paths.next);
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
        await this.db.close();
        await runSwap(paths, this.storage.fs);
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
