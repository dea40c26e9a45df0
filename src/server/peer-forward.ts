// How a follower passes a request on to the leader. KV requests (writes, lease reads) and
// read-index rounds travel on the peer transport's Raft.Forward stream to the leader's peer port,
// many per message (src/transport/forward-channel.ts). The unary Forwarder (forwarder.ts: one
// gRPC call on the leader's client port per request) is kept only where that path cannot serve:
// Cluster and Auth requests (rare administrative calls, served by their own unary handlers), and
// a leader that does not serve Raft.Forward (an older version during a rolling upgrade; it answers
// UNIMPLEMENTED before running anything, so the request is sent again as a unary call).
import * as grpc from '@grpc/grpc-js';
import { monotonicMs, systemWallClock, type MonotonicClock, type WallClock } from '../common/clock.js';
import { loadRaftdbProto } from '../proto/load.js';
import { ForwardChannelError, type ForwardCall, type ForwardReply, type ForwardServerLimits, type GrpcPeerTransport } from '../transport/index.js';
import type { ForwardedIdentity } from './caller.js';
import type { Limits } from './kv-convert.js';
import { RequestError, isStatusCode } from './errors.js';
import type { UnaryForwarder } from './forwarder.js';
import { EncodedResponse, passThroughMethod, requestBytesOf } from './passthrough.js';

/** The KV methods that go on the forwarding stream, and the read-index round. */
export type ForwardedMethod = 'Put' | 'Delete' | 'Txn' | 'Get' | 'Range' | 'ReadIndex';

const KV_METHODS: ReadonlySet<string> = new Set(['Put', 'Delete', 'Txn', 'Get', 'Range']);

/** Whether `method` of `service` may travel on Raft.Forward. */
export function isForwardedMethod(service: string, method: string): method is ForwardedMethod {
  return service === 'kv' && (KV_METHODS.has(method) || method === READ_INDEX);
}

/** The pseudo-method asking the leader for a confirmed read index. */
export const READ_INDEX = 'ReadIndex';

const kvMethods = new Map<string, grpc.MethodDefinition<object, object>>();

/**
 * The KV method's (de)serializers, as the client port uses them (a forwarded request is the same
 * bytes), passing an EncodedResponse through as it is (passthrough.ts).
 */
export function kvMethod(method: string): grpc.MethodDefinition<object, object> {
  let def = kvMethods.get(method);
  if (!def) {
    const loaded = loadRaftdbProto().KV.service[method];
    if (!loaded) throw new Error(`no KV method ${method}`);
    // The leader decodes forwarded requests with it and keeps no bytes: a request it forwards
    // once more (leadership moved meanwhile, rare) is encoded again.
    def = passThroughMethod(loaded as grpc.MethodDefinition<object, object>, () => false);
    kvMethods.set(method, def);
  }
  return def;
}

/** Timeouts sent to the leader are capped here (a deadline hours away is as good as none). */
const MAX_TIMEOUT_MS = 3_600_000;
/** Leaders that answered UNIMPLEMENTED are asked by unary calls for this long, then tried again. */
const NO_FORWARD_RETRY_MS = 60_000;

/** Counts for the forwarding metrics (follower side). */
export interface PeerForwardMetrics {
  /** A request went on the stream (`method`), or was refused before it (`refused`). */
  recordForward(method: string): void;
  recordForwardRefused(reason: 'full' | 'too_large'): void;
}

/** Sends forwarded requests through the peer transport, falling back to unary calls (file comment). */
export class LeaderForwarder {
  /** Leader id -> when its UNIMPLEMENTED answer stops counting (ms since epoch). */
  private readonly noForward = new Map<string, number>();

  constructor(
    private readonly send: (peer: string, req: ForwardCall) => Promise<ForwardReply>,
    /** Kept for Cluster and Auth requests, and for leaders without Raft.Forward. */
    readonly unary: UnaryForwarder,
    private readonly metrics?: PeerForwardMetrics,
    /** The retry window after an UNIMPLEMENTED is a duration; a deadline is a wall-clock time. */
    private readonly time: { clock: MonotonicClock; wallClock: WallClock } = { clock: monotonicMs, wallClock: systemWallClock },
  ) {}

