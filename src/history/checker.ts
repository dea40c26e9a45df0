// Linearizability checking of a recorded history. By P-compositionality (Herlihy & Wing: a
// history is linearizable iff each object's sub-history is), keys are checked independently,
// which turns one search exponential in the whole history into small per-key searches.

import { shrinkCounterexample, type Violation } from './counterexample.js';
import { listAppendModel, registerModel, type HistoryModel } from './model.js';
import { HistoryRecorder, type Op, type Operation, type OpResult } from './recorder.js';
import { searchLinearization, type SearchOp, type SearchResult } from './search.js';

/** `unknown` when a budget ran out before the search could decide. */
export type Verdict = boolean | 'unknown';

/** Which model a key is checked against; `auto` picks by the operations the key saw. */
export type ModelChoice = 'auto' | 'register' | 'list-append';

export interface CheckOptions {
  model?: ModelChoice;
  /** Search steps (candidate linearizations tried) per key before giving up with `unknown`. */
  maxStepsPerKey?: number;
  timeBudgetMsPerKey?: number;
  /** Shrink a failing key's history to a short counterexample (default true). */
  minimize?: boolean;
  minimizeBudgetMsPerKey?: number;
  minimizeMaxChecksPerKey?: number;
}

/** The verdict for one key. */
export interface KeyResult {
  key: string;
  model: string;
  verdict: Verdict;
  /** Operations searched: `fail` operations and reads of unknown outcome are dropped first. */
  operations: number;
  steps: number;
  elapsedMs: number;
  /** Which budget ran out, when the verdict is `unknown`. */
  exhausted?: 'steps' | 'time';
  /** A witness order (operation ids) when linearizable; unknown ops left out did not happen. */
  linearization?: number[];
  violation?: Violation;
}

/** The verdict for a whole history: false if any key fails, unknown if any key is undecided. */
export interface CheckResult {
  linearizable: Verdict;
  keysChecked: number;
  keys: KeyResult[];
  /** The shortest counterexample among the failing keys. */
  violation?: Violation;
  elapsedMs: number;
}

const DEFAULTS = {
  maxStepsPerKey: 20_000_000,
  timeBudgetMsPerKey: 30_000,
  minimizeBudgetMsPerKey: 5_000,
  minimizeMaxChecksPerKey: 2_000,
};

/**
 * Drops what cannot constrain a linearization: failed ops; reads of unknown outcome; and, on a
 * key without blind ops (see Model.blind), unknown ops whose written values nobody observed.
 * Such an op can always go after everything else, and with no blind op nothing can depend on
 * it having happened earlier, so dropping it changes no verdict. It matters: each open op can
 * sit anywhere after its invocation, and for lists every position is a distinct state, which
 * the search's cache cannot merge.
 */
function relevantOperations<S>(ops: readonly Operation[], model: HistoryModel<S>): Operation[] {
  const live = ops.filter((o) => o.status !== 'fail' && !(o.status === 'unknown' && o.op.type === 'read'));
  if (model.writes === undefined || model.observes === undefined) return live;
  const outputOf = (o: Operation): OpResult | undefined => (o.status === 'ok' ? o.result : undefined);
  if (live.some((o) => model.blind?.(o.op, outputOf(o)) === true)) return live;
  const observed = new Set<string>();
  for (const o of live) for (const v of model.observes(o.op, outputOf(o))) observed.add(JSON.stringify(v));
  return live.filter((o) => o.status === 'ok' || model.writes!(o.op, undefined).some((v) => observed.has(JSON.stringify(v))));
}

/** Unknown outcomes return at +infinity: they may take effect any time after their invocation. */
function toSearchOps(ops: readonly Operation[]): SearchOp<Op, OpResult>[] {
  return ops.map((o) => ({
    input: o.op,
    output: o.status === 'ok' ? o.result : undefined,
    callNs: o.invokeNs,
    returnNs: o.status === 'ok' && o.returnNs !== null ? o.returnNs : Infinity,
  }));
}

function search<S>(ops: readonly Operation[], model: HistoryModel<S>, maxSteps: number, deadlineMs: number): SearchResult {
  return searchLinearization(toSearchOps(ops), model, { maxSteps, deadlineMs });
}

