import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { monotonicMs, systemWallClock, type MonotonicClock, type WallClock } from '../common/clock.js';
import { systemTimers, type Timers } from '../common/timers.js';
import type { StateMachine } from '../state/index.js';
import type { RaftDriver } from './driver.js';
import type { SessionClock } from './session-clock.js';
import { RequestError, toServiceError, unavailable } from './errors.js';
import { checkDecoded } from './decode.js';
import { DeadlineSlots } from './deadlines.js';
import { forwardedTerm, forwardHops, mayForward, type UnaryForwarder } from './forwarder.js';
import type { LeaderWaits } from './leader-waits.js';
import { approxBytes } from './sizes.js';
import type { Limits } from './kv-convert.js';
import type { LeadershipGate } from './gate.js';
import type { MemberDirectory } from './members.js';
import type { AuditLog, Authenticator } from '../auth/index.js';
import { callerOf, forwardedIdentity, type CallerSource } from './caller.js';
import type { QuotaMonitor } from './quota.js';
import type { ClientLimits } from './client-limits.js';
import type { WatchQuota } from './watch-quota.js';
import type { StreamBudget } from './stream-budget.js';
import type { LoadShedder } from './load-shed.js';
import type { LeaderForwarder } from './peer-forward.js';
import type { FollowerReads } from './follower-reads.js';

/**
 * What a handler needs of an incoming request: a unary call, or one operation of a pipeline
 * (which has no metadata of its own, the stream's caller, and a deadline from its `timeout_ms`).
 */
export interface IncomingCall<Req = unknown> extends CallerSource {
  readonly request: Req;
  readonly metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
}

/**
 * The node's time: its timers, its two clocks, and its request deadlines on one of those timers.
 * Handlers read time only through it, so that a simulated member's timers stop while it is
 * frozen and its wall clock can jump.
 */
export interface NodeTime {
  timers: Timers;
  /** Durations (how long something took or waited). */
  clock: MonotonicClock;
  /** Deadlines (a gRPC deadline is a Date) and timestamps. */
  wallClock: WallClock;
  /** The node's pending request deadlines (deadlines.ts). */
  deadlines: DeadlineSlots;
}

/** A node's time on the given parts (default: the process's timers and clocks). */
export function nodeTime(parts: Partial<Omit<NodeTime, 'deadlines'>> = {}): NodeTime {
  const timers = parts.timers ?? systemTimers;
  const wallClock = parts.wallClock ?? systemWallClock;
  const clock = parts.clock ?? monotonicMs;
  return { timers, clock, wallClock, deadlines: new DeadlineSlots(wallClock, timers, clock) };
}

/** Everything the gRPC services of one node share. */
export interface NodeContext {
  id: string;
  time: NodeTime;
  /** The stamps of request ids (session-clock.ts): never the wall clock, which may jump ahead. */
  sessionClock: SessionClock;
  /** The address clients and peers use for this node. */
  address: string;
  driver: RaftDriver;
  sm: StateMachine;
  members: MemberDirectory;
  /** Unary calls to another node's client port (Cluster and Auth requests, status probes). */
  forwarder: UnaryForwarder;
  /** How requests reach the leader: batched on the peer transport where it can (peer-forward.ts). */
  toLeader: LeaderForwarder;
  /** Linearizable reads served on a follower after a read-index round (follower-reads.ts). */
  followerReads: FollowerReads;
  limits: Limits;
  log: Logger;
  /** How long a follower waits for a leader to appear before answering UNAVAILABLE. */
  electionTimeoutMs: number;
  /** Deadline for requests that carry none. */
  defaultTimeoutMs: number;
  /** Held during a switchover: new requests wait, then go to whoever leads afterwards. */
  gate: LeadershipGate;
  /** Called once per finished request (metrics). */
  observeRequest?(method: string, code: string, seconds: number): void;
  /** Requests waiting for a leader to become known (bounded; see leader-waits.ts). */
  leaderWaits: LeaderWaits;
  /** Long-lived client streams (pipelines, watches), ended by the node on shutdown. */
  streams: OpenStreams;
  /** Who callers are, against the replicated auth state (src/auth). */
  auth: Authenticator;
  /** The audit log, with --audit-log. */
  audit?: AuditLog;
  /** The storage quota: refuses writes that grow the data past it (quota.ts). */
  quota: QuotaMonitor;
  /** Per-client bounds: bytes per stream (client-limits.ts). */
  clientLimits: ClientLimits;
  /** The node's watches and each connection's and user's share (watch-quota.ts). */
  watchQuota: WatchQuota;
  /** The bytes all Pipeline streams hold, bounded together (stream-budget.ts). */
  streamBudget: StreamBudget;
  /** What the limits did, for the metrics. */
  limitEvents: LimitEvents;
  /** Refuses new work past the load bounds (load-shed.ts). */
  shed: LoadShedder;
}

/** Events of the per-client limits and of load shedding (counted in metrics). */
export interface LimitEvents {
  /** A stream stopped reading requests: what it holds for its client reached the bound. */
  streamPaused(stream: 'pipeline'): void;
  /** A live watcher was cut off: its backlog passed the bound. */
  watchCutOff(): void;
  /** A request was refused by a per-client limit (its name, e.g. watches_per_connection). */
  refused(limit: string): void;
}

/**
 * The node's open client streams. gRPC's graceful shutdown waits for every call to finish, and
 * a client's pipeline or watch never does by itself, so shutdown ends them with UNAVAILABLE.
 */
export class OpenStreams {
  private readonly enders = new Set<(err: RequestError) => void>();
  private closed = false;

