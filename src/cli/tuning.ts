// Failover and storage tuning flags shared by `serve` and `dev`: each flag falls back to a
// RAFTDB_* variable, is checked with an error naming both, and can be turned back into serve
// flags (dev passes the same values to every node, as FailoverOptions asks).
import type { Command } from 'commander';
import type { FailoverOptions } from '../failover/index.js';
import { DEFAULT_SEND_HEAP_GROWING_PERCENT } from '../node/send-heap-growth.js';
import { DEFAULT_HEAP_GROWING_PERCENT, HEAP_GROWTH_OFF_ABOVE_BYTES, HEAP_GROWTH_ON_BELOW_BYTES } from '../node/heap-growth.js';
import { DEFAULT_WRITE_BUFFER_BYTES, MAX_WRITE_BUFFER_BYTES, MIN_WRITE_BUFFER_BYTES } from '../state/index.js';
import { DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC } from '../transport/index.js';
import { UsageError, intSetting } from './common.js';

/** The flags as commander hands them over (text, so that env values are checked the same way). */
export interface TuningFlags {
  preferredLeader?: string;
  autoFailback?: boolean;
  failbackDelayMs?: string;
  maxLagEntries?: string;
  snapshotEntries?: string;
  asyncReplicationDelayMs?: string;
  stateMaxOpenFiles?: string;
  stateWriteBufferBytes?: string;
  stateCompression?: string;
  watchHistoryMaxBytes?: string;
  snapshotSendMaxBytesPerSec?: string;
  snapshotSendYield?: string;
  snapshotSendHeapGrowingPercent?: string;
  heapGrowingPercent?: string;
}

/** Checked tuning: what NodeOptions takes. */
export interface Tuning {
  failover: Partial<FailoverOptions>;
  snapshotEntries?: number;
  asyncReplicationDelayMs?: number;
  stateMaxOpenFiles?: number;
  stateWriteBufferBytes?: number;
  stateCompression?: boolean;
  watchHistoryMaxBytes?: number;
  snapshotSendBytesPerSec?: number;
  snapshotSendYield?: boolean;
  snapshotSendHeapGrowingPercent?: number;
  heapGrowingPercent?: number;
}

const DAY_MS = 86_400_000;
const MAX_ENTRIES = 1_000_000_000;
/** The Raft core replicates deferred entries within two ticks (20 ms) whatever the host asks. */
const MAX_ASYNC_DELAY_MS = 20;
/** LevelDB clips max_open_files to this range (64 tables + 10 other files, 50,000). */
const MIN_OPEN_FILES = 74;
const MAX_OPEN_FILES = 50_000;
/** --watch-history-max-bytes: 0 keeps no history; at most 1 PiB. */
const MAX_HISTORY_BYTES = 2 ** 50;
/**
 * --snapshot-send-max-bytes-per-sec: 0 (no limit) or at least 1 MiB/s. Below that a 1 GiB
 * catch-up would take hours while the learner's log falls further behind: a typo, not a choice.
 */
const MIN_SNAPSHOT_RATE = 1024 * 1024;
const MAX_SNAPSHOT_RATE = 2 ** 40;
/** --heap-growing-percent and --snapshot-send-heap-growing-percent: V8's growing factor at most 11. */
const MAX_HEAP_GROWING_PERCENT = 1000;

/**
 * Adds --preferred-leader, --auto-failback, --failback-delay-ms, --max-lag-entries,
 * --snapshot-entries, --async-replication-delay-ms, --state-max-open-files,
 * --state-write-buffer-bytes, --watch-history-max-bytes, --snapshot-send-max-bytes-per-sec,
 * --snapshot-send-yield, --snapshot-send-heap-growing-percent and --heap-growing-percent.
 */
