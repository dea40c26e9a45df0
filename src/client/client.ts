// RaftdbClient: the KV operations over the retry loop, with one request id per logical write.
import { randomUUID } from 'node:crypto';
import { type Bytes, keyAfter, prefixEnd, toBuffer } from './bytes.js';
import { ClusterApi } from './cluster.js';
import { MaintenanceApi } from './maintenance.js';
import { EndpointPool } from './endpoints.js';
import { invalidArgument } from './errors.js';
import { type CallPolicy, Invoker, type RetryOptions } from './invoke.js';
import {
  type CallOptions,
  type DeleteResult,
  type GetResult,
  type KeySelector,
  type PutResult,
  type RangeQuery,
  type RangeResult,
  type ReadOptions,
  type WriteOptions,
  deleteRequest,
  deleteResult,
  getResult,
  putRequest,
  putResult,
  rangeRequest,
  rangeResult,
} from './kv.js';
import { type WriteSession, WriteSessions } from './sessions.js';
import { type ClientTlsOptions, clientCredentials } from './tls.js';
import { AuthApi } from './auth.js';
import { type AuthOptions, type IssuedToken, TokenSource } from './tokens.js';
import { type TxnResult, type TxnSpec, txnRequest, txnResult } from './txn.js';
import { wireConsistency } from './types.js';
import { Watch, type WatchQuery } from './watch.js';
import type { WireDeleteResponse, WireGetResponse, WirePutResponse, WireRangeResponse, WireRequestId, WireTxnResponse } from './wire.js';

/** Options of connect(). */
export interface ConnectOptions {
  /** 'host:port' of one or more nodes. */
  endpoints: string[];
  /**
   * Translates the addresses nodes advertise (in leader hints) to addresses this client can
   * reach, e.g. container names to ports published on 127.0.0.1.
   */
  addressMap?: ReadonlyMap<string, string> | Record<string, string>;
  /**
   * Follow leader hints to endpoints not in `endpoints` (default false: a hint naming an unknown
   * address is ignored, so a client never connects anywhere it was not pointed at).
   */
  discoverEndpoints?: boolean;
  /** Names this client in request ids; a random UUID by default. */
  clientId?: string;
  /** Total time of one call, retries included (default 5000). */
  timeoutMs?: number;
  /** Deadline of one attempt of a read, so a hung node is left in time (default: the smaller of 1 s and timeoutMs / 2). */
  readAttemptTimeoutMs?: number;
  /**
   * Deadline of one attempt of a write (default: the smaller of 1 s and half the call timeout).
   * A write that outlives it is retried on another node with the same request id — safe, since
   * the server applies a request id at most once — so a frozen leader is left within a second.
   */
  writeAttemptTimeoutMs?: number;
  /**
   * Retry limits (default 8 attempts, back-off 50 ms doubling up to 1000 ms). `timeoutMs` bounds
   * a call as well; to retry until it is spent, give a large `maxAttempts` (the CLI does).
   */
  retry?: Partial<RetryOptions>;
  /**
   * When a call that needs the leader fails (UNAVAILABLE, DEADLINE_EXCEEDED), ask every endpoint
   * for its Status and say why in the error: quorum lost, no leader, nothing reachable
   * (`RaftdbError.diagnosis`). Costs at most a tenth of `timeoutMs` (200 ms..1 s) on such a
   * failure only. Default true.
   */
  explainFailures?: boolean;
  /** Writes in flight at once; more wait for a free session (default 16; see sessions.ts). */
  maxConcurrentWrites?: number;
  /**
   * Send Put/Get/Delete/Range/Txn over one KV.Pipeline stream per node instead of one unary call
   * each (default true). Same semantics, a fraction of the CPU per request on both sides.
   */
  pipeline?: boolean;
  /** TLS to the nodes (the CA that signed their certificates; a client certificate if asked). */
  tls?: ClientTlsOptions;
  /**
   * A user and password: the client authenticates on first use, sends its token with every
   * request and authenticates again when the token is near its expiry or refused. (Without it, a
   * client certificate whose CN is a user identifies the client.)
   */
  auth?: AuthOptions;
}

/** Keys per page of rangeAll() unless `pageSize` says otherwise. */
export const DEFAULT_PAGE_SIZE = 1000;

const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseMs: 50, maxMs: 1000 };

function positiveInt(n: number | undefined, fallback: number, field: string): number {
  if (n === undefined) return fallback;
  if (!Number.isSafeInteger(n) || n <= 0) throw invalidArgument(`${field} must be a positive integer`);
  return n;
}

