// A load result as a report: ops/s, errors and latency percentiles per operation and overall.
import type { LoadConfig, OpType } from './config.js';
import { OP_TYPES } from './config.js';
import { Histogram, latencySummaryMs } from './histogram.js';
import type { LoadResult } from './load.js';

/** One row of the report. */
export interface OpReport {
  ops: number;
  opsPerSec: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** What `raftdb bench --json` prints. */
export interface BenchReport {
  /** The run's settings; of `auth`, only the user (a report is printed and kept: no password). */
  config: Omit<LoadConfig, 'endpoints' | 'auth'> & { endpoints: string[]; processes: number; user?: string };
  elapsedS: number;
  ops: number;
  opsPerSec: number;
  errors: number;
  latencyMs: OpReport['latencyMs'];
  byOp: Partial<Record<OpType, OpReport>>;
  errorsByCode: LoadResult['errorsByCode'];
}

function row(h: Histogram, errors: number, elapsedS: number): OpReport {
  return { ops: h.count, opsPerSec: elapsedS > 0 ? Math.round((h.count / elapsedS) * 10) / 10 : 0, errors, latencyMs: latencySummaryMs(h) };
}

/** The report of a run; operations the mix never issued are left out of byOp. */
export function buildReport(cfg: LoadConfig, processes: number, r: LoadResult): BenchReport {
  const elapsedS = r.elapsedMs / 1000;
  const all = new Histogram();
  const byOp: BenchReport['byOp'] = {};
  let errors = 0;
  for (const op of OP_TYPES) {
    const o = r.byOp[op];
    if (o.latency.count === 0 && cfg.mix[op] === 0) continue;
    const h = Histogram.from(o.latency);
    all.merge(h);
    errors += o.errors;
    byOp[op] = row(h, o.errors, elapsedS);
  }
  const total = row(all, errors, elapsedS);
  return {
    config: { ...withoutAuth(cfg), processes, ...(cfg.auth ? { user: cfg.auth.user } : {}) },
    elapsedS: Math.round(elapsedS * 1000) / 1000,
    ops: total.ops,
    opsPerSec: total.opsPerSec,
    errors,
    latencyMs: total.latencyMs,
    byOp,
    errorsByCode: r.errorsByCode,
  };
}

function withoutAuth(cfg: LoadConfig): Omit<LoadConfig, 'auth'> {
  const { auth: _auth, ...rest } = cfg;
  return rest;
}
