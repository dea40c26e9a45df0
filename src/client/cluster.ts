// The operator API (raftdb.v1.Cluster): status, membership, switchover, commit mode, history.
import type { Invoker, CallPolicy } from './invoke.js';
import { RaftdbError, invalidArgument, toRaftdbError } from './errors.js';
import { type CommitMode, type Consistency, type ResponseHeader, commitModeName, header, wireCommitMode, wireConsistency } from './types.js';
import { type CommitModeName, type RoleName, statusInVocabulary } from '../common/vocabulary.js';
import type { CallOptions } from './kv.js';
import type { WireHeader } from './wire.js';
import type { QuorumLossEvent__Output } from '../proto/generated/raftdb/v1/QuorumLossEvent.js';

/** A follower's replication progress as the leader sees it. */
export interface FollowerProgress {
  id: string;
  matchIndex: number;
  nextIndex: number;
  lagEntries: number;
  state: string;
  recentActive: boolean;
  lastContactMs: number;
}

/** A planned leadership transfer, in progress or finished. */
export interface SwitchoverState {
  id: string;
  state: string;
  from: string;
  to: string;
  reason: string;
  unavailableMs: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/** One node's view of itself and the cluster (see cluster.proto StatusResponse). */
export interface NodeStatus {
  id: string;
  address: string;
  /** leader, follower, candidate, pre-candidate or learner (src/common/vocabulary.ts). */
  role: RoleName;
  term: number;
  leader: string;
  leaderAddress: string;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  followers: FollowerProgress[];
  hasQuorum: boolean;
  commitMode: CommitMode;
  effectiveCommitMode: CommitMode;
  voters: string[];
  learners: string[];
  joint: boolean;
  revision: number;
  priority: number;
  version: string;
  alarms: string[];
  switchover: SwitchoverState | null;
  syncDegraded: boolean;
  /** Writes this node acknowledged, per mode (sync, semi-sync, async). */
  ackedWritesByMode: Partial<Record<CommitModeName, number>>;
  syncDegradations: number;
  /** Continuous archiving: this member archives now (it leads); the last archived revision; the lag. */
  archiveActive: boolean;
  archiveLastRevision: number;
  archiveLagSeconds: number;
  /** Scheduled backups: when the last one ran on this member, its revision, its error ('' when it succeeded). */
  lastBackupAtMs: number;
  lastBackupRevision: number;
  lastBackupError: string;
  /** This member's backend size in bytes and its quota (--quota-backend-bytes). */
  backendBytes: number;
  quotaBackendBytes: number;
  /** The last leader this node knew and its term, kept while it has none ('' and 0 from older servers). */
  lastLeader: string;
  lastLeaderTerm: number;
}

/** An active cluster alarm: `alarm` (NOSPACE or CORRUPT) raised by `memberId`. */
export interface AlarmMember {
  memberId: string;
  alarm: string;
}

/** A member of the cluster. */
export interface Member {
  id: string;
  address: string;
  isLearner: boolean;
}

/** Members after a membership query or change. */
export interface MembersResult {
  members: Member[];
  header: ResponseHeader;
}

/** The answer to a switchover or failback. */
export interface TransferResult {
  switchover: SwitchoverState | null;
  leader: string;
  header: ResponseHeader;
}

/** One leadership change from the cluster's history. */
export interface FailoverEvent {
  term: number;
  from: string;
  to: string;
  reason: string;
  detectedAtMs: number;
  electedAtMs: number;
  firstWriteAtMs: number;
  unavailableMs: number;
}

/** One period without a quorum from the cluster's history (times are epoch milliseconds). */
/**
 * Its fields are the wire's (cluster.proto QuorumLossEvent; `cause`: check-quorum, the leader
 * stepped down without a quorum; no-leader, none known past an election timeout).
 */
export type QuorumLossEvent = QuorumLossEvent__Output;

/** Status of one endpoint, or why it could not be had. */
export type EndpointStatus = { endpoint: string; status: NodeStatus; error?: undefined } | { endpoint: string; status?: undefined; error: RaftdbError };

type WireStatus = Omit<NodeStatus, 'role' | 'commitMode' | 'effectiveCommitMode' | 'ackedWritesByMode'> & { role: string; commitMode: string; effectiveCommitMode: string; ackedWritesByMode: Record<string, number> };
type WireMembers = { header: WireHeader | null; members: Member[] };
type WireTransfer = { header: WireHeader | null; switchover: SwitchoverState | null; leader: string };

function members(w: WireMembers): MembersResult {
  return { members: w.members ?? [], header: header(w.header) };
}

function transfer(w: WireTransfer): TransferResult {
  return { switchover: w.switchover ?? null, leader: w.leader ?? '', header: header(w.header) };
}

function memberId(id: string): string {
  if (typeof id !== 'string' || id.length === 0) throw invalidArgument('member id must be a non-empty string');
  return id;
}

/** The leader among node statuses: the one with the highest term (a deposed one may not know yet). */
export function leaderOf(statuses: readonly NodeStatus[]): NodeStatus | undefined {
  return statuses.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term)[0];
}

