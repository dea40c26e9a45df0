// What one load run does: plain data, so that it can be handed to child load processes as JSON.
import type { AuthOptions, ClientTlsOptions, CommitMode, Consistency } from '../client/index.js';

export const OP_TYPES = ['put', 'get'] as const;
export type OpType = (typeof OP_TYPES)[number];

/** Share of each operation, in percent (they add up to 100). */
export type OpMix = Record<OpType, number>;

/** One closed-loop load run. */
export interface LoadConfig {
  endpoints: string[];
  /** Workers, each with one request in flight at a time. */
  concurrency: number;
  /** Client instances the workers are spread over. */
  connections: number;
  valueSize: number;
  /** Keys are drawn uniformly from this many. */
  keys: number;
  mix: OpMix;
  consistency: Consistency;
  mode: CommitMode;
  /** Measure for this long (seconds), unless `ops` is set. */
  durationS: number;
  /** Measure this many operations instead of a duration (0: use durationS). */
  ops: number;
  /** Run unmeasured for this long (seconds) first: connections, leader discovery, JIT. */
  warmupS: number;
  /** Per-request deadline, retries included. */
  timeoutMs: number;
  /** Write every key once before the warm-up, so that gets find values. */
  preload: boolean;
  /** Each request as its own unary call instead of over the client's KV.Pipeline streams. */
  unary: boolean;
  /** TLS to the nodes (--cacert/--cert/--key). */
  tls?: ClientTlsOptions;
  /** A user to authenticate as (--user). */
  auth?: AuthOptions;
}

/** Parses --mix: "put=50,get=50" (percentages adding up to 100); throws a message naming the problem. */
export function parseMix(text: string): OpMix {
  const mix: OpMix = { put: 0, get: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(\d+)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not op=percent (e.g. put=50,get=50)`);
    const op = m[1] as OpType;
    if (!OP_TYPES.includes(op)) throw new Error(`unknown operation "${m[1]}" (one of ${OP_TYPES.join(', ')})`);
    if (seen.has(op)) throw new Error(`${op} is given twice`);
    seen.add(op);
    mix[op] = Number(m[2]);
  }
  const total = mix.put + mix.get;
  if (total !== 100) throw new Error(`the percentages add up to ${total}, not 100`);
  return mix;
}

/** Splits `total` into `parts` near-equal integers (the first ones one larger). */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** The per-process configs of a run spread over `processes` load processes. */
export function splitConfig(cfg: LoadConfig, processes: number): LoadConfig[] {
  const conc = split(cfg.concurrency, processes);
  const conns = split(cfg.connections, processes);
  const ops = split(cfg.ops, processes);
  return conc.map((c, i) => ({
    ...cfg,
    concurrency: c,
    connections: Math.max(1, Math.min(c, conns[i]!)),
    ops: cfg.ops > 0 ? Math.max(1, ops[i]!) : 0,
    // Only the first process preloads: the key space is shared.
    preload: cfg.preload && i === 0,
  }));
}
