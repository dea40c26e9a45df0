// The Cluster RPCs of the cluster alarms (NOSPACE from the storage quota, CORRUPT from the
// corruption check) and of the storage quota, all in one place: AlarmList, AlarmDisarm, AlarmActivate,
// Compact, Defragment. With auth on, all but AlarmList need root; AlarmActivate also takes a
// member proven by its peer certificate (the quota monitor of a follower raises its alarm so).
// AlarmDisarm, AlarmActivate and Compact go through the log; Defragment works on the node that
// receives it (like etcd's defrag: run it on one member at a time).
import * as grpc from '@grpc/grpc-js';
import { ALARM_TYPES, type AlarmMember, type AlarmType, type Command, type CommandResult, encodeCommand } from '../state/index.js';
import { requireRoot } from './access.js';
import { audited } from './audit.js';
import { callerOf } from './caller.js';
import { caughtUp } from './caught-up.js';
import { deadlineOf, header, onLeader, unary, withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { invalidArgument, RequestError, unavailable } from './errors.js';

type Call = IncomingCall<unknown>;
const asCall = (c: unknown): Call => c as Call;

/** Proposes `command` as leader and returns its result once decided (errors as statuses). */
async function propose(ctx: NodeContext, command: Command, deadline: Date, what: string): Promise<CommandResult> {
  const { result } = ctx.driver.propose(encodeCommand(command));
  result.catch(() => {}); // awaited below; this only keeps a proposal that outlives its deadline from being an unhandled rejection
  const applied = await withDeadline(ctx, result, deadline, what);
  if (applied.result.type === 'error') throw new RequestError(grpc.status.FAILED_PRECONDITION, `${what}: ${applied.result.message}`);
  return applied.result;
}

function alarmType(v: unknown, allowAll: boolean): AlarmType {
  if ((v === undefined || v === '' || v === 'NONE') && allowAll) return 'NOSPACE';
  if (typeof v === 'string' && ALARM_TYPES.includes(v as AlarmType)) return v as AlarmType;
  throw invalidArgument('alarm', `must be one of ${ALARM_TYPES.join(', ')}`);
}

function memberIdOf(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length > 64 || !/^[A-Za-z0-9_.-]*$/.test(v)) throw invalidArgument(field, 'must be a member id (letters, digits, . _ -)');
  return v;
}

function isMember(ctx: NodeContext, id: string): boolean {
  const conf = ctx.driver.raft.conf();
  return [...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext].includes(id);
}

const wire = (a: AlarmMember): { memberId: string; alarm: string } => ({ memberId: a.memberId, alarm: a.alarm });

/**
 * Asks the cluster to raise `memberId`'s `alarm`: proposed here on the leader, forwarded to the
 * leader elsewhere (a follower cannot propose). Used by the quota monitor (NOSPACE) and the
 * corruption check (CORRUPT), each for its own member.
 */
export async function raiseAlarm(ctx: NodeContext, memberId: string, alarm: AlarmType, timeoutMs: number): Promise<void> {
  const deadline = new Date(ctx.time.wallClock() + timeoutMs);
  const raft = ctx.driver.raft;
  if (raft.role === 'leader') {
    await propose(ctx, { type: 'alarm', action: 'activate', memberId, alarm }, deadline, `raising the ${alarm} alarm`);
    return;
  }
  const address = raft.leader ? ctx.members.address(raft.leader) : undefined;
  if (!address) throw unavailable('no leader is known to raise the alarm with');
  await ctx.forwarder.forward(address, 'cluster', 'AlarmActivate', { memberId, alarm }, deadline);
}

/**
 * The alarms as Status lists them, with what each means. `corruptDetail` is this member's own
 * corruption-check finding (revision, the members it differs from): shown in place of the plain
 * CORRUPT line, and also before the alarm is through the log.
 */
export function alarmStatusTexts(alarms: readonly AlarmMember[], selfId: string, corruptDetail: string | null): string[] {
  const texts = alarms.map((a) => {
    if (a.alarm === 'NOSPACE') return `NOSPACE raised by ${a.memberId}: database space exceeded, writes that add data are refused (raftdb alarm list)`;
    if (a.memberId === selfId && corruptDetail) return corruptDetail;
    return `CORRUPT raised by ${a.memberId}: its keyspace differs from the other members' (HashKV); replace its data, then raftdb alarm disarm --alarm CORRUPT`;
  });
  const mine = alarms.some((a) => a.alarm === 'CORRUPT' && a.memberId === selfId);
  return corruptDetail && !mine ? [...texts, corruptDetail] : texts;
}

type Measure = () => Promise<{ backendBytes: number }>;

/**
 * Compacts every LevelDB table of this node; its backend size before and after. First waits
 * (bounded) until this node applied every write acknowledged before the call: `raftdb compact`
 * then `raftdb defrag` must free the history on a follower that had not yet applied the compact
 * (a member still applying a backlog gave back nothing: test/integration/process-disk.test.ts).
 */