/** Cluster operations of a client; reached as `client.cluster`. */
export class ClusterApi {
  constructor(
    private readonly invoker: Invoker,
    private readonly defaultTimeoutMs: number,
  ) {}

  private policy(kind: CallPolicy['kind'], route: CallPolicy['route'], opts: CallOptions | undefined): CallPolicy {
    return { kind, route, timeoutMs: opts?.timeoutMs ?? this.defaultTimeoutMs };
  }

  /** Status of one node: `endpoint` if given (single attempt), else any reachable node. */
  async status(opts: CallOptions & { endpoint?: string } = {}): Promise<NodeStatus> {
    const policy = this.policy('read', 'any', opts);
    if (opts.endpoint !== undefined) policy.endpoint = opts.endpoint;
    const w = await this.invoker.unary<WireStatus>('cluster', 'Status', {}, policy);
    return { ...statusInVocabulary(w), lastLeader: w.lastLeader ?? '', lastLeaderTerm: Number(w.lastLeaderTerm ?? 0), switchover: w.switchover ?? null };
  }

  /** Status of every known endpoint, in parallel; unreachable ones carry their error. */
  statusAll(opts: CallOptions = {}): Promise<EndpointStatus[]> {
    return Promise.all(
      this.invoker.pool.list().map((endpoint) =>
        this.status({ ...opts, endpoint }).then(
          (status): EndpointStatus => ({ endpoint, status }),
          (err: unknown): EndpointStatus => ({ endpoint, error: toRaftdbError(err) }),
        ),
      ),
    );
  }

  /** The members; linearizable by default (asks the leader). */
  async memberList(opts: CallOptions & { consistency?: Consistency } = {}): Promise<MembersResult> {
    const route = opts.consistency === 'serializable' ? 'any' : 'leader';
    const req = { consistency: wireConsistency(opts.consistency) };
    return members(await this.invoker.unary<WireMembers>('cluster', 'MemberList', req, this.policy('read', route, opts)));
  }

  /** Adds a member, as a non-voting learner when `learner` is set. */
  async memberAdd(m: { id: string; address: string; learner?: boolean }, opts?: CallOptions): Promise<MembersResult> {
    const req = { id: memberId(m.id), address: m.address, asLearner: m.learner === true };
    return members(await this.invoker.unary<WireMembers>('cluster', 'MemberAdd', req, this.policy('once', 'leader', opts)));
  }

  /** Promotes a caught-up learner to voter. */
  async memberPromote(id: string, opts?: CallOptions): Promise<MembersResult> {
    const req = { id: memberId(id) };
    return members(await this.invoker.unary<WireMembers>('cluster', 'MemberPromote', req, this.policy('once', 'leader', opts)));
  }

  /** Removes a member. */
  async memberRemove(id: string, opts?: CallOptions): Promise<MembersResult> {
    const req = { id: memberId(id) };
    return members(await this.invoker.unary<WireMembers>('cluster', 'MemberRemove', req, this.policy('once', 'leader', opts)));
  }

  /** Switchover: hands leadership to `to`, or to the best candidate. */
  async transferLeadership(
    t: { to?: string; expectedLeader?: string; maxLagEntries?: number } = {},
    opts?: CallOptions,
  ): Promise<TransferResult> {
    const req = { to: t.to ?? '', expectedLeader: t.expectedLeader ?? '', maxLagEntries: t.maxLagEntries ?? 0 };
    return transfer(await this.invoker.unary<WireTransfer>('cluster', 'TransferLeadership', req, this.policy('once', 'leader', opts)));
  }

