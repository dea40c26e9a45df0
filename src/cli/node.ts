// `raftdb serve`: one node in this process, for containers, real deployments and the node
// processes of `raftdb dev`. Stops cleanly on SIGINT/SIGTERM (or when the dev parent that
// spawned it goes away) and exits 0; a node that stops on a fatal error (a full or failing WAL
// disk, a broken invariant) exits 3 (EXIT_FATAL) once it has closed; a node removed from the
// cluster by a membership change exits 4 (EXIT_REMOVED) once it has closed.
import { type Command, Option } from 'commander';
import { isEndpoint } from '../client/errors.js';
import { cronProblem } from '../backup/scheduler.js';
import { type NodeOptions, type RunningNode, readClusterId, startNode } from '../server/index.js';
import { type CliIo, CliFailure, MemberRemovedError, UsageError, intSetting } from './common.js';
import type { ReadyMessage } from '../cluster/local-cluster.js';
import { type ServeTlsFlags, addServeTlsOptions, serveTlsOptions } from './tls-flags.js';
import { type TuningFlags, addTuningOptions, tuningOptions } from './tuning.js';
import { type LimitFlags, addLimitOptions, limitOptions } from './limit-flags.js';

/** How long stopping may take; the WAL is durable, so giving up then loses nothing acknowledged. */
export const CLOSE_TIMEOUT_MS = 30_000;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Priorities above this are a typo, not a policy. */
const MAX_PRIORITY = 1000;
/** --max-request-bytes bounds: a key and a small value at least; at most what gRPC and a peer message carry comfortably. */
const MIN_REQUEST_BYTES = 8 * 1024;
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** --quota-backend-bytes bounds: an empty LevelDB and a few writes at least; at most 1 PiB. */
const MIN_QUOTA_BYTES = 1024 * 1024;
const MAX_QUOTA_BYTES = 2 ** 50;

/** serve's flags as commander hands them over; each falls back to its RAFTDB_* variable. */
export interface ServeFlags extends TuningFlags, ServeTlsFlags, LimitFlags {
  id?: string;
  listen?: string;
  advertise?: string;
  http?: string;
  httpAllowedHosts?: string;
  httpAuth?: boolean;
  httpAuthMetrics?: boolean;
  peers?: string;
  dataDir?: string;
  join?: boolean;
  priority?: string;
  clusterId?: string;
  logLevel?: string;
  maxRequestBytes?: string;
  archiveDir?: string;
  archiveSegmentMs?: string;
  archiveKeyFile?: string;
  corruptionCheckInterval?: string;
  backupYieldDelayMs?: string;
  backupSchedule?: string;
  backupDir?: string;
  backupKeepLast?: string;
  backupKeepDaily?: string;
  backupKeepWeekly?: string;
  backupKeyFile?: string;
  auditLog?: string;
  auditLogMaxBytes?: string;
  auditLogKeep?: string;
  authTokenTtlMs?: string;
  quotaBackendBytes?: string;
}

