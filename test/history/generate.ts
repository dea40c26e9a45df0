// Seeded random histories from a real linearizable in-memory store: each operation takes effect
// at one instant inside its invoke..return window (or, for an unknown outcome, possibly later or
// never), so every generated history is linearizable by construction.

import { mulberry32 } from '../../src/common/rng.js';
import { HistoryRecorder, type Op, type OpResult, type Value } from '../../src/history/index.js';

/** The project's seeded PRNG (src/common/rng.ts). */
export const prng = mulberry32;

export interface GenOptions {
  seed: number;
  processes: number;
  keys: number;
  ops: number;
  workload: 'register' | 'append';
  unknownRate: number;
  failRate: number;
}

interface Planned {
  process: number;
  key: string;
  op: Op;
  invokeNs: number;
  returnNs: number;
  status: 'ok' | 'fail' | 'unknown';
  /** When the op takes effect; null when it never does. */
  effectAt: number | null;
  result?: OpResult;
}

function pickOp(rnd: () => number, workload: GenOptions['workload'], fresh: number, lastValue: Value): Op {
  const r = rnd();
  if (workload === 'append') return r < 0.5 ? { type: 'append', value: fresh } : { type: 'read' };
  if (r < 0.4) return { type: 'write', value: fresh };
  if (r < 0.85) return { type: 'read' };
  // Half the cas target the latest value written, so chains of successful cas happen.
  const expected = rnd() < 0.5 ? lastValue : Math.floor(rnd() * fresh);
  return { type: 'cas', expected, value: fresh };
}

function plan(o: GenOptions, rnd: () => number): Planned[] {
  const cursor = Array.from({ length: o.processes }, () => Math.floor(rnd() * 5));
  const lastWritten = new Map<string, Value>();
  const planned: Planned[] = [];
  for (let i = 0; i < o.ops; i++) {
    // The process that is free earliest goes next: every process stays busy, so about
    // `processes` operations overlap at any instant.
    const p = cursor.indexOf(Math.min(...cursor));
    const invokeNs = cursor[p]! + Math.floor(rnd() * 3);
    const duration = 1 + Math.floor(rnd() * 30);
    const returnNs = invokeNs + duration;
    cursor[p] = returnNs + 1;
    const key = `k${Math.floor(rnd() * o.keys)}`;
    const op = pickOp(rnd, o.workload, i + 1, lastWritten.get(key) ?? null);
    if (op.type === 'write' || op.type === 'cas') lastWritten.set(key, op.value);
    const roll = rnd();
    const status = roll < o.failRate ? 'fail' : roll < o.failRate + o.unknownRate ? 'unknown' : 'ok';
    let effectAt: number | null = invokeNs + rnd() * duration;
    if (status === 'fail') effectAt = null;
    // An unknown op may never happen, or happen after its client gave up waiting.
    if (status === 'unknown') effectAt = rnd() < 0.5 ? null : invokeNs + rnd() * duration * 3;
    planned.push({ process: p, key, op, invokeNs, returnNs, status, effectAt });
  }
  return planned;
}

/** Applies ops in effect order to an in-memory store and fills in what each returned. */
function execute(planned: Planned[]): void {
  const registers = new Map<string, Value>();
  const lists = new Map<string, Value[]>();
  const effective = planned.filter((p) => p.effectAt !== null).sort((a, b) => a.effectAt! - b.effectAt!);
  for (const p of effective) {
    const reg = registers.get(p.key) ?? null;
    const list = lists.get(p.key) ?? [];
    switch (p.op.type) {
      case 'write':
        registers.set(p.key, p.op.value);
        break;
      case 'read':
        p.result = lists.has(p.key) ? [...list] : reg;
        break;
      case 'cas':
        p.result = reg === p.op.expected;
        if (p.result) registers.set(p.key, p.op.value);
        break;
      case 'append':
        lists.set(p.key, [...list, p.op.value]);
        break;
    }
  }
}

/** A linearizable history, recorded through HistoryRecorder with a clock set to each event's time. */
export function generateHistory(o: GenOptions): HistoryRecorder {
  const rnd = prng(o.seed);
  const planned = plan(o, rnd);
  execute(planned);
  let now = 0;
  const rec = new HistoryRecorder({ clockNs: () => now });
  const ids: number[] = [];
  const events: { t: number; run: () => void }[] = [];
  planned.forEach((p, i) => {
    events.push({ t: p.invokeNs, run: () => void (ids[i] = rec.invoke(`p${p.process}`, p.key, p.op)) });
    events.push({
      t: p.returnNs,
      run: () => {
        if (p.status === 'ok') rec.ok(ids[i]!, p.result);
        else if (p.status === 'fail') rec.fail(ids[i]!, 'rejected');
        else rec.unknown(ids[i]!, 'timeout');
      },
    });
  });
  // Stable sort: a process's next invocation is always strictly after its last completion.
  events.sort((a, b) => a.t - b.t);
  for (const e of events) {
    now = e.t;
    e.run();
  }
  return rec;
}
