// Shared test data: metrics snapshots, a fake 3-node cluster's Status answers, a Prometheus
// text-format reader, and the list of every metric the module must export.
import type { HistoryItemView, MemberStatus, MetricsSnapshot } from '../../src/metrics/index.js';

/** A leader snapshot of a healthy 3-node cluster; override what a test scripts. */
export function snapshot(over: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    id: 'n1',
    role: 'leader',
    term: 1,
    leader: 'n1',
    commitIndex: 100,
    appliedIndex: 100,
    lastIndex: 100,
    snapshotIndex: 0,
    hasQuorum: true,
    voters: ['n1', 'n2', 'n3'],
    learners: [],
    followers: [
      { id: 'n2', matchIndex: 100, lagEntries: 0, lastContactMs: 10, connected: true },
      { id: 'n3', matchIndex: 100, lagEntries: 0, lastContactMs: 10, connected: true },
    ],
    walBytes: 4096,
    commitMode: 'semi-sync',
    effectiveCommitMode: 'semi-sync',
    syncDegraded: false,
    asyncUncommittedEntries: 0,
    asyncUncommittedMs: 0,
    leaderWaitRequests: 0,
    leaderWaitBytes: 0,
    sessions: 0,
    watchHistoryBytes: 0,
    watchHistoryFileBytes: 0,
    heapGrowingPercent: 300,
    backendBytes: 0,
    quotaBackendBytes: 2 * 1024 * 1024 * 1024,
    activeAlarms: [],
    pendingProposals: 0,
    pendingProposalBytes: 0,
    watches: 0,
    streamBytes: 0,
    ...over,
  };
}

/** Every metric the module registers (without histogram suffixes). */
export const OUR_METRICS = [
  'raftdb_backend_size_bytes',
  'raftdb_quota_backend_bytes',
  'raftdb_alarm_active',
  'raftdb_raft_term',
  'raftdb_raft_role',
  'raftdb_raft_commit_index',
  'raftdb_raft_applied_index',
  'raftdb_raft_last_log_index',
  'raftdb_has_quorum',
  'raftdb_replication_lag_entries',
  'raftdb_replication_lag_seconds',
  'raftdb_follower_connected',
  'raftdb_follower_last_contact_seconds',
  'raftdb_wal_size_bytes',
  'raftdb_snapshot_index',
  'raftdb_snapshot_send_pace_bytes_per_second',
  'raftdb_snapshot_send_pace_changes_total',
  'raftdb_snapshot_send_pace_lifted_total',
  'raftdb_commit_mode',
  'raftdb_sync_degraded',
  'raftdb_async_uncommitted_entries',
  'raftdb_async_uncommitted_seconds',
  'raftdb_raft_leader_changes_total',
  'raftdb_append_errors_total',
  'raftdb_wal_fsync_duration_seconds',
  'raftdb_propose_to_commit_seconds',
  'raftdb_requests_total',
  'raftdb_request_duration_seconds',
  'raftdb_failover_events_total',
  'raftdb_switchover_unavailability_seconds',
  'raftdb_quorum_losses_total',
  'raftdb_quorum_loss_duration_seconds',
  'raftdb_leader_wait_requests',
  'raftdb_leader_wait_bytes',
  'raftdb_leader_wait_refused_total',
  'raftdb_archive_lag_seconds',
  'raftdb_hash_mismatch_total',
  'raftdb_backup_last_success_timestamp_seconds',
  'raftdb_backup_duration_seconds',
  'raftdb_backup_bytes',
  'raftdb_backup_schedule_period_seconds',
  'raftdb_sessions',
  'raftdb_watch_history_bytes',
  'raftdb_watch_history_file_bytes',
  'raftdb_heap_growing_percent',
  'raftdb_sessions_refused_total',
  'raftdb_audit_lines_total',
  'raftdb_audit_dropped_lines_total',
  'raftdb_audit_rotations_total',
  'raftdb_stream_paused_total',
  'raftdb_watch_cut_off_total',
  'raftdb_limit_refused_total',
  'raftdb_eventloop_delay_seconds',
  'raftdb_shed_requests_total',
  'raftdb_pending_proposals',
  'raftdb_pending_proposal_bytes',
  'raftdb_watches',
  'raftdb_stream_bytes',
  'raftdb_forward_requests_total',
  'raftdb_forward_batch_requests',
  'raftdb_forward_refused_total',
  'raftdb_forward_in_flight',
  'raftdb_follower_read_round_reads',
  'raftdb_follower_reads_waiting',
  'raftdb_follower_reads_refused_total',
] as const;

/** One sample line of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the sample lines of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples match ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

/** Status answers of a 3-node cluster led by n2, with n3 lagging. */
export function threeNodeStatus(): MemberStatus[] {
  const base = { term: 7, leader: 'n2', hasQuorum: true, commitMode: 'semi-sync' as const, effectiveCommitMode: 'semi-sync' as const, syncDegraded: false, alarms: [] as string[], backendBytes: 1024 * 1024, quotaBackendBytes: 4 * 1024 * 1024 };
  return [
    { id: 'n1', address: '127.0.0.1:7001', status: { ...base, id: 'n1', role: 'follower', commitIndex: 1040, appliedIndex: 1040, lastIndex: 1040, followers: [] } },
    {
      id: 'n2',
      address: '127.0.0.1:7002',
      status: {
        ...base,
        id: 'n2',
        role: 'leader',
        backendBytes: 3.5 * 1024 * 1024,
        walBytes: 0.5 * 1024 * 1024,
        walFsyncP99Ms: 2,
        commitIndex: 1042,
        appliedIndex: 1042,
        lastIndex: 1042,
        archiveActive: true,
        archiveLastRevision: 1000,
        archiveLagSeconds: 0.4,
        lastBackupAtMs: Date.UTC(2025, 0, 1, 6, 0, 0),
        lastBackupRevision: 990,
        lastBackupError: '',
        followers: [
          { id: 'n1', matchIndex: 1040, lagEntries: 2, lastContactMs: 12, recentActive: true, state: 'replicate' },
          { id: 'n3', matchIndex: 742, lagEntries: 300, lastContactMs: 40, recentActive: true, state: 'replicate' },
        ],
      },
    },
    { id: 'n3', address: '127.0.0.1:7003', status: { ...base, id: 'n3', role: 'follower', commitIndex: 742, appliedIndex: 700, lastIndex: 742, followers: [] } },
  ];
}

/** Two recorded leadership changes and a period without a quorum between them, newest first. */
export function failoverHistory(): HistoryItemView[] {
  const t = Date.UTC(2025, 0, 1, 12, 0, 0);
  return [
    { term: 7, from: 'n1', to: 'n2', reason: 'switchover', detectedAtMs: t, electedAtMs: t + 40, firstWriteAtMs: t + 55, unavailableMs: 55 },
    { kind: 'quorum-loss', startedAtMs: t - 30_000, endedAtMs: t - 25_800, durationMs: 4200, detectedAtMs: t - 29_850, cause: 'check-quorum', lastLeader: 'n1', lastLeaderTerm: 5, regainedTerm: 6, observedBy: ['n1'] },
    { term: 5, from: '', to: 'n1', reason: 'election', detectedAtMs: t - 60_000, electedAtMs: t - 59_700, firstWriteAtMs: t - 59_650, unavailableMs: 350 },
  ];
}