  /** Registers a stream's ender; returns the function that forgets it when the stream ends. */
  add(end: (err: RequestError) => void): () => void {
    if (this.closed) {
      // Not synchronously: the caller has not finished setting the stream up yet.
      queueMicrotask(() => end(unavailable('node shutting down')));
      return () => {};
    }
    this.enders.add(end);
    return () => this.enders.delete(end);
  }

  get size(): number {
    return this.enders.size;
  }

  /** Ends every open stream; later ones are ended at once. */
  closeAll(why: string): void {
    this.closed = true;
    const err = unavailable(why);
    for (const end of [...this.enders]) end(err);
    this.enders.clear();
  }
}

/** The standard header of KV responses. */
export function header(ctx: NodeContext): { memberId: string; raftTerm: number; revision: number; appliedIndex: number; leaderAddress: string } {
  const leader = ctx.driver.raft.leader;
  return {
    memberId: ctx.id,
    raftTerm: ctx.driver.raft.term,
    revision: ctx.sm.revision(),
    appliedIndex: ctx.sm.appliedIndex(),
    leaderAddress: leader ? (ctx.members.address(leader) ?? '') : '',
  };
}

/** The call's deadline, or the node's default. */
export function deadlineOf(ctx: NodeContext, call: IncomingCall): Date {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : Number(d);
  if (Number.isFinite(ms) && ms > 0) return new Date(ms);
  return new Date(ctx.time.wallClock() + ctx.defaultTimeoutMs);
}

/**
 * Rejects with DEADLINE_EXCEEDED when `p` has not settled by `deadline` (up to SLOT_MS later,
 * deadlines.ts); otherwise settles as `p` does.
 */
export function withDeadline<T>(ctx: Pick<NodeContext, 'time'>, p: Promise<T>, deadline: Date, what: string): Promise<T> {
  const { deadlines, wallClock } = ctx.time;
  const atMs = deadline.getTime();
  if (atMs - wallClock() <= 0) {
    // `p` is already under way: its later failure is nobody's any more, but it must not surface as
    // an unhandled rejection (which ends the process: a follower read whose round failed after its
    // deadline took a node down in a drill).
    p.catch(() => undefined);
    return Promise.reject(new RequestError(grpc.status.DEADLINE_EXCEEDED, `${what}: deadline exceeded`));
  }
  return new Promise<T>((resolve, reject) => {
    const h = deadlines.add(atMs, () => reject(new RequestError(grpc.status.DEADLINE_EXCEEDED, `${what}: deadline exceeded; the outcome is unknown`)));
    p.then(
      (v) => {
        deadlines.cancel(h);
        resolve(v);
      },
      (err: unknown) => {
        deadlines.cancel(h);
        reject(err as Error);
      },
    );
  });
}

/**
 * Runs `local` on the leader; elsewhere forwards the request to the leader, waiting (bounded) for
 * one to be known. A forwarded request that lands on a node that is no longer the leader is
 * forwarded on to the new one, up to MAX_FORWARD_HOPS forwards, or further while each hop knows a
 * leader of a later term (forwarder.ts); past that it is answered FAILED_PRECONDITION with the
 * leader's address. Forwarding happens before anything is proposed,
 * so a request forwarded twice is still executed at most once.
 */
export async function onLeader<T>(
  ctx: NodeContext,
  call: IncomingCall,
  service: 'kv' | 'cluster' | 'auth',
  method: string,
  local: (deadline: Date) => Promise<T>,
): Promise<T> {
  const deadline = deadlineOf(ctx, call);
  // Requests held through a switchover go on to the new leader afterwards, below.
  if (ctx.gate.isHeld) await withDeadline(ctx, ctx.gate.wait(), deadline, 'waiting for the switchover');
  const raft = ctx.driver.raft;
  const isLeader = (): boolean => raft.role === 'leader';
  if (isLeader()) return local(deadline);
  const hops = forwardHops(call.metadata);
  const waitMs = Math.min(ctx.electionTimeoutMs, deadline.getTime() - ctx.time.wallClock());
  const leader = raft.leader ?? (await ctx.leaderWaits.wait(waitMs, approxBytes(call.request), ctx.id));
  if (isLeader()) return local(deadline);
  if (!leader) throw unavailable(`no leader is known to ${ctx.id}; the cluster may have lost its quorum`);
  const address = ctx.members.address(leader);
  if (!address) throw unavailable(`the leader ${leader} has no known address`);
  const term = raft.term;
  if (!mayForward(hops, forwardedTerm(call.metadata), term)) throw new RequestError(grpc.status.FAILED_PRECONDITION, `${ctx.id} is not the leader`, address);
  const auth = ctx.auth;
  const identity = forwardedIdentity(callerOf(call), (der) => auth.certificateUser(der), (der) => auth.isMemberCertificate(der));
  return ctx.toLeader.forward<T>(leader, address, service, method, call.request, deadline, hops + 1, identity, term);
}

/** Adapts an async handler to grpc-js, mapping every error to its status in one place. */
export function unary<Req, Res>(
  ctx: NodeContext,
  fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  /** The method's name for the metrics; without it, read from each call's path. */
  methodName?: string,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const t0 = performance.now();
    const method = methodName ?? (call as unknown as { getPath?: () => string }).getPath?.().split('/').pop() ?? 'unknown';
    let pending: Promise<Res>;
    try {
      checkDecoded(call.request);
      pending = fn(call);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (res) => {
        ctx.observeRequest?.(method, 'OK', (performance.now() - t0) / 1000);
        callback(null, res);
      },
      (err: unknown) => {
        const se = toServiceError(err);
        if (se.code === grpc.status.INTERNAL) ctx.log.error({ err }, 'request failed');
        ctx.observeRequest?.(method, grpc.status[se.code ?? grpc.status.UNKNOWN] ?? 'UNKNOWN', (performance.now() - t0) / 1000);
        callback(se as grpc.ServiceError);
      },
    );
  };
}