/** Registers serve. */
export function registerNodeCommands(program: Command, io: CliIo): void {
  const serve = program
    .command('serve')
    .description('run one node (flags or RAFTDB_* environment variables)')
    .option('--id <id>', 'node id (RAFTDB_ID)')
    .option('--listen <host:port>', 'gRPC address (RAFTDB_LISTEN)')
    .option('--advertise <host:port>', 'address peers and clients use, if not --listen (RAFTDB_ADVERTISE)')
    .option('--http <host:port>', 'HTTP address for metrics and dashboard, "none" for none (RAFTDB_HTTP)')
    .option('--http-allowed-hosts <names>', 'more host names the HTTP port answers to, comma-separated; IP addresses always work (RAFTDB_HTTP_ALLOWED_HOSTS)')
    .option('--http-auth', 'while auth is enabled, the dashboard and /api/* need a user\'s password (HTTP Basic) or token (Bearer); /healthz and /readyz stay open (RAFTDB_HTTP_AUTH=1)')
    .option('--http-auth-metrics', 'with --http-auth, /metrics needs credentials too (RAFTDB_HTTP_AUTH_METRICS=1)')
    .option('--peers <list>', 'founding members id=host:port,... (RAFTDB_PEERS; default: this node alone)')
    .option('--data-dir <dir>', 'data directory (RAFTDB_DATA_DIR)')
    .option('--join', 'join an existing cluster instead of founding one (RAFTDB_JOIN=1)')
    .option('--priority <n>', 'leadership priority; 0 never leads; default 1 (RAFTDB_PRIORITY)')
    .option('--cluster-id <id>', 'cluster id; default the one a restored data directory records, else raftdb (RAFTDB_CLUSTER_ID)')
    .option('--max-request-bytes <n>', 'largest write once encoded (a txn with all its values); default 1572864 (RAFTDB_MAX_REQUEST_BYTES)')
    .option('--archive-dir <dir>', 'continuous archiving: the leader writes every revision here; a directory every member shares (RAFTDB_ARCHIVE_DIR)')
    .option('--archive-segment-ms <ms>', 'an archive segment is closed this often; 100..60000, default 1000 (RAFTDB_ARCHIVE_SEGMENT_MS)')
    .option('--archive-key-file <file>', 'encrypt archive segments with this key (RAFTDB_ARCHIVE_KEY_FILE)')
    .option('--backup-schedule <cron>', "scheduled backups by the leader, a cron expression in UTC, e.g. '0 */6 * * *' (RAFTDB_BACKUP_SCHEDULE)")
    .option('--backup-dir <dir>', 'where scheduled backups go (RAFTDB_BACKUP_DIR)')
    .option('--backup-keep-last <n>', 'after each scheduled backup keep the N newest (RAFTDB_BACKUP_KEEP_LAST)')
    .option('--backup-keep-daily <n>', '... and the newest of each of the N most recent days (RAFTDB_BACKUP_KEEP_DAILY)')
    .option('--backup-keep-weekly <n>', '... and of each of the N most recent ISO weeks (RAFTDB_BACKUP_KEEP_WEEKLY)')
    .option('--backup-key-file <file>', 'encrypt scheduled backups with this key (RAFTDB_BACKUP_KEY_FILE)')
    .option('--backup-yield-delay-ms <ms>', 'a backup streamed from this node waits while its event loop runs later than this (foreground work first); 0..1000, default 10, 0 never waits (RAFTDB_BACKUP_YIELD_DELAY_MS)')
    .option('--corruption-check-interval <ms>', 'compare HashKV with the other members this often and raise CORRUPT on a mismatch; 1000..86400000, off by default (RAFTDB_CORRUPTION_CHECK_INTERVAL_MS)')
    .option('--audit-log <file>', 'one JSON line per write, admin action, auth change and refused request (RAFTDB_AUDIT_LOG)')
    .option('--audit-log-max-bytes <n>', 'rotate the audit log past this size; default 104857600 (RAFTDB_AUDIT_LOG_MAX_BYTES)')
    .option('--audit-log-keep <n>', 'rotated audit logs kept (FILE.1 ...); default 5 (RAFTDB_AUDIT_LOG_KEEP)')
    .option('--auth-token-ttl-ms <ms>', 'how long a token from Authenticate is good for; default 300000 (RAFTDB_AUTH_TOKEN_TTL_MS)')
    .option('--quota-backend-bytes <n>', 'storage quota of this member\'s state machine on disk; past it a NOSPACE alarm stops writes that add data; default 2147483648 (RAFTDB_QUOTA_BACKEND_BYTES)')
    .addOption(new Option('--log-level <level>', 'log level; default info (RAFTDB_LOG_LEVEL)').choices(LOG_LEVELS));
  addLimitOptions(addServeTlsOptions(addTuningOptions(serve))).action(async (flags: ServeFlags) => {
    const opts = serveOptions(flags, io.env);
    // A restored data directory names its cluster: use it unless one was given (startNode
    // refuses a mismatch either way).
    const recorded = (flags.clusterId ?? io.env.RAFTDB_CLUSTER_ID) ? null : await readClusterId(opts.dataDir);
    if (recorded) opts.clusterId = recorded;
    // Every file the node creates (WAL, LevelDB, snapshots) is the node user's alone: 0600/0700.
    process.umask(0o077);
    const signals = signalWaiter();
    let node: RunningNode | null = null;
    // SIGHUP re-reads the certificate files (they are also watched for changes).
    const reload = (): void => node?.reloadCertificates('SIGHUP');
    process.on('SIGHUP', reload);
    try {
      node = await startNode(opts);
      io.err(`raftdb: node ${node.id} serving on ${node.address}${opts.tls?.client ? ' (TLS)' : ''}\n`);
      process.send?.({ type: 'ready', id: node.id, address: node.address } satisfies ReadyMessage);
      // A node that stopped on a fatal error has closed itself: the process ends with EXIT_FATAL
      // instead of waiting for a signal that would never come.
      const ended = await Promise.race([signals.stopped.then(() => null), node.fatal, node.removed.then(() => 'removed' as const)]);
      if (ended instanceof Error) throw ended;
      await closeWithin([node]);
      // After the close, so the node's last writes are on disk before the process says why it ends.
      if (ended === 'removed') throw new MemberRemovedError(node.id);
    } finally {
      process.off('SIGHUP', reload);
      signals.dispose();
      if (process.connected) process.disconnect();
    }
  });
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());
}