export function addTuningOptions(cmd: Command): Command {
  return cmd
    .option('--preferred-leader <id>', 'node that should lead when healthy; failback returns leadership to it (RAFTDB_PREFERRED_LEADER)')
    .option('--auto-failback', 'fail back to the preferred leader automatically (RAFTDB_AUTO_FAILBACK=1)')
    .option('--failback-delay-ms <ms>', 'how long the preferred leader must be healthy and caught up first; default 10000 (RAFTDB_FAILBACK_DELAY_MS)')
    .option('--max-lag-entries <n>', 'most entries a switchover candidate may lag; default 1000 (RAFTDB_MAX_LAG_ENTRIES)')
    .option('--snapshot-entries <n>', 'applied entries between snapshots; default 10000 (RAFTDB_SNAPSHOT_ENTRIES)')
    .option('--async-replication-delay-ms <ms>', 'ASYNC writes reach the followers at most this late, batched; 0 = at once; default 5 (RAFTDB_ASYNC_REPLICATION_DELAY_MS)')
    .option('--state-max-open-files <n>', 'LevelDB table files kept open and memory-mapped; bounds VmRSS during full scans to about (n - 10) x 2 MiB; default 100 (RAFTDB_STATE_MAX_OPEN_FILES)')
    .option(
      '--state-write-buffer-bytes <n>',
      `LevelDB's memtable: applied writes held in memory before they are flushed into a table file; larger means fewer table merges (less disk written, less CPU) for more memory: a node's peak RSS grew by about four times this under a heavy write load; ${MIN_WRITE_BUFFER_BYTES} to ${MAX_WRITE_BUFFER_BYTES}; default ${DEFAULT_WRITE_BUFFER_BYTES} (RAFTDB_STATE_WRITE_BUFFER_BYTES)`,
    )
    .option(
      '--state-compression <on|off>',
      "Snappy compression of LevelDB's table blocks; off saves about a fifth of the CPU of a 4 KiB put (every flush and compaction compresses and decompresses its blocks) and stores values that compress at full size (more disk, and the quota counts it); tables written either way stay readable; default on (RAFTDB_STATE_COMPRESSION)",
    )
    .option(
      '--watch-history-max-bytes <n>',
      'bytes of watch history this node keeps (each revision\'s new and previous values), beside the revision bound; older revisions are dropped as new ones come, and a watch or read from them gets a compacted error; 0 keeps none; default 268435456 (RAFTDB_WATCH_HISTORY_MAX_BYTES)',
    )
    .option(
      '--snapshot-send-max-bytes-per-sec <n>',
      `snapshot data this node sends per second to members catching up, all together; trades a learner's catch-up time for the CPU left to clients; 0 = no limit, else at least ${MIN_SNAPSHOT_RATE}; default ${DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC} (RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC)`,
    )
    .option(
      '--snapshot-send-yield <on|off>',
      "a leader's snapshot sends slow down (to 16 MiB/s at the least) while its clients' writes take longer than before the send began, and speed up again as they recover; off sends as fast as the learner takes them (or --snapshot-send-max-bytes-per-sec); default on (RAFTDB_SNAPSHOT_SEND_YIELD)",
    )
    .option(
      '--snapshot-send-heap-growing-percent <n>',
      `while this node sends a snapshot, V8's heap may grow by this percent over what the last collection kept, so the buffers a send allocates do not keep its collector marking; costs memory during sends only; 0 = V8's own factor; default ${DEFAULT_SEND_HEAP_GROWING_PERCENT} (RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT)`,
    )
    .option(
      '--heap-growing-percent <n>',
      `V8's heap may grow by this percent over what the last collection kept while the used heap is below ${HEAP_GROWTH_OFF_ABOVE_BYTES / 1024 / 1024} MiB (again below ${HEAP_GROWTH_ON_BELOW_BYTES / 1024 / 1024} MiB), so the buffers every write allocates do not keep its collector marking: less CPU per put, more so for large values, for a larger heap; 0 = V8's own factor; default ${DEFAULT_HEAP_GROWING_PERCENT} (RAFTDB_HEAP_GROWING_PERCENT)`,
    );
}

