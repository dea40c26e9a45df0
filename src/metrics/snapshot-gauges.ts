import { Gauge, type Registry } from 'prom-client';
import type { IndexClock } from './lag.js';
import { ALARM_KINDS, COMMIT_MODES, ROLES, type MetricsSnapshot } from './types.js';

/** Every metric name this module registers starts with this. */
export const PREFIX = 'raftdb_';

/**
 * The gauges that mirror a MetricsSnapshot. They are not updated by the node as things happen:
 * `set(snapshot)` rewrites all of them from one snapshot taken at scrape time, so a scrape never
 * mixes values from two moments, and nothing is paid between scrapes.
 */
export class SnapshotGauges {
  private readonly term: Gauge;
  private readonly role: Gauge<'role'>;
  private readonly commit: Gauge;
  private readonly applied: Gauge;
  private readonly lastIndex: Gauge;
  private readonly snapshotIndex: Gauge;
  private readonly hasQuorum: Gauge;
  private readonly lagEntries: Gauge<'peer'>;
  private readonly lagSeconds: Gauge<'peer'>;
  private readonly connected: Gauge<'peer'>;
  private readonly lastContact: Gauge<'peer'>;
  private readonly walBytes: Gauge;
  private readonly commitMode: Gauge<'mode' | 'kind'>;
  private readonly syncDegraded: Gauge;
  private readonly asyncEntries: Gauge;
  private readonly asyncSeconds: Gauge;
  private readonly leaderWaitRequests: Gauge;
  private readonly leaderWaitBytes: Gauge;
  private readonly archiveLag: Gauge;
  private readonly backupLastSuccess: Gauge;
  private readonly backupDuration: Gauge;
  private readonly backupBytes: Gauge;
  private readonly backupPeriod: Gauge;
  private readonly sessions: Gauge;
  private readonly watchHistoryBytes: Gauge;
  private readonly watchHistoryFileBytes: Gauge;
  private readonly heapGrowingPercent: Gauge;
  private readonly backendBytes: Gauge;
  private readonly quotaBytes: Gauge;
  private readonly alarm: Gauge<'alarm'>;
  private readonly pendingProposals: Gauge;
  private readonly pendingProposalBytes: Gauge;
  private readonly watches: Gauge;
  private readonly streamBytes: Gauge;

  /** Registers the gauges; `collect` runs at the start of every scrape (it must be idempotent). */
  constructor(registry: Registry, collect: () => void) {
    const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
      new Gauge<L>({ name: PREFIX + name, help, labelNames, registers: [registry], collect });
    this.term = gauge('raft_term', 'Current Raft term of this node.');
    this.role = gauge('raft_role', 'Current Raft role of this node: 1 for the role it has, 0 for the others.', ['role']);
    this.commit = gauge('raft_commit_index', 'Highest log index known to be committed.');
    this.applied = gauge('raft_applied_index', 'Highest log index applied to the state machine.');
    this.lastIndex = gauge('raft_last_log_index', 'Index of the last entry in this node\'s log.');
    this.snapshotIndex = gauge('snapshot_index', 'Log index of the latest snapshot (the log before it is compacted).');
    this.hasQuorum = gauge('has_quorum', 'Leader: heard from a majority this election period; follower: hears from a leader. 1 or 0.');
    this.lagEntries = gauge('replication_lag_entries', 'Leader only: entries the follower is missing (leader last index - match index).', ['peer']);
    this.lagSeconds = gauge(
      'replication_lag_seconds',
      'Leader only: age of the oldest entry the follower is missing (0 when caught up), sampled every 250 ms.',
      ['peer'],
    );
    this.connected = gauge('follower_connected', 'Leader only: 1 when the transport channel to the follower is up.', ['peer']);
    this.lastContact = gauge('follower_last_contact_seconds', 'Leader only: seconds since the follower last answered.', ['peer']);
    this.walBytes = gauge('wal_size_bytes', 'Bytes of WAL segment files on disk.');
    this.commitMode = gauge('commit_mode', 'Commit mode: 1 for the configured (kind="configured") and the one writes get (kind="effective").', [
      'mode',
      'kind',
    ]);
    this.syncDegraded = gauge('sync_degraded', '1 while a SYNC cluster runs as SEMI_SYNC because a voter did not answer in time.');
    this.asyncEntries = gauge('async_uncommitted_entries', 'ASYNC window: entries acknowledged by the leader, not yet committed by a majority.');
    this.asyncSeconds = gauge('async_uncommitted_seconds', 'ASYNC window: age of the oldest acknowledged but uncommitted entry.');
    this.leaderWaitRequests = gauge('leader_wait_requests', 'Requests held until this node knows a leader (during an election or transfer).');
    this.leaderWaitBytes = gauge('leader_wait_bytes', 'Estimated bytes of the requests held until this node knows a leader.');
    this.backupLastSuccess = gauge('backup_last_success_timestamp_seconds', 'Scheduled backups: creation time (Unix s) of the newest backup of this cluster in the backup directory, or when the schedule started; 0 when none is scheduled.');
    this.backupDuration = gauge('backup_duration_seconds', 'Scheduled backups: how long the last successful one on this member took.');
    this.backupBytes = gauge('backup_bytes', 'Scheduled backups: file size of the last successful one on this member.');
    this.backupPeriod = gauge('backup_schedule_period_seconds', 'Scheduled backups: seconds between two scheduled runs; 0 when none is scheduled.');
    this.archiveLag = gauge('archive_lag_seconds', 'Continuous archiving (the archiving leader): how long the oldest revision not yet archived has waited; 0 when caught up or not archiving.');
    this.sessions = gauge('sessions', 'Client sessions in the exactly-once table (bounded; a new one is refused when it is full of active ones).');
    this.watchHistoryBytes = gauge('watch_history_bytes', "Bytes of this member's watch history (each revision's new and previous values, node-local), at most --watch-history-max-bytes; raftdb compact drops it, raftdb defrag frees its disk space.");
    this.watchHistoryFileBytes = gauge('watch_history_file_bytes', "Bytes of this member's watch history files on disk: about watch_history_bytes, plus up to one segment file (--watch-history-max-bytes / 32, 1-64 MiB) and dropped segments a read still holds; part of backend_size_bytes.");
    this.heapGrowingPercent = gauge('heap_growing_percent', "V8's heap growing factor in force, percent over 1: --heap-growing-percent while the used heap is under 256 MiB, --snapshot-send-heap-growing-percent while a snapshot is sent, 0 for V8's own.");
    this.backendBytes = gauge('backend_size_bytes', "This member's backend size: its state machine's files on disk (what --quota-backend-bytes limits).");
    this.quotaBytes = gauge('quota_backend_bytes', "This member's storage quota (--quota-backend-bytes); past it the member raises a NOSPACE alarm.");
    this.pendingProposals = gauge('pending_proposals', 'Leader: proposals waiting to be applied (past --shed-pending-proposals new writes are shed).');
    this.pendingProposalBytes = gauge('pending_proposal_bytes', 'Leader: bytes of the proposals waiting to be applied (past --shed-pending-proposal-bytes new writes are shed).');
    this.watches = gauge('watches', 'Watches open on this node (at most --max-watches).');
    this.streamBytes = gauge('stream_bytes', 'Bytes all Pipeline streams hold for their clients: operations running, results not yet taken by the transport (past --max-stream-bytes-total streams that hold something wait).');
    this.alarm = gauge('alarm_active', '1 while a cluster alarm of this kind is active (alarm="NOSPACE": writes that add data are refused; alarm="CORRUPT": a member\'s keyspace differs from the majority\'s).', ['alarm']);
  }