function address(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError(`${flag} is required`);
  if (!isEndpoint(v)) throw new UsageError(`${flag}: "${v}" is not host:port`);
  return v;
}

/** Parses id=host:port,... into a map. */
export function parsePeers(list: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, addr, extra] = item.split('=');
    if (!id || !addr || extra !== undefined || !isEndpoint(addr)) throw new UsageError(`--peers: "${item}" is not id=host:port`);
    if (peers.has(id)) throw new UsageError(`--peers: ${id} is listed twice`);
    peers.set(id, addr);
  }
  return peers;
}

/** NodeOptions from serve's flags, each falling back to its RAFTDB_* variable; UsageError names what is wrong. */
export function serveOptions(f: ServeFlags, env: Record<string, string | undefined> = {}): NodeOptions {
  const id = f.id ?? env.RAFTDB_ID;
  if (!id) throw new UsageError('--id (or RAFTDB_ID) is required');
  const listen = address(f.listen ?? env.RAFTDB_LISTEN, '--listen');
  const dataDir = f.dataDir ?? env.RAFTDB_DATA_DIR;
  if (!dataDir) throw new UsageError('--data-dir (or RAFTDB_DATA_DIR) is required');
  const advertiseFlag = f.advertise ?? env.RAFTDB_ADVERTISE;
  const self = advertiseFlag ? address(advertiseFlag, '--advertise') : listen;
  const join = f.join ?? isTrue(env.RAFTDB_JOIN);
  const peerList = f.peers ?? env.RAFTDB_PEERS;
  const peers = peerList ? parsePeers(peerList) : new Map([[id, self]]);
  if (!join && !peers.has(id)) throw new UsageError(`--peers must include this node (${id})`);
  const httpFlag = f.http ?? env.RAFTDB_HTTP;
  const http = !httpFlag || httpFlag === 'none' ? null : address(httpFlag, '--http');
  const logLevel = f.logLevel ?? env.RAFTDB_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level (RAFTDB_LOG_LEVEL): "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  const priorityText = f.priority ?? env.RAFTDB_PRIORITY;
  const priority = priorityText === undefined ? 1 : intSetting(priorityText, '--priority (RAFTDB_PRIORITY)', 0, MAX_PRIORITY);
  // A joining node may know only part of the membership, so its preferred leader is not checked.
  const tuning = tuningOptions(f, env, join ? null : [...peers.keys()]);
  const clusterId = f.clusterId ?? env.RAFTDB_CLUSTER_ID ?? 'raftdb';
  const opts: NodeOptions = { id, listen, http, peers, dataDir, join, priority, clusterId, logLevel, failover: tuning.failover };
  if (tuning.snapshotEntries !== undefined) opts.snapshotEntries = tuning.snapshotEntries;
  if (tuning.asyncReplicationDelayMs !== undefined) opts.asyncReplicationDelayMs = tuning.asyncReplicationDelayMs;
  if (tuning.stateMaxOpenFiles !== undefined) opts.stateMaxOpenFiles = tuning.stateMaxOpenFiles;
  if (tuning.stateWriteBufferBytes !== undefined) opts.stateWriteBufferBytes = tuning.stateWriteBufferBytes;
  if (tuning.stateCompression !== undefined) opts.stateCompression = tuning.stateCompression;
  if (tuning.watchHistoryMaxBytes !== undefined) opts.watchHistoryMaxBytes = tuning.watchHistoryMaxBytes;
  if (tuning.snapshotSendBytesPerSec !== undefined) opts.snapshotSendBytesPerSec = tuning.snapshotSendBytesPerSec;
  if (tuning.snapshotSendYield !== undefined) opts.snapshotSendYield = tuning.snapshotSendYield;
  if (tuning.snapshotSendHeapGrowingPercent !== undefined) opts.snapshotSendHeapGrowingPercent = tuning.snapshotSendHeapGrowingPercent;
  if (tuning.heapGrowingPercent !== undefined) opts.heapGrowingPercent = tuning.heapGrowingPercent;
  if (advertiseFlag) opts.advertise = advertiseFlag;
  const maxRequestBytes = f.maxRequestBytes ?? env.RAFTDB_MAX_REQUEST_BYTES;
  if (maxRequestBytes !== undefined) opts.limits = { maxRequestBytes: intSetting(maxRequestBytes, '--max-request-bytes (RAFTDB_MAX_REQUEST_BYTES)', MIN_REQUEST_BYTES, MAX_REQUEST_BYTES) };
  const quota = f.quotaBackendBytes ?? env.RAFTDB_QUOTA_BACKEND_BYTES;
  if (quota !== undefined) opts.quotaBackendBytes = intSetting(quota, '--quota-backend-bytes (RAFTDB_QUOTA_BACKEND_BYTES)', MIN_QUOTA_BYTES, MAX_QUOTA_BYTES);
  const { clientLimits, shedding } = limitOptions(f, env);
  if (Object.keys(clientLimits).length > 0) opts.clientLimits = clientLimits;
  if (Object.keys(shedding).length > 0) opts.shedding = shedding;
  const allowedHosts = f.httpAllowedHosts ?? env.RAFTDB_HTTP_ALLOWED_HOSTS;
  if (allowedHosts) opts.httpAllowedHosts = allowedHosts.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const httpAuth = f.httpAuth ?? isTrue(env.RAFTDB_HTTP_AUTH);
  const httpAuthMetrics = f.httpAuthMetrics ?? isTrue(env.RAFTDB_HTTP_AUTH_METRICS);
  if (httpAuthMetrics && !httpAuth) throw new UsageError('--http-auth-metrics (RAFTDB_HTTP_AUTH_METRICS) needs --http-auth (RAFTDB_HTTP_AUTH)');
  if (httpAuth) {
    if (!http) throw new UsageError('--http-auth needs --http (there is no HTTP port to protect)');
    opts.httpAuth = { metrics: httpAuthMetrics };
  }
  const tls = serveTlsOptions(f, env);
  if (tls) opts.tls = tls;
  const archiveDir = f.archiveDir ?? env.RAFTDB_ARCHIVE_DIR;
  const segmentMs = f.archiveSegmentMs ?? env.RAFTDB_ARCHIVE_SEGMENT_MS;
  const archiveKeyFile = f.archiveKeyFile ?? env.RAFTDB_ARCHIVE_KEY_FILE;
  if ((segmentMs !== undefined || archiveKeyFile) && !archiveDir) throw new UsageError('--archive-segment-ms and --archive-key-file need --archive-dir');
  const checkMs = f.corruptionCheckInterval ?? env.RAFTDB_CORRUPTION_CHECK_INTERVAL_MS;
  if (checkMs !== undefined) opts.corruptionCheckIntervalMs = intSetting(checkMs, '--corruption-check-interval (RAFTDB_CORRUPTION_CHECK_INTERVAL_MS)', 1000, 86_400_000);
  const yieldMs = f.backupYieldDelayMs ?? env.RAFTDB_BACKUP_YIELD_DELAY_MS;
  if (yieldMs !== undefined) opts.backupYieldDelayMs = intSetting(yieldMs, '--backup-yield-delay-ms (RAFTDB_BACKUP_YIELD_DELAY_MS)', 0, 1000);
  const schedule = backupSchedule(f, env);
  if (schedule) opts.backupSchedule = schedule;
  if (archiveDir) {
    opts.archive = {
      dir: archiveDir,
      ...(segmentMs !== undefined ? { segmentMs: intSetting(segmentMs, '--archive-segment-ms (RAFTDB_ARCHIVE_SEGMENT_MS)', 100, 60_000) } : {}),
      ...(archiveKeyFile ? { keyFile: archiveKeyFile } : {}),
    };
  }
  const auditFile = f.auditLog ?? env.RAFTDB_AUDIT_LOG;
  const auditMax = f.auditLogMaxBytes ?? env.RAFTDB_AUDIT_LOG_MAX_BYTES;
  const auditKeep = f.auditLogKeep ?? env.RAFTDB_AUDIT_LOG_KEEP;
  if (auditFile) {
    opts.audit = { file: auditFile };
    if (auditMax !== undefined) opts.audit.maxBytes = intSetting(auditMax, '--audit-log-max-bytes (RAFTDB_AUDIT_LOG_MAX_BYTES)', 4096, Number.MAX_SAFE_INTEGER);
    if (auditKeep !== undefined) opts.audit.keep = intSetting(auditKeep, '--audit-log-keep (RAFTDB_AUDIT_LOG_KEEP)', 1, 1000);
  } else if (auditMax !== undefined || auditKeep !== undefined) {
    throw new UsageError('--audit-log-max-bytes and --audit-log-keep need --audit-log');
  }
  const ttl = f.authTokenTtlMs ?? env.RAFTDB_AUTH_TOKEN_TTL_MS;
  if (ttl !== undefined) opts.auth = { tokenTtlMs: intSetting(ttl, '--auth-token-ttl-ms (RAFTDB_AUTH_TOKEN_TTL_MS)', 1000, 7 * 24 * 3600 * 1000) };
  return opts;
}