function bool(v: string, name: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
  throw new UsageError(`${name}: "${v}" is not a boolean (use 1/0, true/false, yes/no)`);
}

/**
 * Checks the tuning flags (falling back to RAFTDB_* variables). `members` are the node ids the
 * preferred leader must be one of, or null when they are not all known (a joining node).
 */
export function tuningOptions(f: TuningFlags, env: Record<string, string | undefined>, members: string[] | null): Tuning {
  const failover: Partial<FailoverOptions> = {};
  const preferred = f.preferredLeader ?? env.RAFTDB_PREFERRED_LEADER;
  if (preferred !== undefined && preferred !== '') {
    if (members && !members.includes(preferred)) {
      throw new UsageError(`--preferred-leader (RAFTDB_PREFERRED_LEADER): "${preferred}" is not a member (${members.join(', ')})`);
    }
    failover.preferredLeader = preferred;
  }
  const auto = f.autoFailback ?? (env.RAFTDB_AUTO_FAILBACK !== undefined ? bool(env.RAFTDB_AUTO_FAILBACK, 'RAFTDB_AUTO_FAILBACK') : false);
  if (auto) {
    if (!failover.preferredLeader) throw new UsageError('--auto-failback (RAFTDB_AUTO_FAILBACK) needs --preferred-leader (RAFTDB_PREFERRED_LEADER)');
    failover.autoFailback = true;
  }
  const delay = f.failbackDelayMs ?? env.RAFTDB_FAILBACK_DELAY_MS;
  if (delay !== undefined) failover.failbackDelayMs = intSetting(delay, '--failback-delay-ms (RAFTDB_FAILBACK_DELAY_MS)', 0, DAY_MS);
  const lag = f.maxLagEntries ?? env.RAFTDB_MAX_LAG_ENTRIES;
  if (lag !== undefined) failover.maxLagEntries = intSetting(lag, '--max-lag-entries (RAFTDB_MAX_LAG_ENTRIES)', 1, MAX_ENTRIES);
  const t: Tuning = { failover };
  const snap = f.snapshotEntries ?? env.RAFTDB_SNAPSHOT_ENTRIES;
  if (snap !== undefined) t.snapshotEntries = intSetting(snap, '--snapshot-entries (RAFTDB_SNAPSHOT_ENTRIES)', 1, MAX_ENTRIES);
  const asyncDelay = f.asyncReplicationDelayMs ?? env.RAFTDB_ASYNC_REPLICATION_DELAY_MS;
  if (asyncDelay !== undefined) {
    t.asyncReplicationDelayMs = intSetting(asyncDelay, '--async-replication-delay-ms (RAFTDB_ASYNC_REPLICATION_DELAY_MS)', 0, MAX_ASYNC_DELAY_MS);
  }
  const openFiles = f.stateMaxOpenFiles ?? env.RAFTDB_STATE_MAX_OPEN_FILES;
  if (openFiles !== undefined) {
    t.stateMaxOpenFiles = intSetting(openFiles, '--state-max-open-files (RAFTDB_STATE_MAX_OPEN_FILES)', MIN_OPEN_FILES, MAX_OPEN_FILES);
  }
  const writeBuffer = f.stateWriteBufferBytes ?? env.RAFTDB_STATE_WRITE_BUFFER_BYTES;
  if (writeBuffer !== undefined) {
    t.stateWriteBufferBytes = intSetting(writeBuffer, '--state-write-buffer-bytes (RAFTDB_STATE_WRITE_BUFFER_BYTES)', MIN_WRITE_BUFFER_BYTES, MAX_WRITE_BUFFER_BYTES);
  }
  const compression = f.stateCompression ?? env.RAFTDB_STATE_COMPRESSION;
  if (compression !== undefined) t.stateCompression = bool(compression, '--state-compression (RAFTDB_STATE_COMPRESSION)');
  const historyBytes = f.watchHistoryMaxBytes ?? env.RAFTDB_WATCH_HISTORY_MAX_BYTES;
  if (historyBytes !== undefined) {
    t.watchHistoryMaxBytes = intSetting(historyBytes, '--watch-history-max-bytes (RAFTDB_WATCH_HISTORY_MAX_BYTES)', 0, MAX_HISTORY_BYTES);
  }
  const rate = f.snapshotSendMaxBytesPerSec ?? env.RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC;
  if (rate !== undefined) t.snapshotSendBytesPerSec = snapshotRate(rate);
  const yieldFlag = f.snapshotSendYield ?? env.RAFTDB_SNAPSHOT_SEND_YIELD;
  if (yieldFlag !== undefined) t.snapshotSendYield = bool(yieldFlag, '--snapshot-send-yield (RAFTDB_SNAPSHOT_SEND_YIELD)');
  const heap = f.heapGrowingPercent ?? env.RAFTDB_HEAP_GROWING_PERCENT;
  if (heap !== undefined) t.heapGrowingPercent = intSetting(heap, '--heap-growing-percent (RAFTDB_HEAP_GROWING_PERCENT)', 0, MAX_HEAP_GROWING_PERCENT);
  const growth = f.snapshotSendHeapGrowingPercent ?? env.RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT;
  if (growth !== undefined) {
    t.snapshotSendHeapGrowingPercent = intSetting(growth, '--snapshot-send-heap-growing-percent (RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT)', 0, MAX_HEAP_GROWING_PERCENT);
  }
  return t;
}