/** A connection to a raftdb cluster. Create with connect(); close() when done. */
export class RaftdbClient {
  /** Operator calls: status, membership, switchover, commit mode, history. */
  readonly cluster: ClusterApi;
  /** Maintenance calls: backups and keyspace hashes. */
  readonly maintenance: MaintenanceApi;
  /** Auth administration: the auth switch, users, roles, permissions. */
  readonly auth: AuthApi;
  /** The id this client's request ids are derived from. */
  readonly clientId: string;
  private readonly pool: EndpointPool;
  private readonly invoker: Invoker;
  private readonly sessions: WriteSessions;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly watches = new Set<Watch>();
  private readonly tokens: TokenSource | undefined;

  constructor(opts: ConnectOptions) {
    this.clientId = opts.clientId ?? randomUUID();
    if (this.clientId.length === 0) throw invalidArgument('clientId must not be empty');
    this.timeoutMs = positiveInt(opts.timeoutMs, 5000, 'timeoutMs');
    this.retry = {
      maxAttempts: positiveInt(opts.retry?.maxAttempts, DEFAULT_RETRY.maxAttempts, 'retry.maxAttempts'),
      baseMs: positiveInt(opts.retry?.baseMs, DEFAULT_RETRY.baseMs, 'retry.baseMs'),
      maxMs: positiveInt(opts.retry?.maxMs, DEFAULT_RETRY.maxMs, 'retry.maxMs'),
    };
    this.pool = new EndpointPool(opts.endpoints ?? [], {
      addressMap: opts.addressMap instanceof Map ? opts.addressMap : new Map(Object.entries(opts.addressMap ?? {})),
      discover: opts.discoverEndpoints === true,
    }, clientCredentials(opts.tls));
    const readAttemptTimeoutMs = positiveInt(opts.readAttemptTimeoutMs, Math.min(1000, Math.ceil(this.timeoutMs / 2)), 'readAttemptTimeoutMs');
    const writeAttemptTimeoutMs = positiveInt(opts.writeAttemptTimeoutMs, Math.min(1000, Math.ceil(this.timeoutMs / 2)), 'writeAttemptTimeoutMs');
    if (opts.auth) {
      const { user, password } = opts.auth;
      if (typeof user !== 'string' || user.length === 0) throw invalidArgument('auth.user must be a non-empty string');
      if (typeof password !== 'string') throw invalidArgument('auth.password must be a string');
      this.tokens = new TokenSource(user, () =>
        this.invoker.unary<IssuedToken>('auth', 'Authenticate', { name: user, password }, { kind: 'read', route: 'leader', timeoutMs: this.timeoutMs }),
      );
    }
    this.invoker = new Invoker(this.pool, { retry: this.retry, readAttemptTimeoutMs, writeAttemptTimeoutMs, pipeline: opts.pipeline ?? true, explainFailures: opts.explainFailures ?? true, ...(this.tokens ? { tokens: this.tokens } : {}) });
    this.sessions = new WriteSessions(this.clientId, positiveInt(opts.maxConcurrentWrites, 16, 'maxConcurrentWrites'));
    this.cluster = new ClusterApi(this.invoker, this.timeoutMs);
    this.maintenance = new MaintenanceApi(this.invoker, this.pool, this.timeoutMs, this.tokens);
    this.auth = new AuthApi(this.invoker, this.timeoutMs);
  }

  /** Where writes go: the last endpoint that answered one (the leader, or a follower forwarding to it) or a follower's hint. */
  get leader(): string | null {
    return this.pool.leader;
  }

  private policy(kind: CallPolicy['kind'], route: CallPolicy['route'], opts: CallOptions | undefined): CallPolicy {
    return { kind, route, timeoutMs: positiveInt(opts?.timeoutMs, this.timeoutMs, 'timeoutMs') };
  }

  private readPolicy(opts: ReadOptions | undefined): CallPolicy {
    // Serializable reads may be served by any node; the others need the leader.
    return this.policy('read', opts?.consistency === 'serializable' ? 'any' : 'leader', opts);
  }