/** --backup-* flags (or their variables) as the node's schedule; UsageError names what is wrong. */
function backupSchedule(f: ServeFlags, env: Record<string, string | undefined>): NodeOptions['backupSchedule'] {
  const cron = f.backupSchedule ?? env.RAFTDB_BACKUP_SCHEDULE;
  const dir = f.backupDir ?? env.RAFTDB_BACKUP_DIR;
  const keepText = { keepLast: f.backupKeepLast ?? env.RAFTDB_BACKUP_KEEP_LAST, keepDaily: f.backupKeepDaily ?? env.RAFTDB_BACKUP_KEEP_DAILY, keepWeekly: f.backupKeepWeekly ?? env.RAFTDB_BACKUP_KEEP_WEEKLY };
  const keyFile = f.backupKeyFile ?? env.RAFTDB_BACKUP_KEY_FILE;
  if (!cron) {
    if (dir || keyFile || Object.values(keepText).some((v) => v !== undefined)) throw new UsageError('--backup-dir, --backup-keep-* and --backup-key-file need --backup-schedule');
    return undefined;
  }
  if (!dir) throw new UsageError('--backup-schedule needs --backup-dir');
  const problem = cronProblem(cron);
  if (problem) throw new UsageError(`--backup-schedule (RAFTDB_BACKUP_SCHEDULE): "${cron}" is not a cron expression: ${problem}`);
  const keep: Record<string, number> = {};
  const flag = { keepLast: '--backup-keep-last', keepDaily: '--backup-keep-daily', keepWeekly: '--backup-keep-weekly' } as const;
  for (const k of Object.keys(flag) as (keyof typeof flag)[]) if (keepText[k] !== undefined) keep[k] = intSetting(keepText[k]!, flag[k], 0, 100_000);
  return { cron, dir, keep, ...(keyFile ? { keyFile } : {}) };
}

