// The retry loop every unary call goes through. Bounded by attempts and by the call's total time;
// a retry goes where the failure points: to the leader a follower named, or to the next endpoint
// when a node is unreachable. Only failures that are safe to repeat are retried (see classify).
import * as grpc from '@grpc/grpc-js';
import { explainNoLeader, needsExplaining, type StatusFacts } from './diagnose.js';
import { isEndpoint, RaftdbError, toRaftdbError } from './errors.js';
import type { EndpointPool, Route, Stubs } from './endpoints.js';
import { isPipelined } from './pipeline.js';
import { type TokenSource, tokenMetadata } from './tokens.js';

/** Retry limits: attempts per call, and the back-off between attempts. */
export interface RetryOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Back-off before the first retry; doubles per failure. */
  baseMs: number;
  /** Cap of the back-off. */
  maxMs: number;
}

/**
 * How a call may be repeated:
 * - `read`: no effect on the server; retried on any transient failure, timeouts included.
 * - `write`: carries a request id (or is idempotent), so the server applies it at most once;
 *   retried unless it timed out, whose outcome the architecture leaves indeterminate.
 * - `once`: changes state and has no request id (membership, switchover); retried only when
 *   it certainly was not applied: a follower refused it, or no connection could be made.
 */
export type CallKind = 'read' | 'write' | 'once';

/** Per-call routing and limits. */
export interface CallPolicy {
  kind: CallKind;
  route: Route;
  /** Total time for the call, retries included. */
  timeoutMs: number;
  /** Send only to this endpoint: no redirects, no rotation, a single attempt. */
  endpoint?: string;
}

/** Settings shared by every call of one client. */
export interface InvokerOptions {
  retry: RetryOptions;
  /** Deadline of one attempt of a read, so that a hung node is left for another in time. */
  readAttemptTimeoutMs: number;
  /** Deadline of one attempt of a write (retried elsewhere with the same request id). */
  writeAttemptTimeoutMs: number;
  /** Send KV operations over each node's pipeline stream rather than as unary calls. */
  pipeline: boolean;
  /** With connect({ auth }): the token every call carries. */
  tokens?: TokenSource;
  /**
   * A call that needs the leader and fails UNAVAILABLE or DEADLINE_EXCEEDED asks every endpoint
   * for its Status and says why (quorum lost, no leader, nothing reachable); see diagnose.ts.
   */
  explainFailures: boolean;
}

/** Time left at the end of a call's budget below which no further attempt is started. */
const LAST_ATTEMPT_MS = 50;
/** Bounds of the Status round that explains a failure (10% of the call's budget between them). */
const MIN_PROBE_MS = 200;
const MAX_PROBE_MS = 1000;

type Decision = { type: 'fatal' } | { type: 'redirect'; to: string } | { type: 'rotate' } | { type: 'again' };

/** What to do after a failed attempt. */
export function classify(err: RaftdbError, kind: CallKind, sent: boolean): Decision {
  switch (err.code) {
    case 'UNAVAILABLE':
      return kind !== 'once' || !sent ? { type: 'rotate' } : { type: 'fatal' };
    case 'FAILED_PRECONDITION':
      return err.leader ? { type: 'redirect', to: err.leader } : { type: 'fatal' };
    case 'DEADLINE_EXCEEDED':
      return kind === 'read' ? { type: 'rotate' } : { type: 'fatal' };
    case 'ABORTED':
      return kind === 'once' ? { type: 'fatal' } : { type: 'again' };
    default:
      return { type: 'fatal' };
  }
}

