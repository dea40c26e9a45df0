// The generic load: `clients` loops, each calling one unary RPC after another on an endpoint
// (spread over all endpoints, or the leader's only), for a warm-up and then a measured window.
// Latency, throughput, errors, and the servers' CPU seconds over the measured window.
import type { latencySummaryMs } from '../histogram.js';
import { MeasuredWindow } from './measured-window.js';
import type { EndpointClient } from './targets.js';

/** put; get: linearizable; sget: serializable (served from the receiving member's own state). */
export type BenchOp = 'put' | 'get' | 'sget';

/** One cell of the matrix. */
export interface UnaryLoadSpec {
  op: BenchOp;
  clients: number;
  valueBytes: number;
  /** Keys are drawn from bench/0 .. bench/(keys-1); gets need them preloaded. */
  keys: number;
  warmupS: number;
  measureS: number;
}

/** What one cell measured. */
export interface UnaryLoadResult {
  ops: number;
  errors: number;
  opsPerSec: number;
  latencyMs: ReturnType<typeof latencySummaryMs>;
  /** Server CPU seconds (all members) over the measured window, per operation in µs. */
  serverCpuUsPerOp: number;
  /** The same for each server in the order of the system's pids (which of them led is in the log line). */
  serverCpuUsPerOpEach: number[];
  /** This process's CPU over the window, per operation in µs (the generator itself). */
  clientCpuUsPerOp: number;
  firstError: string | null;
}

/** The key of slot `i`. */
export function benchKey(i: number): Buffer {
  return Buffer.from(`bench/${String(i).padStart(8, '0')}`);
}

/** Runs `spec` with `clients` loops over `stubs` (loop i uses stubs[i % n]); `serverCpu` reads each server's CPU seconds. */
export async function runUnaryLoad(spec: UnaryLoadSpec, stubs: readonly EndpointClient[], serverCpu: () => number[]): Promise<UnaryLoadResult> {
  const value = Buffer.alloc(spec.valueBytes, 0x61);
  const window = new MeasuredWindow();
  const loop = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const stub = stubs[i % stubs.length]!;
      let n = i;
      const next = (): void => {
        if (window.stopping) return resolve();
        const key = benchKey((n = (n * 7919 + 1) % spec.keys));
        const t0 = performance.now();
        const done = (err: Error | null): void => {
          window.record(t0, err);
          next();
        };
        if (spec.op === 'put') stub.put(key, value, done);
        else if (spec.op === 'get') stub.get(key, done);
        else stub.serializableGet(key, done);
      };
      next();
    });
  return window.run(spec.warmupS, spec.measureS, Array.from({ length: spec.clients }, (_, i) => loop(i)), serverCpu);
}

/** Writes every key once (so gets find them), `concurrency` at a time. */
export async function preload(stubs: readonly EndpointClient[], keys: number, valueBytes: number, concurrency = 64): Promise<void> {
  const value = Buffer.alloc(valueBytes, 0x62);
  let next = 0;
  const worker = (w: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const go = (): void => {
        const i = next++;
        if (i >= keys) return resolve();
        stubs[w % stubs.length]!.put(benchKey(i), value, (err) => (err ? reject(err) : go()));
      };
      go();
    });
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
}