/** Checks one key's operations against `model` (the building block of `checkHistory`). */
export function checkKey<S>(key: string, ops: readonly Operation[], model: HistoryModel<S>, options: CheckOptions = {}): KeyResult {
  const opts = { ...DEFAULTS, ...options };
  const relevant = relevantOperations(ops, model);
  const startMs = performance.now();
  const r = search(relevant, model, opts.maxStepsPerKey, startMs + opts.timeBudgetMsPerKey);
  const result: KeyResult = {
    key,
    model: model.name,
    verdict: r.verdict,
    operations: relevant.length,
    steps: r.steps,
    elapsedMs: performance.now() - startMs,
  };
  if (r.exhausted !== undefined) result.exhausted = r.exhausted;
  if (r.order !== undefined) result.linearization = r.order.map((i) => relevant[i]!.id);
  if (r.verdict === false && opts.minimize !== false) {
    // A candidate sub-history gets a bounded search too; running out counts as "not failing",
    // so shrinking can only ever report a sub-history proven to fail.
    const stepsPerCheck = Math.min(opts.maxStepsPerKey, 2 * r.steps + 10_000);
    const limits = { deadlineMs: performance.now() + opts.minimizeBudgetMsPerKey, maxChecks: opts.minimizeMaxChecksPerKey };
    const stillFails = (sub: readonly Operation[]): boolean => search(sub, model, stepsPerCheck, limits.deadlineMs).verdict === false;
    const blockedId = r.blockedAt === undefined ? undefined : relevant[r.blockedAt]!.id;
    const shrunk = shrinkCounterexample(relevant, model, stillFails, limits, blockedId);
    result.violation = { key, model: model.name, operations: shrunk.operations, minimal: shrunk.minimal };
  }
  return result;
}

/** Picks the model from the operation types a key saw; mixing lists and registers is an error. */
export function chooseModel(key: string, ops: readonly Operation[], choice: ModelChoice = 'auto'): HistoryModel<unknown> {
  // The two models have different state types; the checker only hands each its own states back.
  const register = registerModel as unknown as HistoryModel<unknown>;
  const list = listAppendModel as unknown as HistoryModel<unknown>;
  if (choice === 'register') return register;
  if (choice === 'list-append') return list;
  const appends = ops.some((o) => o.op.type === 'append');
  const registerOps = ops.some((o) => o.op.type === 'write' || o.op.type === 'cas');
  if (appends && registerOps) throw new Error(`key ${JSON.stringify(key)} mixes append with write/cas operations`);
  if (appends) return list;
  if (registerOps) return register;
  return ops.some((o) => Array.isArray(o.result)) ? list : register;
}

/** Rejects operations the recorder would have refused, for histories built by hand. */
function validate(ops: readonly Operation[]): void {
  for (const o of ops) {
    if (o.status === 'ok' && (o.returnNs === null || o.returnNs < o.invokeNs)) {
      throw new Error(`operation ${o.id}: ok without a return time at or after its invocation`);
    }
    if (o.status === 'ok' && o.op.type === 'read' && o.result === undefined) throw new Error(`read ${o.id}: ok without a value`);
    if (o.status === 'ok' && o.op.type === 'cas' && typeof o.result !== 'boolean') throw new Error(`cas ${o.id}: ok without a boolean`);
  }
}

/** Checks a whole history for linearizability, key by key. */
export function checkHistory(history: HistoryRecorder | readonly Operation[], options: CheckOptions = {}): CheckResult {
  const startMs = performance.now();
  const ops = history instanceof HistoryRecorder ? history.operations() : history;
  validate(ops);
  const byKey = new Map<string, Operation[]>();
  for (const o of ops) {
    const list = byKey.get(o.key);
    if (list === undefined) byKey.set(o.key, [o]);
    else list.push(o);
  }
  const keys = [...byKey.keys()].sort().map((key) => {
    const keyOps = byKey.get(key)!;
    return checkKey(key, keyOps, chooseModel(key, keyOps, options.model), options);
  });
  const linearizable: Verdict = keys.some((k) => k.verdict === false)
    ? false
    : keys.some((k) => k.verdict === 'unknown')
      ? 'unknown'
      : true;
  const result: CheckResult = { linearizable, keysChecked: keys.length, keys, elapsedMs: 0 };
  for (const k of keys) {
    if (k.violation !== undefined && (result.violation === undefined || k.violation.operations.length < result.violation.operations.length)) {
      result.violation = k.violation;
    }
  }
  result.elapsedMs = performance.now() - startMs;
  return result;
}
