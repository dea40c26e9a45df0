import type { Logger } from 'pino';
import type { RaftConfig, RaftNode } from '../raft/index.js';
import type { FailoverOptions } from '../failover/index.js';
import type { NodeTlsOptions } from '../tls/index.js';
import type { Limits } from './kv-convert.js';
import type { BackupScheduleOptions } from '../backup/scheduler.js';
import type { NodeFatalError } from './fatal.js';
import type { ClientLimits } from './client-limits.js';
import type { ShedLimits } from './load-shed.js';
import type { WalOptions } from '../wal/index.js';

/** How one node is started (from `raftdb serve` flags, RAFTDB_* variables, or `raftdb dev`). */
export interface NodeOptions {
  id: string;
  /** host:port for gRPC (clients and peers). Port 0 picks a free port (tests). */
  listen: string;
  /** The address others use to reach this node, when it differs from `listen` (containers). */
  advertise?: string;
  /** host:port for HTTP (metrics, health, dashboard), or null for none. */
  http: string | null;
  /** Every founding member (this node included): id → host:port. */
  peers: Map<string, string>;
  dataDir: string;
  /** Join an existing cluster (added with `raftdb member add`) instead of founding one. */
  join: boolean;
  /** 0 never becomes leader. */
  priority: number;
  clusterId: string;
  logLevel: string;
  logger?: Logger;
  limits?: Partial<Limits>;
  /** Per-client bounds (client-limits.ts); defaults DEFAULT_CLIENT_LIMITS. */
  clientLimits?: Partial<ClientLimits>;
  /** Load-shedding bounds (load-shed.ts); defaults DEFAULT_SHED_LIMITS. */
  shedding?: Partial<ShedLimits>;
  raft?: Partial<Omit<RaftConfig, 'id' | 'random' | 'priority'>>;
  snapshotEntries?: number;
  /**
   * The WAL's file system and inline-write threshold (default: node:fs, WalOptions' default).
   * Tests give a node an in-memory disk that can stall or lose power (test/support/memory-disk.ts).
   */
  wal?: Pick<WalOptions, 'disk' | 'inlineMaxEntries'>;
  /** LevelDB table files the state machine keeps open (and memory-mapped); see StateMachineOptions. */
  stateMaxOpenFiles?: number;
  /** LevelDB's memtable of the state machine (default 64 MiB); see StateMachineOptions.writeBufferBytes. */
  stateWriteBufferBytes?: number;
  /** Snappy compression of the state machine's LevelDB tables (default true); see StateMachineOptions.compression. */
  stateCompression?: boolean;
  /** Bytes of watch history this node keeps (default 256 MiB); see StateMachineOptions. */
  watchHistoryMaxBytes?: number;
  /** Snapshot data this node sends per second, to all peers together; 0: unlimited (TransportOptions). */
  snapshotSendBytesPerSec?: number;
  /** Snapshot sends slow down while this leader's client writes do (default true; src/node/snapshot-yield.ts). */
  snapshotSendYield?: boolean;
  /** V8's heap growing factor while a snapshot is sent, percent over 1; 0: V8's own (src/node/send-heap-growth.ts). */
  snapshotSendHeapGrowingPercent?: number;
  /** V8's heap growing factor while the used heap is small, percent over 1; 0: V8's own (src/node/heap-growth.ts). */
  heapGrowingPercent?: number;
  failover?: Partial<FailoverOptions>;
  keepEntries?: number;
  /** Compact once the entries applied since the last snapshot hold this many bytes (default 64 MiB). */
  snapshotBytes?: number;
  /** At most this many bytes of the keepEntries kept behind a snapshot (default 32 MiB). */
  keepBytes?: number;
  /** Leader: log kept for a follower catching up, at most this many bytes (default 32 MiB; 0: none); see DriverOptions. */
  catchUpBytes?: number;
  /**
   * As a follower, apply committed entries up to this many milliseconds late, several commits per
   * LevelDB batch (default 5; 0 applies each at once). Only SERIALIZABLE reads on a follower see
   * the difference; see src/server/held-applies.ts.
   */
  followerApplyDelayMs?: number;
  /**
   * ASYNC writes are acknowledged once durable here; their appends to the followers leave at most
   * this many milliseconds later, several writes per append (default 5; 0 sends each at once;
   * the Raft core sends them within two ticks, 10-20 ms, whatever this says).
   * Commit, and with it linearizable visibility of the write, comes that much later.
   */
  asyncReplicationDelayMs?: number;
  /** Host names the HTTP port answers to besides its own addresses, its host name and localhost. */
  httpAllowedHosts?: string[];
  /**
   * --http-auth: while auth is enabled, the dashboard, /api/status and /api/history (and /metrics
   * with `metrics`) need a user's password (HTTP Basic) or token (Bearer); see http-auth.ts.
   */
  httpAuth?: { metrics: boolean };
  /** The storage quota in bytes (--quota-backend-bytes; default 2 GiB, see quota.ts). */
  quotaBackendBytes?: number;
  /** How often the backend size is measured (default 1000 ms). */
  quotaCheckIntervalMs?: number;
  /** TLS for the gRPC port (clients and peers) and the HTTP port; plaintext when absent. */
  tls?: NodeTlsOptions;
  /**
   * Continuous archiving: while leader, write every applied revision into segments in `dir`
   * (shared by every member), one every `segmentMs` (default 1000). See src/backup/archiver.ts.
   */
  archive?: { dir: string; segmentMs?: number; keyFile?: string };
  /**
   * Compare this member's HashKV with every other member's this often (ms) and raise the CORRUPT
   * alarm on itself when it differs from the majority (src/backup/corruption-check.ts). Off when absent.
   */
  corruptionCheckIntervalMs?: number;
  /**
   * A Backup stream served by this node waits while the event loop runs later than this many
   * milliseconds (src/backup/pacer.ts; default DEFAULT_BACKUP_PACING.lateMs, 0 never waits).
   */
  backupYieldDelayMs?: number;
  /** Scheduled backups while leader (src/backup/scheduler.ts): cron expression, directory, retention, key. */
  backupSchedule?: Omit<BackupScheduleOptions, 'clusterId' | 'memberId'>;
  /** Authentication settings (users and roles themselves are replicated, not configured). */
  auth?: { tokenTtlMs?: number };
  /** The audit log: one JSON line per write, admin action, auth change and refused request. */
  audit?: { file: string; maxBytes?: number; keep?: number };
}

/** A started node. */
export interface RunningNode {
  readonly id: string;
  /** The gRPC address with the bound port. */
  readonly address: string;
  readonly port: number;
  /** The live Raft core (read-only use: status, tests). */
  readonly raft: RaftNode;
  /** The commit mode this node's writes get now (as a leader), e.g. 'SEMI_SYNC'. */
  commitMode(): string;
  /** Re-reads the certificate files (SIGHUP); a set that fails its checks keeps the old one. */
  reloadCertificates(why: string): void;
  /** Graceful stop: hand over leadership if leader, finish in-flight work, close storage. */
  close(): Promise<void>;
  /**
   * Settles (never rejects) once the node stopped on an unrecoverable error (a failed WAL write,
   * a broken invariant) and has closed; stays pending otherwise. The process should exit then.
   */
  readonly fatal: Promise<NodeFatalError>;
  /**
   * Settles once an applied configuration change removed this node from the cluster (logged at
   * warn as "this member was removed from the cluster"); the node is still open: close it and exit.
   */
  readonly removed: Promise<void>;
}
