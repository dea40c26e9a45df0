// Randomized checks against histories from a real linearizable store. Every seed is fixed, so a
// failure here is a checker bug that replays exactly, never a flake.

import { describe, expect, it } from 'vitest';
import {
  checkHistory,
  formatViolation,
  HistoryRecorder,
  listAppendModel,
  registerModel,
  type CheckResult,
  type Operation,
  type Value,
} from '../../src/history/index.js';
import { generateHistory, prng, type GenOptions } from './generate.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const small = (seed: number, workload: GenOptions['workload']): GenOptions => ({
  seed,
  processes: 5,
  keys: 3,
  ops: 300,
  workload,
  unknownRate: 0.05,
  failRate: 0.05,
});

/** Replays each key's witness: legal for the model, and never against real-time order. */
function expectValidWitness(ops: readonly Operation[], result: CheckResult): void {
  const byId = new Map(ops.map((o) => [o.id, o]));
  for (const k of result.keys) {
    const order = k.linearization!.map((id) => byId.get(id)!);
    const model = k.model === 'register' ? registerModel : listAppendModel;
    let state = model.init() as never;
    let latestInvokeNs = -Infinity;
    for (const o of order) {
      const step = model.step(state, o.op, o.status === 'ok' ? o.result : undefined);
      expect(step.ok).toBe(true);
      state = step.state as never;
      // An op placed after one invoked later than its return would reverse real time.
      expect(o.returnNs ?? Infinity).toBeGreaterThanOrEqual(latestInvokeNs);
      latestInvokeNs = Math.max(latestInvokeNs, o.invokeNs);
    }
    const completed = ops.filter((o) => o.key === k.key && o.status === 'ok');
    expect(order.filter((o) => o.status === 'ok')).toHaveLength(completed.length);
  }
}

/** Values a read could not have returned: overwritten by a write acknowledged before it began. */
function impossibleValues(ops: readonly Operation[], read: Operation): Value[] {
  const writers = ops.filter(
    (o) => o.key === read.key && o.status === 'ok' && (o.op.type === 'write' || (o.op.type === 'cas' && o.result === true)),
  );
  const valueOf = (o: Operation): Value => (o.op.type === 'write' || o.op.type === 'cas' ? o.op.value : null);
  const before = writers.filter((w) => w.returnNs! < read.invokeNs);
  const stale = writers.filter((ws) => before.some((w2) => ws.returnNs! < w2.invokeNs)).map(valueOf);
  return before.length > 0 ? [null, ...stale] : stale;
}

describe('randomized histories from a linearizable register', () => {
  it.each(SEEDS)('seed %i: linearizable, with a valid witness, for registers and list-append', (seed) => {
    for (const workload of ['register', 'append'] as const) {
      const rec = generateHistory(small(seed, workload));
      const result = checkHistory(rec);
      expect(result.linearizable).toBe(true);
      expectValidWitness(rec.operations(), result);
    }
  });

  it('detects every stale read that was truly impossible (5 mutations per seed)', () => {
    let applicable = 0;
    let detected = 0;
    for (const seed of SEEDS) {
      const ops = generateHistory(small(seed, 'register')).operations();
      const rnd = prng(seed * 7919);
      const reads = ops.filter((o) => o.op.type === 'read' && o.status === 'ok');
      for (let m = 0; m < 5; m++) {
        const read = reads[Math.floor(rnd() * reads.length)]!;
        const candidates = impossibleValues(ops, read);
        if (candidates.length === 0) continue;
        applicable++;
        const stale = candidates[Math.floor(rnd() * candidates.length)]!;
        const mutated = ops.map((o) => (o === read ? { ...o, result: stale } : o));
        const r = checkHistory(mutated);
        if (r.linearizable === false) detected++;
        expect(r.linearizable, `seed ${seed} read ${read.id} -> ${String(stale)}`).toBe(false);
        expect(r.violation!.operations.map((o) => o.id)).toContain(read.id);
      }
    }
    console.log(`stale-read mutations: ${detected}/${applicable} detected`);
    expect(applicable).toBeGreaterThanOrEqual(60);
  });

  it('detects every lost acknowledged append', () => {
    let applicable = 0;
    for (const seed of SEEDS) {
      const ops = generateHistory(small(seed, 'append')).operations();
      const rnd = prng(seed * 104729);
      const reads = ops.filter((o) => o.op.type === 'read' && o.status === 'ok' && Array.isArray(o.result));
      const read = reads[Math.floor(rnd() * reads.length)]!;
      const list = read.result as Value[];
      // An element whose append was acknowledged before the read began must be in it.
      const acked = list.filter((v) => ops.some((o) => o.op.type === 'append' && o.op.value === v && o.status === 'ok' && o.returnNs! < read.invokeNs));
      if (acked.length === 0) continue;
      applicable++;
      const lost = acked[Math.floor(rnd() * acked.length)];
      const mutated = ops.map((o) => (o === read ? { ...o, result: list.filter((v) => v !== lost) } : o));
      expect(checkHistory(mutated).linearizable, `seed ${seed}`).toBe(false);
    }
    expect(applicable).toBeGreaterThanOrEqual(15);
  });

  it('checks a history read back from JSON lines the same way', () => {
    const rec = generateHistory(small(3, 'register'));
    const back = HistoryRecorder.fromJSONLines(rec.toJSONLines());
    expect(checkHistory(back).keys.map((k) => k.verdict)).toEqual(checkHistory(rec).keys.map((k) => k.verdict));
  });
});

describe('performance (printed, not asserted on time)', () => {
  it.each(['register', 'append'] as const)('%s: 5 keys, 2,000 ops, 8 processes', (workload) => {
    const rec = generateHistory({ seed: 42, processes: 8, keys: 5, ops: 2000, workload, unknownRate: 0.01, failRate: 0.02 });
    const result = checkHistory(rec);
    expect(result.linearizable).toBe(true);
    const steps = result.keys.reduce((s, k) => s + k.steps, 0);
    console.log(`${workload}: 2000 ops / 5 keys / 8 processes checked in ${result.elapsedMs.toFixed(1)} ms (${steps} search steps)`);
  });

  it('register: a stale read hidden in 2,000 ops is found and shrunk', () => {
    const ops = generateHistory({ seed: 42, processes: 8, keys: 5, ops: 2000, workload: 'register', unknownRate: 0.01, failRate: 0.02 }).operations();
    const read = ops.filter((o) => o.op.type === 'read' && o.status === 'ok' && impossibleValues(ops, o).length > 1).at(-1)!;
    const mutated = ops.map((o) => (o === read ? { ...o, result: impossibleValues(ops, read)[1]! } : o));
    const result = checkHistory(mutated);
    expect(result.linearizable).toBe(false);
    // Shrinking has a time budget, so only soundness is asserted: the culprit is in the proof.
    expect(result.violation!.operations.map((o) => o.id)).toContain(read.id);
    const key = result.keys.find((k) => k.verdict === false)!;
    console.log(
      `stale read in 2000 ops: search ${key.elapsedMs.toFixed(1)} ms, with shrinking ${result.elapsedMs.toFixed(1)} ms, ` +
        `counterexample of ${result.violation!.operations.length} ops:\n${formatViolation(result.violation!)}`,
    );
  });
});