function snapshotRate(text: string): number {
  const name = '--snapshot-send-max-bytes-per-sec (RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC)';
  const n = intSetting(text, name, 0, MAX_SNAPSHOT_RATE);
  if (n !== 0 && n < MIN_SNAPSHOT_RATE) throw new UsageError(`${name}: ${n} is below ${MIN_SNAPSHOT_RATE} bytes per second (1 MiB/s); use 0 for no limit`);
  return n;
}

/** The serve flags that reproduce `t` (how dev hands its tuning to each node process). */
export function tuningArgs(t: Tuning): string[] {
  const a: string[] = [];
  const f = t.failover;
  if (f.preferredLeader) a.push('--preferred-leader', f.preferredLeader);
  if (f.autoFailback) a.push('--auto-failback');
  if (f.failbackDelayMs !== undefined) a.push('--failback-delay-ms', String(f.failbackDelayMs));
  if (f.maxLagEntries !== undefined) a.push('--max-lag-entries', String(f.maxLagEntries));
  if (t.snapshotEntries !== undefined) a.push('--snapshot-entries', String(t.snapshotEntries));
  if (t.asyncReplicationDelayMs !== undefined) a.push('--async-replication-delay-ms', String(t.asyncReplicationDelayMs));
  if (t.stateMaxOpenFiles !== undefined) a.push('--state-max-open-files', String(t.stateMaxOpenFiles));
  if (t.stateWriteBufferBytes !== undefined) a.push('--state-write-buffer-bytes', String(t.stateWriteBufferBytes));
  if (t.stateCompression !== undefined) a.push('--state-compression', t.stateCompression ? 'on' : 'off');
  if (t.watchHistoryMaxBytes !== undefined) a.push('--watch-history-max-bytes', String(t.watchHistoryMaxBytes));
  if (t.snapshotSendBytesPerSec !== undefined) a.push('--snapshot-send-max-bytes-per-sec', String(t.snapshotSendBytesPerSec));
  if (t.snapshotSendYield !== undefined) a.push('--snapshot-send-yield', t.snapshotSendYield ? 'on' : 'off');
  if (t.snapshotSendHeapGrowingPercent !== undefined) a.push('--snapshot-send-heap-growing-percent', String(t.snapshotSendHeapGrowingPercent));
  if (t.heapGrowingPercent !== undefined) a.push('--heap-growing-percent', String(t.heapGrowingPercent));
  return a;
}