async function defragment(ctx: NodeContext, measure: Measure): Promise<{ backendBytesBefore: number; backendBytesAfter: number }> {
  await caughtUp(ctx, 'defragment');
  const before = (await measure()).backendBytes;
  await ctx.sm.compactStorage();
  const after = (await measure()).backendBytes;
  ctx.log.info({ beforeBytes: before, afterBytes: after }, 'defragmented the state machine (LevelDB compaction of every key)');
  return { backendBytesBefore: before, backendBytesAfter: after };
}

/** The quota's Cluster RPCs. `measure` re-measures this node's backend (after a defragment). */
export function alarmService(ctx: NodeContext, measure: Measure): grpc.UntypedServiceImplementation {
  let defragmenting: Promise<{ backendBytesBefore: number; backendBytesAfter: number }> | null = null;
  return {
    AlarmList: unary<object, object>(ctx, async (call) =>
      onLeader(ctx, asCall(call), 'cluster', 'AlarmList', async (deadline) => {
        // Linearizable: an alarm raised or disarmed before this call is seen.
        await withDeadline(ctx, ctx.driver.readBarrier(false), deadline, 'listing alarms');
        return { header: header(ctx), alarms: ctx.sm.alarms().map(wire) };
      }),
    ),
    AlarmDisarm: unary<{ memberId: string; alarm: string }, object>(ctx, async (call) => {
      const memberId = memberIdOf(call.request.memberId ?? '', 'member_id');
      const alarm = alarmType(call.request.alarm, true);
      return onLeader(ctx, asCall(call), 'cluster', 'AlarmDisarm', (deadline) =>
        audited(ctx, asCall(call), 'AlarmDisarm', 'admin', { subject: memberId || '(every member)' }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'alarm disarm');
          const res = await propose(ctx, { type: 'alarm', action: 'deactivate', memberId, alarm }, deadline, 'disarming');
          return { header: header(ctx), disarmed: res.type === 'alarm' ? res.changed.map(wire) : [], alarms: res.type === 'alarm' ? res.alarms.map(wire) : [] };
        }),
      );
    }),
    AlarmActivate: unary<{ memberId: string; alarm: string }, object>(ctx, async (call) => {
      const memberId = memberIdOf(call.request.memberId, 'member_id');
      if (memberId === '') throw invalidArgument('member_id', 'must name the member whose alarm this is');
      const alarm = alarmType(call.request.alarm, false);
      return onLeader(ctx, asCall(call), 'cluster', 'AlarmActivate', (deadline) =>
        audited(ctx, asCall(call), 'AlarmActivate', 'admin', { subject: memberId }, async () => {
          if (!ctx.auth.isMemberCertificate(callerOf(asCall(call)).certificate)) await requireRoot(ctx, asCall(call), deadline, 'alarm activate');
          if (!isMember(ctx, memberId)) throw new RequestError(grpc.status.NOT_FOUND, `${memberId} is not a member`);
          const res = await propose(ctx, { type: 'alarm', action: 'activate', memberId, alarm }, deadline, 'raising the alarm');
          return { header: header(ctx), alarms: res.type === 'alarm' ? res.alarms.map(wire) : [] };
        }),
      );
    }),
    Compact: unary<{ revision: number }, object>(ctx, async (call) => {
      const asked = Number(call.request.revision ?? 0);
      if (!Number.isSafeInteger(asked) || asked < 0) throw invalidArgument('revision', 'must be a non-negative integer');
      return onLeader(ctx, asCall(call), 'cluster', 'Compact', (deadline) =>
        audited(ctx, asCall(call), 'Compact', 'admin', { subject: String(asked) }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'compact');
          // Every write this leader answered is applied first: a revision a client was just told
          // of is never "ahead of the current revision".
          await withDeadline(ctx, ctx.driver.applied(), deadline, 'compacting');
          const current = ctx.sm.revision();
          if (asked > current) throw new RequestError(grpc.status.OUT_OF_RANGE, `revision ${asked} is ahead of the current revision ${current}`);
          const res = await propose(ctx, { type: 'compact', revision: asked === 0 ? Math.max(1, current) : asked }, deadline, 'compacting');
          return { header: header(ctx), compactRevision: res.type === 'compact' ? res.compacted : 0 };
        }),
      );
    }),
    Defragment: unary<object, object>(ctx, async (call) =>
      audited(ctx, asCall(call), 'Defragment', 'admin', { subject: ctx.id }, async () => {
        await requireRoot(ctx, asCall(call), deadlineOf(ctx, asCall(call)), 'defrag');
        // One at a time per node: a second request while one runs waits for it and gets its answer.
        defragmenting ??= defragment(ctx, measure).finally(() => (defragmenting = null));
        return { header: header(ctx), ...(await defragmenting) };
      }),
    ),
  };
}
