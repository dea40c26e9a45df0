// Simulated clients: each runs one operation at a time against a member it picks, through the
// node's real KV handlers (what the gRPC service, pipelines and forwarded requests run) — or, for
// the pipeline clients, over KV.Pipeline streams (pipeline-stream.ts: the real client Pipeline
// and the node's real stream handler; each client's sessions share its streams, so several
// operations are in flight on one stream) — and
// retries a failed write on another member with the same request id until its budget is spent,
// as the TypeScript client does. Every operation goes into the history the checker reads:
// writes (Put, Delete as a write of null, Txn as compare-and-set) and LINEARIZABLE and LEASE
// reads, ranges as a read of each key they determine (range-reads.ts); SERIALIZABLE reads are
// kept aside (they promise only a value that was written).
import * as grpc from '@grpc/grpc-js';
import type { Rng } from '../../src/common/rng.js';
import type { HistoryRecorder, Value } from '../../src/history/index.js';
import type { IncomingCall } from '../../src/server/context.js';
import type { KvMethod } from '../../src/server/kv-service.js';
import type { Pipeline } from '../../src/client/pipeline.js';
import { plainResponse } from '../../src/server/passthrough.js';
import type { SimMember } from './member.js';
import type { SimNetwork } from './network.js';
import { simPipeline } from './pipeline-stream.js';
import { drawRange, invokeRange, rangeValues } from './range-reads.js';

/** How the clients behave. */
export interface WorkloadOptions {
  clients: number;
  keys: number;
  /** Share of writes sent with commit mode ASYNC (acknowledged before replication: may be lost). */
  asyncShare: number;
  /** A write's whole budget (ms), over its attempts. */
  writeBudgetMs: number;
  /**
   * One attempt's deadline (ms), drawn per attempt: most clients give up on a member quickly and
   * try another, so load goes on while one is frozen; some wait long, so that requests queued in a
   * frozen member's sockets are still wanted when it resumes (the stale-read case).
   */
  attemptMs: readonly number[];
  /** Clients on pipeline streams (one stream per member each), and the sessions each runs at once. */
  pipelineClients?: number;
  pipelineSessions?: number;
  /** Told of every write a client was told succeeded, as it is told (ack-cuts.ts cuts the power there). */
  onAcknowledged?: (method: KvMethod, request: object, response: object) => void;
}

/** A SERIALIZABLE read's answer, checked against the values ever written. */
export interface StaleRead {
  key: string;
  value: Value;
}

// DEFAULT: the cluster's configured mode.
const COMMIT_MODES = ['SYNC', 'SEMI_SYNC', 'DEFAULT'] as const;

/** The clients of one run. */
export class Workload {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  readonly serializableReads: StaleRead[] = [];
  /** Every value a write or cas was invoked with, per key (what a SERIALIZABLE read may return). */
  readonly written = new Map<string, Set<Value>>();
  counts = { ok: 0, failed: 0, unknown: 0 };
  /** Attempts sent on pipeline streams, answered and failed (a broken stream's, a deadline's, an error result). */
  pipelineAttempts = { answered: 0, failed: 0 };
  /** Why writes ended with an unknown outcome (the reason's first words), for the run's summary. */
  readonly unknownReasons = new Map<string, number>();
  /**
   * Answers that broke a promise whatever the consistency: a range's key outside it, out of
   * order or past the limit; a pipeline result without a response of its operation's kind.
   */
  readonly answerProblems: string[] = [];
  /** Each pipeline client's pipeline to each member ("p0" → member id → pipeline). */
  private readonly pipelines = new Map<string, Map<string, Pipeline>>();

  constructor(
    private readonly rng: Rng,
    private readonly net: SimNetwork,
    private readonly members: readonly SimMember[],
    private readonly history: HistoryRecorder,
    private readonly opts: WorkloadOptions,
  ) {}

  start(): void {
    for (let c = 0; c < this.opts.clients; c++) this.loops.push(this.client(`c${c}`));
    // A session is a client id of its own (the dedupe table keeps one seq per id), like the
    // TypeScript client's write sessions; the sessions of one client share its streams.
    for (let p = 0; p < (this.opts.pipelineClients ?? 0); p++) {
      for (let s = 0; s < (this.opts.pipelineSessions ?? 1); s++) this.loops.push(this.client(`p${p}/${s}`));
    }
  }