/** The back-off before retry number `failures` (1-based): capped exponential, half jittered. */
export function backoffMs(retry: RetryOptions, failures: number): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(failures - 1, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

type UnaryFn = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

/** Sends one unary request to one endpoint with a deadline. */
function callOnce<Res>(client: grpc.Client, method: string, request: object, deadlineMs: number, token: string | null): Promise<Res> {
  const fn = (client as unknown as Record<string, UnaryFn | undefined>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`raftdb: no such method ${method}`));
  return new Promise((resolve, reject) => {
    fn.call(client, request, tokenMetadata(token), { deadline: new Date(deadlineMs) }, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The leader address a response header names, if any. */
function leaderFromHeader(res: unknown): string | undefined {
  const addr = (res as { header?: { leaderAddress?: unknown } } | null)?.header?.leaderAddress;
  return typeof addr === 'string' && isEndpoint(addr) ? addr : undefined;
}

/** Runs unary calls through the pool with the retry policy. */
export class Invoker {
  constructor(
    readonly pool: EndpointPool,
    private readonly options: InvokerOptions,
  ) {}

  /** One attempt at one endpoint: over its pipeline when it has one, else as a unary call. */
  private async attempt<Res>(endpoint: string, service: keyof Stubs, method: string, request: object, deadlineMs: number, token: string | null): Promise<Res> {
    const pipeline = this.options.pipeline && service === 'kv' && isPipelined(method) ? this.pool.pipeline(endpoint) : null;
    if (pipeline) {
      try {
        return await pipeline.call<Res>(method as Parameters<typeof pipeline.call>[0], request, deadlineMs, token);
      } catch (err) {
        // A node without pipelines: this attempt (and the later ones) go as unary calls.
        if (!(err instanceof RaftdbError && err.code === 'UNIMPLEMENTED' && pipeline.unsupported)) throw err;
      }
    }
    return callOnce<Res>(this.pool.stubs(endpoint)[service], method, request, deadlineMs, token);
  }

  /** Calls `method` on the KV or Cluster service, retrying as `policy` allows; a failure to reach the leader says why. */
  async unary<Res>(service: keyof Stubs, method: string, request: object, policy: CallPolicy): Promise<Res> {
    try {
      return await this.retried<Res>(service, method, request, policy);
    } catch (e) {
      const err = toRaftdbError(e);
      if (!this.options.explainFailures || policy.route !== 'leader' || policy.endpoint !== undefined || !needsExplaining(err) || this.pool.isClosed) throw err;
      const probeMs = Math.min(MAX_PROBE_MS, Math.max(MIN_PROBE_MS, Math.round(policy.timeoutMs / 10)));
      throw await explainNoLeader(err, this.pool.list(), (endpoint, deadlineMs) => this.statusOnce(endpoint, deadlineMs), probeMs);
    }
  }

  /**
   * One Status call to one endpoint, for explaining a failure, with the token held now if any:
   * it never authenticates (the failure may be the authentication itself, which it would then
   * wait for: a client whose leader was removed hung until the drill's timeout).
   */
  private async statusOnce(endpoint: string, deadlineMs: number): Promise<StatusFacts> {
    return callOnce<StatusFacts>(this.pool.stubs(endpoint).cluster, 'Status', {}, deadlineMs, this.options.tokens?.held() ?? null);
  }

  private async retried<Res>(service: keyof Stubs, method: string, request: object, policy: CallPolicy): Promise<Res> {
    const { retry } = this.options;
    const deadlineMs = Date.now() + policy.timeoutMs;
    // Authenticate itself goes without a token, and so does everything while auth is not asked for.
    const tokens = service === 'auth' && method === 'Authenticate' ? undefined : this.options.tokens;
    let failures = 0;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      if (this.pool.isClosed) throw new RaftdbError(grpc.status.CANCELLED, 'client is closed', { attempts: attempt });
      const endpoint = policy.endpoint ?? this.pool.target(policy.route);
      const attemptMs =
        policy.kind === 'read' ? this.options.readAttemptTimeoutMs : policy.kind === 'write' ? this.options.writeAttemptTimeoutMs : Infinity;
      const attemptDeadlineMs = Math.min(deadlineMs, Date.now() + attemptMs);
      let err: RaftdbError;
      let sent = true;
      let token: string | null = null;
      // Authenticate has its own retries; its failure (a wrong password) ends this call.
      if (tokens) token = await tokens.get().catch((e: unknown) => {
        throw toRaftdbError(e).withAttempts(attempt);
      });
      try {
        // A 'once' call is sent only over an established connection, so that a refused
        // connection (nothing sent) can be told apart from a failure after sending.
        if (policy.kind === 'once' && !(await this.pool.waitConnected(endpoint, attemptDeadlineMs))) {
          sent = false;
          throw new RaftdbError(grpc.status.UNAVAILABLE, `cannot connect to ${endpoint}`);
        }
        const res = await this.attempt<Res>(endpoint, service, method, request, attemptDeadlineMs, token);
        this.pool.noteSuccess(endpoint, policy.route);
        // A follower that forwarded the call names the leader: go there directly next time.
        const leader = leaderFromHeader(res);
        if (policy.route === 'leader' && leader && leader !== endpoint) this.pool.noteLeaderHint(leader);
        return res;
      } catch (e) {
        err = toRaftdbError(e);
      }
      // A refused token (stale, expired, its key rotated), or none where one is now needed:
      // authenticate again and retry once; the request was not executed.
      if (err.code === 'UNAUTHENTICATED' && tokens && !reauthenticated && attempt < retry.maxAttempts) {
        reauthenticated = true;
        tokens.invalidate(token);
        continue;
      }
      // A write whose attempt (not the whole call) ran out of time goes to another node with the
      // same request id: the node may be frozen, and the id makes the retry apply at most once.
      // Whether the attempt's deadline was the shorter one decides, not the clock after the error:
      // a timer may fire a millisecond before Date.now() reaches the deadline it was set for, and
      // such an attempt then ended the whole call as an unknown outcome.
      const attemptTimedOut = err.code === 'DEADLINE_EXCEEDED' && attemptDeadlineMs < deadlineMs;
      const decision = attemptTimedOut && policy.kind === 'write' ? ({ type: 'rotate' } as const) : classify(err, policy.kind, sent);
      if (decision.type === 'fatal' || policy.endpoint !== undefined || attempt >= retry.maxAttempts) {
        throw err.withAttempts(attempt);
      }
      let delayMs: number;
      if (decision.type === 'redirect' && decision.to !== endpoint && this.pool.noteLeaderHint(decision.to)) {
        delayMs = 0; // a redirect to another node is not a failure: go at once
      } else {
        if (decision.type === 'rotate') this.pool.noteUnreachable(endpoint);
        delayMs = backoffMs(retry, ++failures);
      }
      // The call's timeout is its whole budget: the back-off is cut short so that one more attempt
      // fits before the deadline, rather than giving up early because a full back-off would not.
      const leftMs = deadlineMs - Date.now();
      if (leftMs < LAST_ATTEMPT_MS) throw err.withAttempts(attempt);
      delayMs = Math.min(delayMs, leftMs - LAST_ATTEMPT_MS);
      if (delayMs > 0) await sleep(delayMs);
    }
  }
}
