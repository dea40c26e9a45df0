// The contract between the metrics module and the node that feeds it: plain data only, so that
// src/metrics never imports src/server (the node depends on us, not the other way round).

import { COMMIT_MODE_NAMES, ROLE_NAMES, type CommitMode, type CommitModeName, type RoleName } from '../common/vocabulary.js';
import type { QuorumLossEvent__Output } from '../proto/generated/raftdb/v1/QuorumLossEvent.js';

export type { CommitModeName, RoleName };
/** Roles as every surface spells them (src/common/vocabulary.ts): the raft_role label values. */
export const ROLES = ROLE_NAMES;
/** Commit modes as every surface spells them (DEFAULT is resolved before it reaches us): the mode label values. */
export const COMMIT_MODES = COMMIT_MODE_NAMES;
/** The cluster alarm kinds raftdb_alarm_active always reports (src/state/alarms.ts ALARM_TYPES). */
export const ALARM_KINDS = ['NOSPACE', 'CORRUPT'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** One follower as the leader tracks it (empty list on a non-leader). */
export interface FollowerSnapshot {
  id: string;
  matchIndex: number;
  /** Leader's last index minus matchIndex. */
  lagEntries: number;
  /** Milliseconds since the leader last heard from this follower. */
  lastContactMs: number;
  /** The transport's channel to the peer is up (PeerStats.connected). */
  connected: boolean;
}

/**
 * Everything the gauges show, taken once per scrape from the node's `snapshot()` callback.
 * Built from RaftNode.status(), StateMachine.appliedIndex(), the WAL and the failover controller.
 */
export interface MetricsSnapshot {
  id: string;
  /** As shown everywhere: a learner is 'learner', the core's preCandidate 'pre-candidate'. */
  role: RoleName;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  /** Leader: heard from a quorum this election period; follower: hears from a leader. */
  hasQuorum: boolean;
  /** Current configuration; readiness requires this node to be in one of them. */
  voters: readonly string[];
  learners: readonly string[];
  followers: readonly FollowerSnapshot[];
  /** Bytes of WAL segment files on disk. */
  walBytes: number;
  commitMode: CommitModeName;
  /** What writes actually get: semi-sync while a sync cluster is degraded. */
  effectiveCommitMode: CommitModeName;
  syncDegraded: boolean;
  /** async window: entries acknowledged by the leader but not yet committed by a majority. */
  asyncUncommittedEntries: number;
  /** Age in milliseconds of the oldest such entry (0 when none). */
  asyncUncommittedMs: number;
  /** Requests this node holds until it knows a leader (an election or transfer in progress). */
  leaderWaitRequests: number;
  /** Their bytes, as estimated when they started waiting. */
  leaderWaitBytes: number;
  /** Continuous archiving: how long the oldest unarchived revision has waited (absent: not archiving). */
  archiveLagSeconds?: number;
  /** Set when the corruption check found this member's keyspace differing from the majority's. */
  corrupt?: string | null;
  /** Scheduled backups (absent: none scheduled): newest backup time, last run's duration and size, the period. */
  backup?: { lastSuccessSeconds: number; durationSeconds: number; bytes: number; periodSeconds: number };
  /** Sessions in the exactly-once table (the same on every member that applied as far). */
  sessions: number;
  /** Bytes of this member's watch history (node-local; at most --watch-history-max-bytes). */
  watchHistoryBytes: number;
  /** Bytes of its files on disk (history-log.ts): the kept records, up to one segment more, and dropped segments a read still holds. */
  watchHistoryFileBytes: number;
  /** V8's heap growing factor in force, percent (0: V8's own): src/node/heap-growth.ts. */
  heapGrowingPercent: number;
  /** This member's backend size (its state machine's files on disk) and its storage quota. */
  backendBytes: number;
  quotaBackendBytes: number;
  /**
   * The kinds of cluster alarm active (any member's): NOSPACE (writes that add data are refused),
   * CORRUPT (a member's keyspace differs from the majority's).
   */
  activeAlarms: readonly AlarmKind[];
  /** Proposals this node (as leader) waits to see applied, and their bytes. */
  pendingProposals: number;
  pendingProposalBytes: number;
  /** Watches open on this node. */
  watches: number;
  /** Bytes all Pipeline streams hold for their clients (the node's budget, --max-stream-bytes-total). */
  streamBytes: number;
}

/** Health vocabulary shared by the overall report and each check. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** One named check with a human-readable reason. */
export interface HealthCheck {
  name: string;
  status: HealthStatus;
  detail: string;
}

/** What /healthz and /readyz answer; unhealthy maps to HTTP 503. */
export interface HealthReport {
  status: HealthStatus;
  checks: HealthCheck[];
}

/** One follower in a Status answer (proto FollowerProgress as proto-loader decodes it). */
export interface FollowerProgressView {
  id: string;
  matchIndex: number;
  lagEntries: number;
  lastContactMs?: number;
  recentActive?: boolean;
  state?: string;
}

/** The fields of one node's Status RPC answer that the dashboard and `raftdb top` read. */
export interface StatusView {
  id: string;
  address?: string;
  role: RoleName;
  term: number;
  leader: string;
  commitIndex: number;
  appliedIndex: number;
  lastIndex?: number;
  followers: FollowerProgressView[];
  hasQuorum: boolean;
  commitMode?: CommitMode;
  effectiveCommitMode?: CommitMode;
  syncDegraded?: boolean;
  /** Writes this node acknowledged, per mode. */
  ackedWritesByMode?: Partial<Record<CommitModeName, number>>;
  alarms?: string[];
  /** Data safety (docs/backup.md): the archiving leader's position and lag, the last scheduled backup. */
  archiveActive?: boolean;
  archiveLastRevision?: number;
  archiveLagSeconds?: number;
  lastBackupAtMs?: number;
  lastBackupRevision?: number;
  lastBackupError?: string;
  backendBytes?: number;
  quotaBackendBytes?: number;
  /** WAL segment bytes and the last second's WAL fsync p99 in ms (0: no fsync). */
  walBytes?: number;
  walFsyncP99Ms?: number;
}

/** One member as seen by the node that asked it: its Status answer, or why it could not answer. */
export interface MemberStatus {
  id: string;
  address: string;
  status: StatusView | null;
  error?: string;
}

/** One leadership change (proto FailoverEvent as proto-loader decodes it). */
export interface FailoverEventView {
  term: number;
  from: string;
  to: string;
  reason: string;
  detectedAtMs: number;
  electedAtMs: number;
  firstWriteAtMs: number;
  unavailableMs: number;
  kind?: 'leader-change';
}

/** One period without a quorum (the wire's QuorumLossEvent, cluster.proto), as /api/history lists it. */
export type QuorumLossView = QuorumLossEvent__Output & { kind: 'quorum-loss' };

/** An item of /api/history: a leadership change or a period without a quorum. */
export type HistoryItemView = FailoverEventView | QuorumLossView;