  /** Stops issuing new operations; resolves when every client's last one has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const byMember of this.pipelines.values()) for (const p of byMember.values()) p.close();
  }

  private async client(id: string): Promise<void> {
    let seq = 0;
    let n = 0;
    while (!this.stopped) {
      await sleep(this.rng.int(1, 20));
      if (this.stopped) break;
      const key = `k${this.rng.int(0, this.opts.keys - 1)}`;
      const r = this.rng.next();
      if (r < 0.35) await this.put(id, ++seq, key, `${id}-${++n}`);
      else if (r < 0.45) await this.cas(id, ++seq, key, `${id}-${++n}`);
      else if (r < 0.5) await this.del(id, ++seq, key);
      else if (r < 0.62) await this.range(id, this.rng.chance(0.5) ? 'LEASE' : 'LINEARIZABLE');
      else if (r < 0.9) await this.read(id, key, this.rng.chance(0.5) ? 'LEASE' : 'LINEARIZABLE');
      else if (r < 0.93) await this.range(id, 'SERIALIZABLE');
      else await this.serializableRead(id, key);
    }
  }

  private noteWritten(key: string, value: Value): void {
    let set = this.written.get(key);
    if (!set) this.written.set(key, (set = new Set()));
    set.add(value);
  }

  private async put(client: string, seq: number, key: string, value: string): Promise<void> {
    const async = this.rng.chance(this.opts.asyncShare);
    const commitMode = async ? 'ASYNC' : this.rng.pick(COMMIT_MODES);
    this.noteWritten(key, value);
    const op = this.history.invoke(client, key, { type: 'write', value });
    const request = { key: Buffer.from(key), value: Buffer.from(value), commitMode, id: { clientId: client, seq } };
    const res = await this.write('Put', request);
    // An ASYNC write is acknowledged before any follower has it: a new leader may not have it.
    if (res === 'ok' && !async) this.ok(op);
    else this.unknown(op, res === 'ok' ? 'acknowledged ASYNC (may be lost in a failover)' : res);
  }

  private async del(client: string, seq: number, key: string): Promise<void> {
    this.noteWritten(key, null);
    const op = this.history.invoke(client, key, { type: 'write', value: null });
    const res = await this.write('Delete', { key: Buffer.from(key), rangeEnd: Buffer.alloc(0), prefix: false, commitMode: 'SEMI_SYNC', id: { clientId: client, seq } });
    if (res === 'ok') this.ok(op);
    else this.unknown(op, res);
  }

  /** Compare-and-set as a Txn: if the key holds `expected` (a value this client last read), put `value`. */
  private async cas(client: string, seq: number, key: string, value: string): Promise<void> {
    const expected = this.rng.chance(0.5) ? this.rng.pick([...(this.written.get(key) ?? new Set<Value>([value]))]) : value;
    if (expected === null) return;
    this.noteWritten(key, value);
    const op = this.history.invoke(client, key, { type: 'cas', expected, value });
    const request = {
      compare: [{ key: Buffer.from(key), target: 'VALUE', op: 'EQUAL', value: Buffer.from(String(expected)), number: 0 }],
      success: [{ request: 'put', put: { key: Buffer.from(key), value: Buffer.from(value) } }],
      failure: [],
      commitMode: 'SEMI_SYNC',
      id: { clientId: client, seq },
    };
    let succeeded = false;
    const res = await this.write('Txn', request, (r) => (succeeded = (r as { succeeded?: boolean }).succeeded === true));
    if (res === 'ok') this.ok(op, succeeded);
    else this.unknown(op, res);
  }

  private clientOf(request: object): string {
    return (request as { id?: { clientId?: string } }).id?.clientId ?? 'client';
  }

  /** A write's attempts: the same request (and request id) on members picked at random, until one answers. */
  private async write(method: KvMethod, request: object, onResult?: (r: object) => void): Promise<'ok' | string> {
    const start = performance.now();
    let last = 'no attempt';
    while (performance.now() - start < this.opts.writeBudgetMs) {
      const member = this.rng.pick(this.members);
      try {
        const res = await this.call(this.clientOf(request), member, method, request);
        onResult?.(res);
        this.opts.onAcknowledged?.(method, request, res);
        return 'ok';
      } catch (err) {
        last = describe(err);
        if (isRefusal(err)) return `refused: ${last}`;
        await sleep(this.rng.int(5, 60));
      }
    }
    return last;
  }

  private async read(client: string, key: string, consistency: 'LINEARIZABLE' | 'LEASE'): Promise<void> {
    const op = this.history.invoke(client, key, { type: 'read' });
    try {
      const res = (await this.call(client, this.rng.pick(this.members), 'Get', { key: Buffer.from(key), consistency })) as { found?: boolean; value?: Buffer };
      this.ok(op, res.found ? Buffer.from(res.value!).toString() : null);
    } catch (err) {
      // A read changes nothing: one that failed did not happen.
      this.history.fail(op, describe(err));
      this.counts.failed++;
    }
  }

