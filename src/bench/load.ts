// The closed-loop load generator: `concurrency` workers, each with one request in flight, spread
// over `connections` client instances. Only requests that start after the warm-up are measured,
// and a request's latency is what the caller sees (client retries included).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type RaftdbClient, RaftdbError, connect } from '../client/index.js';
import { type LoadConfig, OP_TYPES, type OpType } from './config.js';
import { Histogram, type HistogramData } from './histogram.js';

/** Per-operation outcome of a run. */
export interface OpResult {
  ok: number;
  errors: number;
  latency: HistogramData;
}

/** What a run measured (plain data: it crosses process boundaries). */
export interface LoadResult {
  /** Measured window: from the end of the warm-up to the last measured completion. */
  elapsedMs: number;
  byOp: Record<OpType, OpResult>;
  /** Failed requests by error code, with one message as an example. */
  errorsByCode: Record<string, { count: number; example: string }>;
}

/** What a running load reports to a progress bar. */
export interface LoadProgress {
  phase: 'preload' | 'warmup' | 'measure' | 'done';
  measuredOps: number;
  measuredMs: number;
}

/** Keys per preload write batch in flight. */
const PRELOAD_CONCURRENCY = 32;

/** The key of index i: fixed width, so keys sort like their indexes. */
export function benchKey(i: number): string {
  return `bench/${String(i).padStart(8, '0')}`;
}

/**
 * One run. `beforeStart` is awaited after the clients exist (and the preload is done) and before
 * the workers start: the multi-process runner uses it to start every process at once.
 */
export class LoadRun {
  private readonly hist: Record<OpType, Histogram> = { put: new Histogram(), get: new Histogram() };
  private readonly errors: Record<OpType, number> = { put: 0, get: 0 };
  private readonly errorsByCode: LoadResult['errorsByCode'] = {};
  private readonly value: Buffer;
  private phase: LoadProgress['phase'] = 'preload';
  private measureStart = 0;
  private lastCompletion = 0;
  private issued = 0;
  private measured = 0;
  private stopped = false;

  constructor(private readonly cfg: LoadConfig) {
    this.value = randomBytes(cfg.valueSize);
  }

  /** Where the run is, for a progress bar. */
  progress(): LoadProgress {
    const measuredMs = this.phase === 'measure' ? performance.now() - this.measureStart : this.phase === 'done' ? this.lastCompletion - this.measureStart : 0;
    return { phase: this.phase, measuredOps: this.measured, measuredMs };
  }

  /** Ends the run early (Ctrl-C): workers finish their request and stop. */
  stop(): void {
    this.stopped = true;
  }

  /** Runs the load and returns what it measured. */
  async run(beforeStart?: () => Promise<void>): Promise<LoadResult> {
    const c = this.cfg;
    const clients = Array.from({ length: c.connections }, () =>
      // Each client has a session per worker it carries, so no write waits for a free one.
      connect({
        endpoints: c.endpoints,
        timeoutMs: c.timeoutMs,
        maxConcurrentWrites: Math.ceil(c.concurrency / c.connections),
        pipeline: !c.unary,
        ...(c.tls ? { tls: c.tls } : {}),
        ...(c.auth ? { auth: c.auth } : {}),
      }),
    );
    try {
      if (c.preload) await this.preload(clients[0]!);
      await beforeStart?.();
      this.phase = c.warmupS > 0 ? 'warmup' : 'measure';
      const start = performance.now();
      this.measureStart = start + c.warmupS * 1000;
      const timer = setTimeout(() => (this.phase = 'measure'), c.warmupS * 1000);
      const workers = Array.from({ length: c.concurrency }, (_, i) => this.worker(clients[i % clients.length]!));
      await Promise.all(workers);
      clearTimeout(timer);
      this.phase = 'done';
      return this.result();
    } finally {
      for (const cl of clients) cl.close();
    }
  }

  private async preload(client: RaftdbClient): Promise<void> {
    let next = 0;
    const writer = async (): Promise<void> => {
      while (!this.stopped && next < this.cfg.keys) await client.put(benchKey(next++), this.value);
    };
    await Promise.all(Array.from({ length: PRELOAD_CONCURRENCY }, writer));
  }

  /** Whether another request may start, and whether it is measured. */
  private admit(now: number): 'stop' | 'warmup' | 'measure' {
    if (this.stopped) return 'stop';
    if (now < this.measureStart) return 'warmup';
    const c = this.cfg;
    if (c.ops > 0 ? this.issued >= c.ops : now - this.measureStart >= c.durationS * 1000) return 'stop';
    this.issued++;
    return 'measure';
  }

  private pick(): OpType {
    return Math.random() * 100 < this.cfg.mix.put ? 'put' : 'get';
  }

  private async worker(client: RaftdbClient): Promise<void> {
    const c = this.cfg;
    const putOpts = c.mode === 'default' ? {} : { commitMode: c.mode };
    const getOpts = { consistency: c.consistency };
    for (;;) {
      const t0 = performance.now();
      const admitted = this.admit(t0);
      if (admitted === 'stop') return;
      const op = this.pick();
      const key = benchKey(Math.floor(Math.random() * c.keys));
      let err: unknown = null;
      try {
        if (op === 'put') await client.put(key, this.value, putOpts);
        else await client.get(key, getOpts);
      } catch (e) {
        err = e;
      }
      if (admitted === 'measure') this.count(op, t0, err);
    }
  }

  private count(op: OpType, t0: number, err: unknown): void {
    const t1 = performance.now();
    this.lastCompletion = Math.max(this.lastCompletion, t1);
    this.measured++;
    this.hist[op].record((t1 - t0) * 1000);
    if (err === null) return;
    this.errors[op]++;
    const code = err instanceof RaftdbError ? err.code : 'CLIENT';
    const e = (this.errorsByCode[code] ??= { count: 0, example: err instanceof RaftdbError ? err.details : String((err as Error)?.message ?? err) });
    e.count++;
  }

  private result(): LoadResult {
    const byOp = {} as Record<OpType, OpResult>;
    for (const op of OP_TYPES) {
      const h = this.hist[op];
      byOp[op] = { ok: h.count - this.errors[op], errors: this.errors[op], latency: h.toJSON() };
    }
    return { elapsedMs: Math.max(0, this.lastCompletion - this.measureStart), byOp, errorsByCode: this.errorsByCode };
  }
}

/** Adds up the results of several load processes run at the same time. */
export function mergeResults(results: LoadResult[]): LoadResult {
  const byOp = {} as Record<OpType, OpResult>;
  for (const op of OP_TYPES) {
    const h = new Histogram();
    for (const r of results) h.merge(r.byOp[op].latency);
    byOp[op] = { ok: sum(results.map((r) => r.byOp[op].ok)), errors: sum(results.map((r) => r.byOp[op].errors)), latency: h.toJSON() };
  }
  const errorsByCode: LoadResult['errorsByCode'] = {};
  for (const r of results) {
    for (const [code, e] of Object.entries(r.errorsByCode)) {
      const into = (errorsByCode[code] ??= { count: 0, example: e.example });
      into.count += e.count;
    }
  }
  // The processes started together, so the window is the longest one.
  return { elapsedMs: Math.max(0, ...results.map((r) => r.elapsedMs)), byOp, errorsByCode };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
