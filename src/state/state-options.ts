// The options of a state machine, their defaults, and the checks that refuse bad ones before
// anything is opened.
import { DEFAULT_DEDUPE, type DedupeOptions } from './dedupe.js';
import { InvalidArgumentError } from './errors.js';
import { type LevelTuning, type OpenDb, type StateFs, type StateStorage, levelOpenDb, nodeStateFs } from './state-fs.js';
import { DEFAULT_WATCH_HISTORY_MAX_BYTES, DEFAULT_WATCH_HISTORY_REVISIONS, type WatchHistoryBounds } from './watch-log.js';

export interface StateMachineOptions {
  /** Revisions of watch history kept (node-local). Default 100k. */
  watchHistoryRevisions?: number;
  /** Bytes of watch history kept (node-local; 0 keeps none). Default 256 MiB. */
  watchHistoryMaxBytes?: number;
  /**
   * Size at which the watch history starts a new segment file (history-log.ts); default from
   * watchHistoryMaxBytes (historySegmentBytes). Disk holds up to about one segment beyond the bound.
   */
  watchHistorySegmentBytes?: number;
  /** Dedupe bounds. They decide whether a retry applies, so every member must use the same. */
  dedupe?: Partial<DedupeOptions>;
  /** fsync each applied batch. Default false: the WAL still has the entries; call sync() before compacting it. */
  syncWrites?: boolean;
  /**
   * Target size of a snapshot data chunk. Default 256 KiB: each chunk is hashed, copied and framed
   * on the sender's event loop in one go, and other clients wait behind it; with 1 MiB chunks a
   * leader sending 1 GiB raised a put probe's p99 about a fifth more (docs/performance.md).
   */
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
   * LevelDB's memtable (`writeBufferSize`): applied writes are kept in memory up to this many bytes,
   * then flushed into a table file (two memtables while one is flushed; a node's peak RSS was
   * measured to grow by about four times this). Default DEFAULT_WRITE_BUFFER_BYTES, not LevelDB's
   * 4 MiB: each key's record and its watch record are two key ranges, so every small table
   * overlaps the others and LevelDB merges them again and again (performance.md, "LevelDB's write buffer").
   */
  writeBufferBytes?: number;
  /**
   * Snappy compression of LevelDB's table blocks (default true, LevelDB's own). Off: about a fifth
   * less CPU per 4 KiB put, more disk for values that compress (performance.md, "A fresh, quiet machine").
   */
  compression?: boolean;
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
/**
 * 16 MiB. A 3-node fill of 384 MiB of 64 KiB values (performance.md, "LevelDB's write buffer"):
 * LevelDB's own 4 MiB wrote 8.9-9.8x the live data per node (190 flushes, 104-269 compactions
 * writing 1.5-2.2 GiB), 16 MiB 8.0x (47 flushes, 58-60 compactions, 1.1 GiB), 64 MiB 6.4-7.1x
 * (11 flushes, 6-58 compactions, 0.6-0.8 GiB). But each node's peak RSS grew by about four times
 * the setting (4 MiB: 319-359 MiB; 16 MiB: 381-410; 64 MiB: 580-643), so 16 MiB keeps a node
 * well inside its memory bound; operators with memory to spare can raise it.
 */
export const DEFAULT_WRITE_BUFFER_BYTES = 16 * 1024 * 1024;
/** Bounds of writeBufferBytes: LevelDB's own default up to 1 GiB. */
export const MIN_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
export const MAX_WRITE_BUFFER_BYTES = 1024 * 1024 * 1024;
/**
 * A thirty-second of the history's byte bound, between 1 and 64 MiB: dropping a whole segment at
 * a time keeps at most about 3 % more than the bound on disk, in at most 33 open files.
 */
export function historySegmentBytes(maxBytes: number): number {
  return Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, Math.ceil(maxBytes / 32)));
}
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
const DEFAULT_SNAPSHOT_CHUNK_BYTES = 256 * 1024;

/** The options with every default filled in. */
export interface ResolvedStateOptions {
  dedupe: DedupeOptions;
  historyBounds: WatchHistoryBounds;
  historySegmentBytes: number;
  storage: StateStorage;
  cacheBytes: number;
  level: LevelTuning;
  snapshotChunkBytes: number;
}

/** Fills in the defaults and refuses bad bounds (InvalidArgumentError). */
export function resolveStateOptions(options: StateMachineOptions): ResolvedStateOptions {
  const historyBounds: WatchHistoryBounds = {
    maxRevisions: options.watchHistoryRevisions ?? DEFAULT_WATCH_HISTORY_REVISIONS,
    maxBytes: options.watchHistoryMaxBytes ?? DEFAULT_WATCH_HISTORY_MAX_BYTES,
  };
  if (!(historyBounds.maxRevisions >= 1)) throw new InvalidArgumentError('watchHistoryRevisions', 'must be >= 1');
  if (!(historyBounds.maxBytes >= 0)) throw new InvalidArgumentError('watchHistoryMaxBytes', 'must be >= 0');
  const segmentBytes = options.watchHistorySegmentBytes ?? historySegmentBytes(historyBounds.maxBytes);
  if (!(Number.isSafeInteger(segmentBytes) && segmentBytes >= 1)) throw new InvalidArgumentError('watchHistorySegmentBytes', 'must be a positive integer');
  const writeBufferBytes = options.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES;
  if (!(writeBufferBytes >= MIN_WRITE_BUFFER_BYTES && writeBufferBytes <= MAX_WRITE_BUFFER_BYTES)) {
    throw new InvalidArgumentError('writeBufferBytes', `must be between ${MIN_WRITE_BUFFER_BYTES} and ${MAX_WRITE_BUFFER_BYTES}`);
  }
  return {
    dedupe: { ...DEFAULT_DEDUPE, ...options.dedupe },
    historyBounds,
    historySegmentBytes: segmentBytes,
    storage: { openDb: options.openDb ?? levelOpenDb, fs: options.fs ?? nodeStateFs },
    cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    level: { maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES, writeBufferBytes, compression: options.compression ?? true },
    snapshotChunkBytes: options.snapshotChunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES,
  };
}
