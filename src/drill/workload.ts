// Client loads whose every operation is recorded for the linearizability checker. Each client
// loop is one history process: it runs one operation at a time, against a few hot keys, at a
// bounded rate. Two shapes:
// - register: put of a unique value, linearizable get, and compare-and-set (a txn comparing the
//   value), checked against the register model;
// - append: read the key's list (JSON in the value), then a txn that writes list + [element] if
//   the key's mod revision is unchanged, retried on conflict; checked against the list model.
// Reads go to the node the client is bound to (followers forward them), writes follow the
// leader. A separate probe loop only writes, fast, to time the cluster's unavailability.
// Keys are retired every `keyLifetimeMs` (the key name carries the epoch), which bounds each
// key's history and so the checker's search, as Jepsen's keys do.
import { compare, connect, op, RaftdbError, type CommitMode, type ConnectOptions, type RaftdbClient } from '../client/index.js';
import type { HistoryRecorder, Op, OpResult, Value } from '../history/index.js';
import { sleep } from './backend.js';
import { Rng } from '../common/rng.js';

export type WorkloadKind = 'register' | 'append' | 'mixed';

/** Options of a workload. */
export interface WorkloadOptions {
  kind: WorkloadKind;
  /** Concurrent client loops, each with its own connection (a history process each). */
  clients: number;
  endpoints: readonly string[];
  /** Advertised peer address -> client endpoint (DrillCluster.addressMap), consulted live. */
  addressMap?: ReadonlyMap<string, string>;
  /** TLS and the workload's user, on a cluster that runs with them (security.ts accessOptions). */
  access?: Pick<ConnectOptions, 'tls' | 'auth'>;
  commitMode: CommitMode;
  /** Prefix of every key this run touches, unique per run. */
  keyPrefix: string;
  seed: number;
  /** Hot keys per shape (default 3). */
  keys?: number;
  /** Per client loop (default 20). */
  opsPerSecond?: number;
  /** Total time of one client call, retries included (default 2000). */
  opTimeoutMs?: number;
  /** Keys are replaced by fresh ones this often (default 10 s). */
  keyLifetimeMs?: number;
  /** Conflicting appends retried at most this many times before the append fails (default 5). */
  appendRetries?: number;
  /**
   * Writes per second of the availability probe, a loop of its own that only writes (default
   * 50; 0 for none): client loops run one operation at a time, so one stuck on a partitioned
   * node says nothing about whether the cluster accepts writes; the probe's writes time when it
   * does again (the report's RTO) at a fine grain. They are recorded and checked like the rest.
   */
  probeOpsPerSecond?: number;
  /**
   * Where reads go: 'bound' (default) sends each client's reads to one node, as Jepsen binds
   * clients to nodes, so follower forwarding and isolated nodes are exercised; 'leader' lets
   * them follow the client's leader.
   */
  reads?: 'bound' | 'leader';
}

const READ_SHARE = 0.4;
/** The probe's calls give up sooner than the client loops', so a stuck call delays it less. */
const PROBE_TIMEOUT_MS = 1000;
const WRITE_SHARE = 0.3; // the rest of the register ops are compare-and-set

/**
 * Errors that prove the operation did not happen: the server rejects them while validating,
 * before proposing anything, on every attempt alike. Anything else after the request may have
 * been sent (timeouts, UNAVAILABLE, a redirect after a lost attempt) leaves the outcome open.
 */
