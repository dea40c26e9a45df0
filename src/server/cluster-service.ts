import * as grpc from '@grpc/grpc-js';
import { sleepOn } from '../common/timers.js';
import { isJoint, type ConfChangeItem } from '../raft/index.js';
import { encodeCommand } from '../state/index.js';
import { requireRoot } from './access.js';
import { audited } from './audit.js';
import { header, onLeader, unary, withDeadline, type NodeContext } from './context.js';
import { invalidArgument, RequestError } from './errors.js';
import { MEMBERS_META } from './members.js';
import { RAFTDB_VERSION } from '../version.js';

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const ADDRESS_PATTERN = /^[A-Za-z0-9_.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
/** A learner further behind than this is not promoted: it would stall commits as a voter. */
export const MAX_PROMOTE_LAG_ENTRIES = 1000;

/** Extra Status fields supplied by the failover controller (commit modes, switchover, alarms). */
export type StatusExtras = () => Record<string, unknown>;

/** This node's view of the cluster, as the Status RPC reports it. */
export function nodeStatus(ctx: NodeContext, extras: StatusExtras): Record<string, unknown> {
  const s = ctx.driver.raft.status();
  const tickMs = ctx.electionTimeoutMs / ctx.driver.raft.cfg.electionTicks;
  return {
    id: s.id,
    address: ctx.address,
    role: s.role,
    term: s.term,
    leader: s.leader ?? '',
    leaderAddress: s.leader ? (ctx.members.address(s.leader) ?? '') : '',
    commitIndex: s.commit,
    appliedIndex: ctx.sm.appliedIndex(),
    lastIndex: s.lastIndex,
    snapshotIndex: s.snapshotIndex,
    followers: s.followers.map((f) => ({
      id: f.id,
      matchIndex: f.match,
      nextIndex: f.next,
      lagEntries: f.lagEntries,
      state: f.state,
      recentActive: f.recentActive,
      lastContactMs: Math.round(f.ticksSinceContact * tickMs),
    })),
    hasQuorum: s.hasQuorum,
    voters: s.conf.voters,
    learners: s.conf.learners,
    joint: isJoint(s.conf),
    revision: ctx.sm.revision(),
    priority: ctx.driver.raft.cfg.priority,
    version: RAFTDB_VERSION,
    commitMode: 'SEMI_SYNC',
    effectiveCommitMode: 'SEMI_SYNC',
    ...extras(),
  };
}

function members(ctx: NodeContext): { id: string; address: string; isLearner: boolean }[] {
  const conf = ctx.driver.raft.conf();
  const voters = [...new Set([...conf.voters, ...conf.votersOutgoing])];
  return [
    ...voters.map((id) => ({ id, address: ctx.members.address(id) ?? '', isLearner: false })),
    ...[...conf.learners, ...conf.learnersNext].map((id) => ({ id, address: ctx.members.address(id) ?? '', isLearner: true })),
  ];
}

/** Waits until the configuration is no longer joint (the leader leaves it by itself). */
async function settled(ctx: NodeContext): Promise<void> {
  while (isJoint(ctx.driver.raft.conf())) await sleepOn(ctx.time.timers, 5);
}

async function changeMembership(ctx: NodeContext, changes: ConfChangeItem[], deadline: Date): Promise<object> {
  await withDeadline(ctx, ctx.driver.proposeConfChange(changes), deadline, 'membership change');
  await withDeadline(ctx, settled(ctx), deadline, 'leaving the joint configuration');
  return { header: header(ctx), members: members(ctx) };
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw invalidArgument('id', 'must be 1-64 characters of letters, digits, . _ -');
  return id;
}

/** The Cluster service's membership and status methods (the failover methods are added by src/failover). */
/**
 * `stopping`: this member began to stop. Its Status then answers UNAVAILABLE: a leader stopping
 * beside it (a whole cluster stopped at once) must not pick it to hand over to.
 */
export function clusterService(ctx: NodeContext, extras: StatusExtras = () => ({}), stopping: () => boolean = () => false): grpc.UntypedServiceImplementation {
  const asCall = (c: unknown): grpc.ServerUnaryCall<unknown, unknown> => c as grpc.ServerUnaryCall<unknown, unknown>;
  return {
    Status: unary<object, object>(ctx, async () => {
      if (stopping()) throw new RequestError(grpc.status.UNAVAILABLE, `${ctx.id} is stopping`);
      return nodeStatus(ctx, extras);
    }),
    MemberList: unary<{ consistency: string }, object>(ctx, async (call) => {
      if (call.request.consistency === 'SERIALIZABLE') return { header: header(ctx), members: members(ctx) };
      return onLeader(ctx, asCall(call), 'cluster', 'MemberList', async () => ({ header: header(ctx), members: members(ctx) }));
    }),
    MemberAdd: unary<{ id: string; address: string; asLearner: boolean }, object>(ctx, async (call) => {
      const id = checkId(call.request.id);
      const address = call.request.address;
      if (typeof address !== 'string' || !ADDRESS_PATTERN.test(address)) throw invalidArgument('address', 'must be host:port');
      return onLeader(ctx, asCall(call), 'cluster', 'MemberAdd', (deadline) => audited(ctx, asCall(call), 'MemberAdd', 'admin', { subject: id }, async () => {
        await requireRoot(ctx, asCall(call), deadline, 'member add');
        if (members(ctx).some((m) => m.id === id)) throw new RequestError(grpc.status.ALREADY_EXISTS, `${id} is already a member`);
        // The address goes through the log first, so every node can reach the new member by the
        // time the configuration that includes it is in force.
        const book = encodeCommand({ type: 'setMeta', name: MEMBERS_META, value: ctx.members.withMember(id, address) });
        const { result } = ctx.driver.propose(book);
        await withDeadline(ctx, result, deadline, 'recording the member address');
        return changeMembership(ctx, [{ op: call.request.asLearner ? 'addLearner' : 'addVoter', id }], deadline);
      }));
    }),
    MemberPromote: unary<{ id: string }, object>(ctx, async (call) => {
      const id = checkId(call.request.id);
      return onLeader(ctx, asCall(call), 'cluster', 'MemberPromote', (deadline) => audited(ctx, asCall(call), 'MemberPromote', 'admin', { subject: id }, async () => {
        await requireRoot(ctx, asCall(call), deadline, 'member promote');
        const raft = ctx.driver.raft;
        if (!raft.conf().learners.includes(id)) throw new RequestError(grpc.status.FAILED_PRECONDITION, `${id} is not a learner`);
        const lag = raft.status().followers.find((f) => f.id === id)?.lagEntries ?? Infinity;
        if (lag > MAX_PROMOTE_LAG_ENTRIES) {
          throw new RequestError(grpc.status.FAILED_PRECONDITION, `learner ${id} lags by ${lag} entries (at most ${MAX_PROMOTE_LAG_ENTRIES}); retry once it caught up`);
        }
        return changeMembership(ctx, [{ op: 'addVoter', id }], deadline);
      }));
    }),
    MemberRemove: unary<{ id: string }, object>(ctx, async (call) => {
      const id = checkId(call.request.id);
      return onLeader(ctx, asCall(call), 'cluster', 'MemberRemove', (deadline) => audited(ctx, asCall(call), 'MemberRemove', 'admin', { subject: id }, async () => {
        await requireRoot(ctx, asCall(call), deadline, 'member remove');
        if (!members(ctx).some((m) => m.id === id)) throw new RequestError(grpc.status.NOT_FOUND, `${id} is not a member`);
        return changeMembership(ctx, [{ op: 'remove', id }], deadline);
      }));
    }),
  };
}