  /** Hands leadership back to the preferred leader. */
  async failback(opts?: CallOptions): Promise<TransferResult> {
    return transfer(await this.invoker.unary<WireTransfer>('cluster', 'Failback', {}, this.policy('once', 'leader', opts)));
  }

  /** Sets the cluster's default commit mode (idempotent, so retried like a write). */
  async setCommitMode(
    m: { mode: CommitMode; syncPolicy?: 'degrade' | 'strict'; syncTimeoutMs?: number; minSyncReplicas?: number },
    opts?: CallOptions,
  ): Promise<{ mode: CommitMode; header: ResponseHeader }> {
    const req = { mode: wireCommitMode(m.mode), syncPolicy: m.syncPolicy ?? '', syncTimeoutMs: m.syncTimeoutMs ?? 0, minSyncReplicas: m.minSyncReplicas ?? 0 };
    const w = await this.invoker.unary<{ mode: string; header: WireHeader | null }>('cluster', 'SetCommitMode', req, this.policy('write', 'leader', opts));
    return { mode: commitModeName(w.mode), header: header(w.header) };
  }

  /** The active alarms (linearizable: asks the leader). */
  async alarmList(opts?: CallOptions): Promise<{ alarms: AlarmMember[]; header: ResponseHeader }> {
    const w = await this.invoker.unary<{ alarms: AlarmMember[]; header: WireHeader | null }>('cluster', 'AlarmList', {}, this.policy('read', 'leader', opts));
    return { alarms: w.alarms ?? [], header: header(w.header) };
  }

  /** Clears alarms of one kind (NOSPACE unless `alarm` says CORRUPT): one member's, or every member's (memberId omitted). Idempotent. */
  async alarmDisarm(q: { memberId?: string; alarm?: 'NOSPACE' | 'CORRUPT' } = {}, opts?: CallOptions): Promise<{ disarmed: AlarmMember[]; alarms: AlarmMember[]; header: ResponseHeader }> {
    const w = await this.invoker.unary<{ disarmed: AlarmMember[]; alarms: AlarmMember[]; header: WireHeader | null }>(
      'cluster',
      'AlarmDisarm',
      { memberId: q.memberId ?? '', alarm: q.alarm ?? 'NOSPACE' },
      this.policy('write', 'leader', opts),
    );
    return { disarmed: w.disarmed ?? [], alarms: w.alarms ?? [], header: header(w.header) };
  }

  /** Drops the watch history before `revision` (0 or omitted: the current revision) on every member. */
  async compact(revision = 0, opts?: CallOptions): Promise<{ compactRevision: number; header: ResponseHeader }> {
    const w = await this.invoker.unary<{ compactRevision: number; header: WireHeader | null }>('cluster', 'Compact', { revision }, this.policy('write', 'leader', opts));
    return { compactRevision: w.compactRevision, header: header(w.header) };
  }

  /** Rewrites one node's LevelDB tables so deleted data stops taking space (single attempt at `endpoint`). */
  async defragment(endpoint: string, opts?: CallOptions): Promise<{ backendBytesBefore: number; backendBytesAfter: number; header: ResponseHeader }> {
    const policy = this.policy('read', 'any', opts);
    policy.endpoint = endpoint;
    const w = await this.invoker.unary<{ backendBytesBefore: number; backendBytesAfter: number; header: WireHeader | null }>('cluster', 'Defragment', {}, policy);
    return { backendBytesBefore: w.backendBytesBefore, backendBytesAfter: w.backendBytesAfter, header: header(w.header) };
  }

  /** The most recent leadership changes and periods without a quorum, at most `limit` of each (0: all kept). */
  async failoverHistory(q: { limit?: number } = {}, opts?: CallOptions): Promise<{ events: FailoverEvent[]; quorumLosses: QuorumLossEvent[]; header: ResponseHeader }> {
    const w = await this.invoker.unary<{ events: FailoverEvent[]; quorumLosses?: QuorumLossEvent[]; header: WireHeader | null }>(
      'cluster',
      'FailoverHistory',
      { limit: q.limit ?? 0 },
      this.policy('read', 'leader', opts),
    );
    return { events: w.events ?? [], quorumLosses: w.quorumLosses ?? [], header: header(w.header) };
  }
}
