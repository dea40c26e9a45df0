import * as grpc from '@grpc/grpc-js';
import type { Command, CommandResult, KeyRange } from '../state/index.js';
import { accessesOf, encodeCommand } from '../state/index.js';
import type { CommitPolicy } from '../failover/commit-policy.js';
import { audited } from './audit.js';
import { authorizedCommand, checkAccess, identityOf } from './access.js';
import { deadlineOf, header, onLeader, unary, withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { commandError, invalidArgument, LeadershipLostError, RequestError } from './errors.js';
import {
  checkCommitMode,
  checkConsistency,
  checkKey,
  checkLimit,
  checkRequestId,
  checkValue,
  deleteCommand,
  rangeSpan,
  toCompare,
  toProtoKv,
  toResponseOp,
  toTxnOp,
} from './kv-convert.js';
import type { WireCommitMode } from '../common/vocabulary.js';
import type { DeleteRequest__Output as DeleteRequest } from '../proto/generated/raftdb/v1/DeleteRequest.js';
import type { GetRequest__Output as GetRequest } from '../proto/generated/raftdb/v1/GetRequest.js';
import type { PutRequest__Output as PutRequest } from '../proto/generated/raftdb/v1/PutRequest.js';
import type { RangeRequest__Output as RangeRequest } from '../proto/generated/raftdb/v1/RangeRequest.js';
import type { TxnRequest__Output as TxnRequest } from '../proto/generated/raftdb/v1/TxnRequest.js';
import type { EncodedResponse } from './passthrough.js';
import { pipelineHandler } from './pipeline.js';
import { bufferView } from './sizes.js';
import { watchHandler } from './watch.js';
import { checkRangeShape, shapeRange } from './range-options.js';

/** Upper bound on the operations of one txn (etcd's default --max-txn-ops). */
const MAX_TXN_OPS = 128;

/** The policy without a failover controller: every write waits for Raft commit and apply. */
export const semiSyncOnly: CommitPolicy = {
  acknowledge: async (_mode, _index, applied) => (await applied).result,
  acknowledgedBeforeReplication: () => false,
};

/** Proposes `command` on the leader and waits for it as the commit mode says. */
async function write(ctx: NodeContext, policy: CommitPolicy, command: Command, mode: WireCommitMode, deadline: Date): Promise<CommandResult | null> {
  const needsResult = command.type !== 'put';
  const data = encodeCommand(command);
  if (data.length > ctx.limits.maxRequestBytes) {
    throw new RequestError(
      grpc.status.RESOURCE_EXHAUSTED,
      `request too large: ${data.length} bytes once encoded, above the ${ctx.limits.maxRequestBytes}-byte request limit (--max-request-bytes)`,
    );
  }
  ctx.quota.admit(command, data.length); // over the storage quota: refused before it is proposed
  ctx.shed.admitProposal(); // past the proposal or apply backlog: refused before it is proposed
  const { index, result } = ctx.driver.propose(data, policy.acknowledgedBeforeReplication(mode, needsResult));
  // A proposal that outlives its client must not produce an unhandled rejection.
  result.catch(() => {});
  const res = await withDeadline(ctx, policy.acknowledge(mode, index, result, deadline, needsResult), deadline, 'write');
  if (res && res.type === 'error') throw commandError(res);
  return res;
}

/** onLeader for a KV method: a request this node forwards resolves with the leader's encoded response. */
function onLeaderKv<T extends object>(ctx: NodeContext, call: IncomingCall, method: KvMethod, local: (deadline: Date) => Promise<T>): Promise<T | EncodedResponse> {
  return onLeader<T | EncodedResponse>(ctx, call, 'kv', method, local);
}

/** Waits until a read at `consistency` may be served by this node's state machine. */
async function readBarrier(ctx: NodeContext, consistency: string, deadline: Date): Promise<void> {
  if (consistency === 'SERIALIZABLE') return;
  await withDeadline(ctx, ctx.driver.readBarrier(consistency === 'LEASE'), deadline, 'read');
}

/** TEST-ONLY fault injection: serve every read from local state, no ReadIndex (drills must catch it). */
const FAULT_STALE_READS = process.env.RAFTDB_FAULT_STALE_READS === '1';

/**
 * Serves a read locally: at once (serializable), after a read index confirmed by the leader
 * (linearizable: on the leader itself, or on a follower through follower-reads.ts), or on the
 * leader (lease: a follower forwards it, since only the leader holds the lease), once the caller is
 * shown to may read `range`. The check follows the read barrier, so an auth change committed
 * before the read began is in force for it.
 */
function read<Req extends { consistency?: string }, Res extends object>(
  ctx: NodeContext,
  call: IncomingCall<Req>,
  method: 'Get' | 'Range',
  range: KeyRange,
  serve: () => Promise<Res>,
): Promise<Res | EncodedResponse> {
  const consistency = checkConsistency(call.request.consistency);
  const needs = [{ access: 'read' as const, range }];
  const about = (): { ranges: KeyRange[] } => ({ ranges: [range] });
  if (consistency === 'SERIALIZABLE' || FAULT_STALE_READS) {
    ctx.shed.admitLocalRead();
    return audited(ctx, call, method, 'read', about, () => checkAccess(ctx, call, deadlineOf(ctx, call), needs)).then(serve);
  }
  // Served from this node's state machine (after a read-index round here or on the leader): shed
  // while it is far behind.
  const serveAfter = async (barrier: (deadline: Date) => Promise<void>, deadline: Date): Promise<Res> => {
    ctx.shed.admitLocalRead();
    await barrier(deadline);
    await audited(ctx, call, method, 'read', about, () => checkAccess(ctx, call, deadline, needs));
    return serve();
  };
  const attempt = (): Promise<Res | EncodedResponse> =>
    consistency === 'LINEARIZABLE' && ctx.driver.raft.role !== 'leader'
      ? serveAfter((deadline) => withDeadline(ctx, ctx.followerReads.barrier(deadline), deadline, 'read'), deadlineOf(ctx, call))
      : onLeaderKv(ctx, call, method, (deadline) => serveAfter((d) => readBarrier(ctx, consistency, d), deadline));
  // A read this node accepted as leader and then lost leadership under (e.g. a lease it refused
  // after a pause, whose ReadIndex round met the new term) is asked again, once: reads are
  // idempotent, and the node now forwards it to the new leader instead of failing it.
  return attempt().catch((err: unknown) => {
    if (err instanceof LeadershipLostError) return attempt();
    throw err;
  });
}

/**
 * Proposes `command` for the caller: checked and stamped with its user (access.ts), and its
 * request id with the session clock (session-clock.ts), which tells the state machine which sessions are idle.
 */
async function writeAs(ctx: NodeContext, policy: CommitPolicy, call: IncomingCall, command: Command, mode: WireCommitMode, deadline: Date): Promise<CommandResult | null> {
  const who = await identityOf(ctx, call, deadline);
  const stamped = command.req ? { ...command, req: { ...command.req, at: ctx.sessionClock.nowMs() } } : command;
  return write(ctx, policy, authorizedCommand(ctx, who, stamped), mode, deadline);
}

/** The request/response methods of KV, served alike as unary calls and as pipeline operations. */
export type KvMethod = 'Put' | 'Get' | 'Delete' | 'Range' | 'Txn';
export type KvHandlers = Record<KvMethod, (call: IncomingCall<never>) => Promise<object>>;

/** The KV service of one node. */
export function kvService(ctx: NodeContext, policy: CommitPolicy = semiSyncOnly, h: KvHandlers = kvHandlers(ctx, policy)): grpc.UntypedServiceImplementation {
  // Each handler checks its request's fields itself: the decoded message is only the wire shape.
  // A forwarded request's result may be the leader's encoded response: the service is registered
  // through passThrough() (passthrough.ts), which sends it as it is.
  const serve = (method: KvMethod) => unary<unknown, object>(ctx, (call) => h[method](call as unknown as IncomingCall<never>), method);
  return {
    Put: serve('Put'),
    Get: serve('Get'),
    Delete: serve('Delete'),
    Range: serve('Range'),
    Txn: serve('Txn'),
    Watch: watchHandler(ctx),
    Pipeline: pipelineHandler(ctx, h),
  };
}

/**
 * The KV handlers of one node (also what Raft.Forward runs, forward-service.ts): every request,
 * unary, in a pipeline or forwarded by a member, is refused at once while the node's event loop
 * stays late (load-shed.ts), before any of its work is done. A request this node forwarded
 * resolves with the leader's EncodedResponse (passthrough.ts): plainResponse() decodes it where
 * an object is needed.
 */
export function kvHandlers(ctx: NodeContext, policy: CommitPolicy): KvHandlers {
  const h = unshedHandlers(ctx, policy);
  const admitted = (fn: KvHandlers[KvMethod]): KvHandlers[KvMethod] => async (call) => {
    ctx.shed.admitRequest();
    return fn(call);
  };
  return { Put: admitted(h.Put), Get: admitted(h.Get), Delete: admitted(h.Delete), Range: admitted(h.Range), Txn: admitted(h.Txn) };
}

function unshedHandlers(ctx: NodeContext, policy: CommitPolicy): KvHandlers {
  const limits = ctx.limits;
  const handlers: { [M in KvMethod]: (call: IncomingCall<never>) => Promise<object> } = {
    Put: async (call: IncomingCall<PutRequest>) => {
      const r = call.request;
      const key = checkKey(r.key, 'key', limits);
      const value = checkValue(r.value, 'value', limits);
      const mode = checkCommitMode(r.commitMode);
      const req = checkRequestId(r.id, 'id');
      return onLeaderKv(ctx, call, 'Put', (deadline) =>
        audited(ctx, call, 'Put', 'write', () => ({ ranges: [{ key }] }), async () => {
          const res = await writeAs(ctx, policy, call, { type: 'put', key, value, ...(req ? { req } : {}) }, mode, deadline);
          return { header: headerAt(ctx, res) };
        }),
      );
    },
    Get: async (call: IncomingCall<GetRequest>) => {
      const key = checkKey(call.request.key, 'key', limits);
      return read(ctx, call, 'Get', { key }, async () => {
        const kv = await ctx.sm.get(key);
        return kv
          ? { found: true, value: bufferView(kv.value), modRevision: kv.modRevision, version: kv.version, createRevision: kv.createRevision, header: header(ctx) }
          : { found: false, header: header(ctx) };
      });
    },
    Delete: async (call: IncomingCall<DeleteRequest>) => {
      const r = call.request;
      const mode = checkCommitMode(r.commitMode);
      const req = checkRequestId(r.id, 'id');
      const command = deleteCommand(r, req, limits);
      return onLeaderKv(ctx, call, 'Delete', (deadline) =>
        audited(ctx, call, 'Delete', 'write', () => ({ ranges: accessesOf(command).map((n) => n.range) }), async () => {
          const res = await writeAs(ctx, policy, call, command, mode, deadline);
          return { header: headerAt(ctx, res), deleted: res && res.type === 'delete' ? res.deleted : 0 };
        }),
      );
    },
    Range: async (call: IncomingCall<RangeRequest>) => {
      const r = call.request;
      const span = rangeSpan(r, '', limits);
      const limit = checkLimit(r.limit, 'limit');
      const revision = checkLimit(r.revision, 'revision');
      const shape = checkRangeShape(r);
      return read(ctx, call, 'Range', span, async () => {
        const spec = span.rangeEnd ? { key: span.key, rangeEnd: span.rangeEnd } : { key: span.key, rangeEnd: singleKeyEnd(span.key) };
        // A count or a sort other than key order needs the whole range (up to the server's maximum).
        const readLimit = shape.wholeRange ? 0 : limit;
        const res = await ctx.sm.range(spec, { ...(readLimit ? { limit: readLimit } : {}), ...(revision ? { revision } : {}) });
        const shaped = shapeRange(res.kvs, res.more, limit, shape);
        return { header: { ...header(ctx), revision: res.revision }, kvs: shaped.kvs.map(toProtoKv), more: shaped.more, count: shaped.count };
      });
    },
    Txn: async (call: IncomingCall<TxnRequest>) => {
      const r = call.request;
      const ops = (r.compare?.length ?? 0) + (r.success?.length ?? 0) + (r.failure?.length ?? 0);
      if (ops > MAX_TXN_OPS) throw invalidArgument('compare/success/failure', `${ops} operations exceed the limit of ${MAX_TXN_OPS}`);
      const compare = (r.compare ?? []).map((c, i) => toCompare(c, `compare[${i}]`, limits));
      const success = (r.success ?? []).map((o, i) => toTxnOp(o, `success[${i}]`, limits));
      const failure = (r.failure ?? []).map((o, i) => toTxnOp(o, `failure[${i}]`, limits));
      const mode = checkCommitMode(r.commitMode);
      const req = checkRequestId(r.id, 'id');
      const command: Command = { type: 'txn', compare, success, failure, ...(req ? { req } : {}) };
      return onLeaderKv(ctx, call, 'Txn', (deadline) =>
        audited(ctx, call, 'Txn', 'write', () => ({ ranges: accessesOf(command).map((n) => n.range) }), async () => {
          const res = await writeAs(ctx, policy, call, command, mode, deadline);
          const h = headerAt(ctx, res);
          if (!res || res.type !== 'txn') return { header: h, succeeded: false, responses: [] };
          return { header: h, succeeded: res.succeeded, responses: res.responses.map((op) => toResponseOp(op, h)) };
        }),
      );
    },
  };
  return handlers;
}

/**
 * The header of a write's response: the store revision the write produced (the node may be
 * answering before its state machine has stored the batch, or after later writes), or the
 * node's current one when the write was acknowledged before it was applied (ASYNC).
 */
function headerAt(ctx: NodeContext, res: CommandResult | null): ReturnType<typeof header> {
  const h = header(ctx);
  if (res && 'revision' in res) h.revision = res.revision;
  return h;
}

/** The range end that selects exactly `key` (the next key in byte order). */
function singleKeyEnd(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