  /** A range read; LINEARIZABLE and LEASE ones go into the history, SERIALIZABLE ones are kept aside. */
  private async range(client: string, consistency: 'LINEARIZABLE' | 'LEASE' | 'SERIALIZABLE'): Promise<void> {
    const range = drawRange(this.rng, Array.from({ length: this.opts.keys }, (_, k) => `k${k}`));
    const settle = consistency === 'SERIALIZABLE' ? null : invokeRange(this.history, client, range);
    let answer: object;
    try {
      answer = await this.call(client, this.rng.pick(this.members), 'Range', { ...range.request, consistency });
    } catch (err) {
      settle?.(null, describe(err));
      this.counts.failed++;
      return;
    }
    const read = rangeValues(range, answer);
    if ('problem' in read) {
      this.answerProblems.push(`${consistency} ${read.problem}`);
      settle?.(null, read.problem);
      return;
    }
    this.counts.ok++;
    if (settle) settle(read.values);
    else for (const [key, value] of read.values) this.serializableReads.push({ key, value });
  }

  private async serializableRead(client: string, key: string): Promise<void> {
    try {
      const res = (await this.call(client, this.rng.pick(this.members), 'Get', { key: Buffer.from(key), consistency: 'SERIALIZABLE' })) as { found?: boolean; value?: Buffer };
      this.serializableReads.push({ key, value: res.found ? Buffer.from(res.value!).toString() : null });
    } catch {
      // Nothing to check.
    }
  }

  /** One call to one member's KV handler over the network (a pipeline client's: on its stream), with this attempt's deadline. */
  async call(client: string, member: SimMember, method: KvMethod, request: object): Promise<object> {
    const attemptMs = this.rng.pick(this.opts.attemptMs);
    const pipelined = /^(p[0-9]+)\//.exec(client);
    if (pipelined) return this.pipelined(pipelined[1]!, member, method, request, attemptMs);
    const deadline = new Date(Date.now() + attemptMs);
    // The timeout crosses the network; the member reads it on its own wall clock (which may have jumped).
    const call = { request, metadata: new grpc.Metadata(), getDeadline: () => member.clock.toLocal(deadline), getPeer: () => 'sim:client' };
    return this.net.call(client, member.config.id, attemptMs, async () => {
      const core = member.core;
      if (!core) throw Object.assign(new Error(`${member.config.id} is down`), { code: grpc.status.UNAVAILABLE });
      return plainResponse(await core.kv[method](call as unknown as IncomingCall<never>));
    });
  }

  /** One attempt on pipeline client `owner`'s stream to `member` (opened anew after a break). */
  private async pipelined(owner: string, member: SimMember, method: KvMethod, request: object, attemptMs: number): Promise<object> {
    let byMember = this.pipelines.get(owner);
    if (!byMember) this.pipelines.set(owner, (byMember = new Map()));
    let pipeline = byMember.get(member.config.id);
    if (!pipeline) byMember.set(member.config.id, (pipeline = simPipeline(this.net, member)));
    let res: object | undefined;
    try {
      res = await pipeline.call<object | undefined>(method, request, Date.now() + attemptMs);
    } catch (err) {
      this.pipelineAttempts.failed++;
      // The client's errors name their status; the workload's checks read gRPC's numbers.
      const e = err as { code?: string; details?: string; message?: string };
      throw Object.assign(new Error(e.details ?? e.message ?? String(err)), { code: grpc.status[e.code as keyof typeof grpc.status] ?? grpc.status.UNKNOWN });
    }
    this.pipelineAttempts.answered++;
    if (res !== undefined) return res;
    // The client hands over the result's field of the operation's kind: a result tagged with
    // another operation's seq has none.
    this.answerProblems.push(`a pipeline ${method} was answered with a result of another kind`);
    throw Object.assign(new Error(`${method}: a result of another kind`), { code: grpc.status.INTERNAL });
  }

  private ok(op: number, result?: Value): void {
    this.history.ok(op, result);
    this.counts.ok++;
  }

  private unknown(op: number, why: string): void {
    const reason = why.replace(/[0-9]+/g, 'N').slice(0, 60);
    this.unknownReasons.set(reason, (this.unknownReasons.get(reason) ?? 0) + 1);
    this.history.unknown(op, why);
    this.counts.unknown++;
  }
}

/** A status that says the request was refused as it stands: retrying it cannot help. */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === grpc.status.INVALID_ARGUMENT || code === grpc.status.PERMISSION_DENIED || code === grpc.status.UNAUTHENTICATED;
}

function describe(err: unknown): string {
  const e = err as { code?: number; message?: string };
  return `${e.code !== undefined ? `${grpc.status[e.code] ?? e.code}: ` : ''}${e.message ?? String(err)}`;
}

/** Waits `ms` of virtual time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