  /** Runs one logical write under a session, so all its retries carry the same request id. */
  private async write<Res>(method: string, opts: CallOptions | undefined, build: (id: WireRequestId) => object): Promise<Res> {
    const policy = this.policy('write', 'leader', opts);
    const started = Date.now();
    const session: WriteSession = await this.sessions.acquire(started + policy.timeoutMs);
    try {
      const request = build(session.nextId());
      policy.timeoutMs = Math.max(1, policy.timeoutMs - (Date.now() - started));
      return await this.invoker.unary<Res>('kv', method, request, policy);
    } finally {
      this.sessions.release(session);
    }
  }

  /** Writes `value` at `key`. */
  async put(key: Bytes, value: Bytes, opts: WriteOptions = {}): Promise<PutResult> {
    putRequest(key, value, opts); // validate before taking a session
    return putResult(await this.write<WirePutResponse>('Put', opts, (id) => putRequest(key, value, opts, id)));
  }

  /** Reads one key. */
  async get(key: Bytes, opts: ReadOptions = {}): Promise<GetResult> {
    const k = toBuffer(key, 'key');
    const req = { key: k, consistency: wireConsistency(opts.consistency) };
    return getResult(k, await this.invoker.unary<WireGetResponse>('kv', 'Get', req, this.readPolicy(opts)));
  }

  /** Reads one key's value as UTF-8, or null if it does not exist. */
  async getString(key: Bytes, opts: ReadOptions = {}): Promise<string | null> {
    const r = await this.get(key, opts);
    return r.kv ? r.kv.valueString() : null;
  }

  /** Deletes a key, a [key, rangeEnd) range, or every key with a prefix ({ key, prefix: true }). */
  async delete(target: Bytes | KeySelector, opts: WriteOptions = {}): Promise<DeleteResult> {
    deleteRequest(target, opts);
    return deleteResult(await this.write<WireDeleteResponse>('Delete', opts, (id) => deleteRequest(target, opts, id)));
  }

  /** Reads one page of a range: at most `limit` keys, `more` set when the range goes on. */
  async range(query: RangeQuery): Promise<RangeResult> {
    const req = rangeRequest(query);
    return rangeResult(await this.invoker.unary<WireRangeResponse>('kv', 'Range', req, this.readPolicy(query)));
  }

  /**
   * Pages through a whole range, `pageSize` keys at a time, stopping after `limit` keys in all.
   * Every page after the first reads at the first page's revision, so the pages form one
   * consistent snapshot even while the range is being written to.
   */
  async *rangeAll(query: RangeQuery & { pageSize?: number }): AsyncGenerator<RangeResult, void, undefined> {
    const pageSize = positiveInt(query.pageSize, DEFAULT_PAGE_SIZE, 'pageSize');
    let remaining = query.limit ?? 0;
    const first = rangeRequest(query); // validates
    let key: Buffer = first.key;
    let rangeEnd: Buffer = first.prefix ? prefixEnd(first.key) : first.rangeEnd;
    if (!first.prefix && rangeEnd.length === 0) rangeEnd = keyAfter(key); // a single key
    let revision = first.revision;
    for (;;) {
      const limit = remaining > 0 ? Math.min(pageSize, remaining) : pageSize;
      const page = await this.range({ ...query, key, rangeEnd, prefix: false, limit, revision });
      if (revision === 0) revision = page.header.revision;
      if (remaining > 0) remaining -= page.kvs.length;
      yield page;
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last || (query.limit && remaining <= 0)) return;
      key = keyAfter(last.key);
    }
  }

  /** Runs a transaction (see txn.ts for the compare and op builders). */
  async txn(spec: TxnSpec, opts: CallOptions = {}): Promise<TxnResult> {
    txnRequest(spec, { clientId: '', seq: 0 });
    return txnResult(await this.write<WireTxnResponse>('Txn', opts, (id) => txnRequest(spec, id)));
  }

  /** Watches a key, range or prefix; iterate the result, and call return() to stop. */
  watch(query: WatchQuery): Watch {
    const currentRevision = async (): Promise<number> =>
      (await this.range({ key: query.key, limit: 1, consistency: 'linearizable' })).header.revision;
    const w = new Watch(this.pool, this.retry, query, currentRevision, (done) => this.watches.delete(done), this.tokens);
    this.watches.add(w);
    return w;
  }

  /** Cancels watches and queued writes and closes every channel. */
  close(): void {
    for (const w of [...this.watches]) w.cancel();
    this.sessions.close();
    this.pool.close();
  }
}

/** Connects to a raftdb cluster (channels open lazily, on the first call). */
export function connect(opts: ConnectOptions): RaftdbClient {
  return new RaftdbClient(opts);
}