  /** Rewrites every gauge from `s`; per-peer series are rebuilt so departed peers disappear. */
  set(s: MetricsSnapshot, clock: IndexClock, nowMs: number): void {
    this.term.set(s.term);
    for (const role of ROLES) this.role.set({ role }, role === s.role ? 1 : 0);
    this.commit.set(s.commitIndex);
    this.applied.set(s.appliedIndex);
    this.lastIndex.set(s.lastIndex);
    this.snapshotIndex.set(s.snapshotIndex);
    this.hasQuorum.set(s.hasQuorum ? 1 : 0);
    this.walBytes.set(s.walBytes);
    for (const mode of COMMIT_MODES) {
      this.commitMode.set({ mode, kind: 'configured' }, mode === s.commitMode ? 1 : 0);
      this.commitMode.set({ mode, kind: 'effective' }, mode === s.effectiveCommitMode ? 1 : 0);
    }
    this.syncDegraded.set(s.syncDegraded ? 1 : 0);
    this.asyncEntries.set(s.asyncUncommittedEntries);
    this.asyncSeconds.set(s.asyncUncommittedMs / 1000);
    this.archiveLag.set(s.archiveLagSeconds ?? 0);
    this.backupLastSuccess.set(s.backup?.lastSuccessSeconds ?? 0);
    this.backupDuration.set(s.backup?.durationSeconds ?? 0);
    this.backupBytes.set(s.backup?.bytes ?? 0);
    this.backupPeriod.set(s.backup?.periodSeconds ?? 0);
    this.leaderWaitRequests.set(s.leaderWaitRequests);
    this.leaderWaitBytes.set(s.leaderWaitBytes);
    this.sessions.set(s.sessions);
    this.watchHistoryBytes.set(s.watchHistoryBytes);
    this.watchHistoryFileBytes.set(s.watchHistoryFileBytes);
    this.heapGrowingPercent.set(s.heapGrowingPercent);
    this.backendBytes.set(s.backendBytes);
    this.quotaBytes.set(s.quotaBackendBytes);
    for (const kind of ALARM_KINDS) this.alarm.set({ alarm: kind }, s.activeAlarms.includes(kind) ? 1 : 0);
    this.pendingProposals.set(s.pendingProposals);
    this.pendingProposalBytes.set(s.pendingProposalBytes);
    this.watches.set(s.watches);
    this.streamBytes.set(s.streamBytes);
    this.lagEntries.reset();
    this.lagSeconds.reset();
    this.connected.reset();
    this.lastContact.reset();
    if (s.role !== 'leader') return;
    for (const f of s.followers) {
      const peer = { peer: f.id };
      this.lagEntries.set(peer, f.lagEntries);
      this.lagSeconds.set(peer, clock.lagSeconds(f.matchIndex, nowMs));
      this.connected.set(peer, f.connected ? 1 : 0);
      this.lastContact.set(peer, f.lastContactMs / 1000);
    }
  }
}