  /**
   * Runs `method` of `service` on the leader `leader` (client address `address`) for the caller
   * `identity`, with the caller's deadline; `hops` counts this forward. Resolves with the
   * response: for a KV method sent on Raft.Forward the leader's encoded response
   * (EncodedResponse, which the client port sends on as it is), for ReadIndex the confirmed
   * index, otherwise the decoded message; rejects with the leader's status.
   */
  async forward<T>(
    leader: string,
    address: string,
    service: 'kv' | 'cluster' | 'auth',
    method: string,
    request: unknown,
    deadline: Date,
    hops: number,
    identity?: ForwardedIdentity,
    leaderTerm = 0,
  ): Promise<T> {
    if (isForwardedMethod(service, method) && !this.lacksForward(leader)) {
      try {
        return (await this.overStream(leader, method, request, deadline, hops, identity, leaderTerm)) as T;
      } catch (err) {
        if (!(err instanceof ForwardChannelError && err.code === grpc.status.UNIMPLEMENTED)) throw err;
        this.noForward.set(leader, this.time.clock() + NO_FORWARD_RETRY_MS);
      }
    }
    if (method === READ_INDEX) throw new RequestError(grpc.status.UNAVAILABLE, `the leader ${leader} serves no read-index rounds; retry`);
    return this.unary.forward<T>(address, service, method, request, deadline, hops, identity, leaderTerm);
  }

  private lacksForward(leader: string): boolean {
    const until = this.noForward.get(leader);
    if (until === undefined) return false;
    if (this.time.clock() < until) return true;
    this.noForward.delete(leader);
    return false;
  }

  private async overStream(leader: string, method: ForwardedMethod, request: unknown, deadline: Date, hops: number, identity: ForwardedIdentity | undefined, leaderTerm: number): Promise<unknown> {
    const def = method === READ_INDEX ? null : kvMethod(method);
    const call: ForwardCall = {
      method,
      // A client's unary request goes as the bytes it came in (passthrough.ts); a pipeline's
      // operation, which arrived inside a larger message, is encoded on its own.
      request: def ? (requestBytesOf(request) ?? def.requestSerialize(request as object)) : Buffer.alloc(0),
      timeoutMs: Math.max(1, Math.min(MAX_TIMEOUT_MS, deadline.getTime() - this.time.wallClock())),
      hops,
      token: identity?.token ?? '',
      user: identity?.user ?? '',
      clientAddress: identity?.address ?? '',
      leaderTerm,
    };
    let reply: ForwardReply;
    try {
      reply = await this.send(leader, call);
      this.metrics?.recordForward(method);
    } catch (err) {
      if (err instanceof ForwardChannelError && err.executed === 'no' && err.code !== grpc.status.UNIMPLEMENTED) {
        this.metrics?.recordForwardRefused(err.code === grpc.status.RESOURCE_EXHAUSTED ? 'too_large' : 'full');
      }
      if (err instanceof ForwardChannelError && err.code !== grpc.status.UNIMPLEMENTED) throw new RequestError(err.code, err.message);
      throw err;
    }
    // A shed request's retry hint goes back to the client too (grpc-retry-pushback-ms).
    // The leader's code crossed the network: a number outside the status codes reads as UNKNOWN.
    if (reply.code !== grpc.status.OK) throw new RequestError(isStatusCode(reply.code) ? reply.code : grpc.status.UNKNOWN, reply.message, reply.leaderAddress || undefined, reply.retryAfterMs || undefined);
    if (!def) return reply.readIndex;
    return new EncodedResponse(Buffer.from(reply.response.buffer, reply.response.byteOffset, reply.response.byteLength), def.responseDeserialize);
  }

  /** Closes the unary channels (the peer transport closes its own). */
  close(): void {
    this.unary.close();
  }
}

/**
 * What one follower's forwarded requests may hold on the leader at once: as many requests as a
 * pipeline may have in flight, and the bytes of 16 requests at --max-request-bytes (at least
 * 64 MiB); replies up to the size the follower's channel accepts, in messages of 1 MiB.
 */
export function forwardServerLimits(limits: Pick<Limits, 'maxRequestBytes'>, peerMessageBytes: number): ForwardServerLimits {
  return {
    maxInFlight: 4096,
    maxInFlightBytes: Math.max(64 * 1024 * 1024, 16 * limits.maxRequestBytes, 2 * peerMessageBytes),
    maxReplyBytes: 64 * 1024 * 1024,
    maxBatchBytes: 1024 * 1024,
  };
}

/** Forwarded requests awaiting a reply, over all peers (a gauge). */
export function forwardInFlight(transport: GrpcPeerTransport): number {
  let n = 0;
  for (const p of transport.stats().peers.values()) n += p.forward.inFlight;
  return n;
}