export function isDefiniteFailure(err: unknown): boolean {
  return err instanceof RaftdbError && (err.code === 'INVALID_ARGUMENT' || err.code === 'RESOURCE_EXHAUSTED');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One history process's connections: writes follow the leader, reads may stay on one node. */
interface Clients {
  writer: RaftdbClient;
  reader: RaftdbClient;
}

/** Thrown inside an append when the outcome is settled without an ok. */
class AppendOutcome extends Error {
  constructor(
    readonly status: 'fail' | 'unknown',
    why: string,
  ) {
    super(why);
  }
}

/** How long stopping waits for the loops' last operations (an append: up to 6 reads and 6 txns). */
const STOP_GRACE_MS = 60_000;

/** The running client loops of one drill. */
export class Workload {
  private stopping = false;
  private loops: Promise<void>[] = [];
  /** Each loop's operation in progress and when it began (what a workload that will not stop is stuck in). */
  private readonly inProgress = new Map<string, number>();
  private readonly clients: RaftdbClient[] = [];
  private readonly startedMs = Date.now();
  private readonly o: Required<Omit<WorkloadOptions, 'addressMap' | 'access'>> & Pick<WorkloadOptions, 'addressMap' | 'access'>;

  constructor(
    private readonly recorder: HistoryRecorder,
    opts: WorkloadOptions,
  ) {
    this.o = { keys: 3, opsPerSecond: 20, opTimeoutMs: 2000, keyLifetimeMs: 10_000, appendRetries: 5, probeOpsPerSecond: 50, reads: 'bound', ...opts };
  }

  /** Starts the client loops and the probe. */
  start(): void {
    const n = this.o.endpoints.length;
    for (let i = 0; i < this.o.clients; i++) {
      // Each client starts at a different node, as Jepsen binds clients to nodes.
      const endpoints = [...this.o.endpoints.slice(i % n), ...this.o.endpoints.slice(0, i % n)];
      const writer = this.connect(`c${i}`, endpoints, this.o.opTimeoutMs);
      // A client that knows one node only: hints elsewhere are ignored, so reads stay there.
      const reader = this.o.reads === 'bound' ? connect({ endpoints: [endpoints[0]!], timeoutMs: this.o.opTimeoutMs, ...this.o.access }) : writer;
      if (reader !== writer) this.clients.push(reader);
      const rng = new Rng(this.o.seed * 1000 + i);
      const lastSeen = new Map<string, Value>();
      this.loops.push(this.paced(`c${i}`, this.o.opsPerSecond, rng, (seq) => this.clientOp(`c${i}`, { writer, reader }, rng, seq, lastSeen)));
    }
    if (this.o.probeOpsPerSecond > 0) {
      const probe = this.connect('probe', this.o.endpoints, Math.min(this.o.opTimeoutMs, PROBE_TIMEOUT_MS));
      const write = (seq: number): Promise<unknown> => {
        const key = this.key('p', 0);
        const value = `probe.${seq}`;
        return this.record('probe', key, { type: 'write', value }, () => probe.put(key, value, { commitMode: this.o.commitMode }), () => undefined);
      };
      this.loops.push(this.paced('probe', this.o.probeOpsPerSecond, new Rng(this.o.seed), write));
    }
  }

  /** A client following the leader; hints to nodes added later are followed through the address map. */
  private connect(name: string, endpoints: readonly string[], timeoutMs: number): RaftdbClient {
    const client = connect({
      endpoints: [...endpoints],
      clientId: `${this.o.keyPrefix}${name}`,
      timeoutMs,
      addressMap: this.o.addressMap ?? new Map(),
      discoverEndpoints: true,
      ...this.o.access,
    });
    this.clients.push(client);
    return client;
  }

  /** Runs `op` at most `opsPerSecond` times a second, one at a time, until stopped. */
  private async paced(name: string, opsPerSecond: number, rng: Rng, op: (seq: number) => Promise<unknown>): Promise<void> {
    const intervalMs = 1000 / opsPerSecond;
    let nextMs = Date.now() + rng.next() * intervalMs;
    for (let seq = 0; !this.stopping; seq++) {
      const waitMs = nextMs - Date.now();
      if (waitMs > 0) await sleep(waitMs);
      nextMs = Math.max(nextMs + intervalMs, Date.now());
      if (this.stopping) break;
      this.inProgress.set(name, Date.now());
      await op(seq);
      this.inProgress.delete(name);
    }
  }

  /**
   * Stops the loops after their current operation and closes the clients. Every operation is
   * bounded by its client's timeout (an append by its retries), so a loop still busy after
   * STOP_GRACE_MS is a client call that never settled: a bug, reported with the loops it holds
   * rather than left to hang the drill (one did, until its test's timeout).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), STOP_GRACE_MS)));
    const outcome = await Promise.race([Promise.all(this.loops).then(() => 'stopped' as const), stuck]);
    clearTimeout(timer);
    for (const c of this.clients) c.close();
    if (outcome === 'stuck') {
      const now = Date.now();
      const held = [...this.inProgress].map(([name, since]) => `${name} (in one operation for ${Math.round((now - since) / 1000)} s)`);
      throw new Error(`the workload did not stop: a client call never settled in ${held.join(', ') || 'no loop (?)'}`);
    }
  }

  /** The key of shape `kind` number `k` in the current epoch. */
  private key(kind: 'r' | 'a' | 'p', k: number): string {
    const epoch = Math.floor((Date.now() - this.startedMs) / this.o.keyLifetimeMs);
    return `${this.o.keyPrefix}${kind}${k}.${epoch}`;
  }

  /** One operation of a client loop: on a register or a list key, as the workload mixes them. */
  private clientOp(process: string, clients: Clients, rng: Rng, seq: number, lastSeen: Map<string, Value>): Promise<void> {
    const value = `${process}.${seq}`;
    const append = this.o.kind === 'append' || (this.o.kind === 'mixed' && rng.next() < 0.5);
    const k = rng.int(0, this.o.keys - 1);
    if (append) return this.appendOrRead(process, clients, rng, this.key('a', k), value);
    return this.registerOp(process, clients, rng, this.key('r', k), value, lastSeen);
  }

  /** Records one call: ok with `result`, fail when definite, unknown otherwise. */
  private async record<T>(process: string, key: string, o: Op, call: () => Promise<T>, result: (v: T) => OpResult | undefined): Promise<T | undefined> {
    try {
      return await this.recorder.track(process, key, o, call, { result, isDefiniteFailure });
    } catch {
      return undefined; // recorded as fail or unknown
    }
  }

  private async registerOp(process: string, clients: Clients, rng: Rng, key: string, value: string, lastSeen: Map<string, Value>): Promise<void> {
    const mode = this.o.commitMode;
    const client = clients.writer;
    const p = rng.next();
    if (p < READ_SHARE) {
      const v = await this.record(process, key, { type: 'read' }, () => clients.reader.getString(key), (s) => s);
      if (v !== undefined) lastSeen.set(key, v);
    } else if (p < READ_SHARE + WRITE_SHARE) {
      const r = await this.record(process, key, { type: 'write', value }, () => client.put(key, value, { commitMode: mode }), () => undefined);
      if (r !== undefined) lastSeen.set(key, value);
    } else {
      const expected = lastSeen.get(key) ?? null;
      const guard = expected === null ? compare.missing(key) : compare.value(key, '=', String(expected));
      const cas = (): Promise<boolean> =>
        client.txn({ compare: [guard], success: [op.put(key, value)], commitMode: mode }).then((t) => t.succeeded);
      const swapped = await this.record(process, key, { type: 'cas', expected, value }, cas, (ok) => ok);
      if (swapped === true) lastSeen.set(key, value);
    }
  }

  private async appendOrRead(process: string, clients: Clients, rng: Rng, key: string, element: string): Promise<void> {
    if (rng.next() < READ_SHARE) {
      await this.record(process, key, { type: 'read' }, () => readList(clients.reader, key).then((r) => r.list), (list) => list);
      return;
    }
    const id = this.recorder.invoke(process, key, { type: 'append', value: element });
    try {
      await this.append(clients.writer, key, element);
      this.recorder.ok(id);
    } catch (err) {
      if (err instanceof AppendOutcome && err.status === 'fail') this.recorder.fail(id, err.message);
      else this.recorder.unknown(id, message(err));
    }
  }

  /**
   * Read, then compare-and-put on the mod revision, retried on conflict. Only the txn writes, so
   * until one is sent with an open outcome a failure proves the append did not happen.
   */
  private async append(client: RaftdbClient, key: string, element: string): Promise<void> {
    for (let attempt = 0; attempt <= this.o.appendRetries; attempt++) {
      let current: { list: Value[] | null; modRevision: number };
      try {
        current = await readList(client, key);
      } catch (err) {
        throw new AppendOutcome('fail', `read before append: ${message(err)}`);
      }
      const next = JSON.stringify([...(current.list ?? []), element]);
      const guard = current.list === null ? compare.missing(key) : compare.modRevision(key, '=', current.modRevision);
      let succeeded: boolean;
      try {
        const t = await client.txn({ compare: [guard], success: [op.put(key, next)], commitMode: this.o.commitMode });
        succeeded = t.succeeded;
      } catch (err) {
        if (isDefiniteFailure(err)) throw new AppendOutcome('fail', message(err));
        throw new AppendOutcome('unknown', message(err));
      }
      if (succeeded) return;
    }
    throw new AppendOutcome('fail', `conflicting appends, ${this.o.appendRetries} retries`);
  }
}

/** A list key's elements (null when the key does not exist) and its mod revision. */
export async function readList(client: RaftdbClient, key: string): Promise<{ list: Value[] | null; modRevision: number }> {
  const r = await client.get(key);
  if (!r.kv) return { list: null, modRevision: 0 };
  const parsed: unknown = JSON.parse(r.kv.valueString());
  if (!Array.isArray(parsed)) throw new Error(`key ${key} does not hold a JSON list`);
  return { list: parsed as Value[], modRevision: r.kv.modRevision };
}