/**
 * Closes the nodes, failing (exit 1) if they take longer than `timeoutMs`, or if a close failed:
 * what it could not do (the last hard state, closing the WAL or LevelDB) must not end in exit 0.
 */
export async function closeWithin(nodes: readonly Pick<RunningNode, 'id' | 'close'>[], timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
  const pending = new Set(nodes.map((n) => n.id));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  const closed = Promise.allSettled(nodes.map((n) => n.close().finally(() => pending.delete(n.id))));
  const settled = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (settled === null) throw new CliFailure(`node(s) ${[...pending].join(', ')} did not stop within ${timeoutMs / 1000}s`);
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [`${nodes[i]!.id}: ${(r.reason as Error)?.message ?? String(r.reason)}`] : []));
  if (failed.length > 0) throw new CliFailure(`node(s) did not close cleanly: ${failed.join('; ')}`);
}

/** What stops a long-running verb: a signal, or (for a child of `dev`) its parent going away. */
export interface SignalWaiter {
  stopped: Promise<void>;
  readonly isStopped: boolean;
  dispose(): void;
}

/**
 * The first SIGINT or SIGTERM, or the IPC channel to a parent closing, as a promise and a flag
 * (a second signal then ends the process at once); dispose() stops listening.
 */
export function signalWaiter(): SignalWaiter {
  let resolve!: () => void;
  const w = {
    stopped: new Promise<void>((r) => (resolve = r)),
    isStopped: false,
    dispose: (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      process.off('disconnect', done);
    },
  };
  const done = (): void => {
    w.isStopped = true;
    w.dispose();
    resolve();
  };
  process.on('SIGINT', done);
  process.on('SIGTERM', done);
  if (process.connected) process.on('disconnect', done);
  return w;
}
