// Shrinks a non-linearizable key history to a short sub-history that still fails, and prints
// it. A 400-operation failure is unreadable; the three operations that contradict each other
// are the bug report.
//
// Dropping operations can create failures that were not there (drop the write a read saw, and
// the read sees a value nobody wrote), so shrinking only considers sub-histories closed under
// the dependencies below. For a closed sub-history, restricting any linearization of the full
// history to it leaves every kept operation seeing the same state, so: if the sub-history
// fails, the full history fails. The counterexample is a proof, not a hint.
import type { HistoryModel } from './model.js';
import type { Operation, Op, OpResult } from './recorder.js';

/** A failing key's shortest failing sub-history found; `minimal` when no single op can go. */
export interface Violation {
  key: string;
  model: string;
  operations: Operation[];
  minimal: boolean;
}

/** Bounds on shrinking: each candidate costs a full search of that candidate. */
export interface ShrinkLimits {
  /** Absolute `performance.now()` deadline in milliseconds. */
  deadlineMs: number;
  maxChecks: number;
}

function outputOf(o: Operation): OpResult | undefined {
  return o.status === 'ok' ? o.result : undefined;
}

/**
 * For each op, the ops that must stay when it stays: every writer of each value it observed
 * (its state came from one of them), and for an op whose outcome depends on the state without
 * showing it (a cas that failed), every write that could have been the last one before it.
 */
function dependencies<S>(ops: readonly Operation[], model: HistoryModel<S>): number[][] {
  const writersOf = new Map<string, number[]>();
  const writers: number[] = [];
  ops.forEach((o, i) => {
    const written = model.writes?.(o.op, outputOf(o)) ?? [];
    if (written.length > 0) writers.push(i);
    for (const v of new Set(written.map((w) => JSON.stringify(w)))) {
      const list = writersOf.get(v);
      if (list === undefined) writersOf.set(v, [i]);
      else list.push(i);
    }
  });
  const returnOf = (o: Operation): number => (o.status === 'ok' && o.returnNs !== null ? o.returnNs : Infinity);
  return ops.map((o, i) => {
    const deps = new Set<number>();
    for (const v of model.observes?.(o.op, outputOf(o)) ?? []) {
      for (const w of writersOf.get(JSON.stringify(v)) ?? []) deps.add(w);
    }
    if (model.blind?.(o.op, outputOf(o)) === true) {
      // W is certainly not the last write before o when an acknowledged write W2 began after W
      // returned and returned before o began, i.e. when W.return < the latest such W2.invoke.
      // Equal times count as concurrent, as in the search.
      let supersededBefore = -Infinity;
      for (const w of writers) {
        const w2 = ops[w]!;
        if (w2.status === 'ok' && returnOf(w2) < o.invokeNs) supersededBefore = Math.max(supersededBefore, w2.invokeNs);
      }
      for (const w of writers) {
        if (ops[w]!.invokeNs <= returnOf(o) && returnOf(ops[w]!) >= supersededBefore) deps.add(w);
      }
    }
    deps.delete(i);
    return [...deps];
  });
}

/** Returns the closure function: kept indices plus everything they (transitively) depend on. */
function makeClosure(deps: readonly number[][]): (kept: readonly number[]) => number[] {
  return (kept) => {
    const set = new Set(kept);
    const queue = [...kept];
    while (queue.length > 0) {
      for (const d of deps[queue.pop() as number]!) {
        if (!set.has(d)) {
          set.add(d);
          queue.push(d);
        }
      }
    }
    return [...set].sort((a, b) => a - b);
  };
}

/** Shrinks a failing history while `stillFails` holds: shortest failing prefix, then ddmin-style removal. */
export function shrinkCounterexample<S>(
  failing: readonly Operation[],
  model: HistoryModel<S>,
  stillFails: (ops: readonly Operation[]) => boolean,
  limits: ShrinkLimits,
  blockedId?: number,
): { operations: Operation[]; minimal: boolean } {
  const ops = [...failing].sort((a, b) => a.invokeNs - b.invokeNs || a.id - b.id);
  // Without dependency hooks no removal is known to be safe: report the history as it is.
  if (model.writes === undefined || model.observes === undefined) return { operations: ops, minimal: false };
  const closure = makeClosure(dependencies(ops, model));
  let checks = 0;
  const outOfBudget = (): boolean => checks >= limits.maxChecks || performance.now() > limits.deadlineMs;
  const fails = (idx: readonly number[]): boolean => {
    checks++;
    return stillFails(idx.map((i) => ops[i]!));
  };
  const result = (idx: readonly number[], minimal: boolean) => ({ operations: idx.map((i) => ops[i]!), minimal });

  let current = ops.map((_, i) => i);
  // First cut: the ops around the one the search could not linearize, in growing windows.
  // Small candidates are cheap to search, and the contradiction is usually local.
  const blocked = ops.findIndex((o) => o.id === blockedId);
  for (let w = 1; blocked >= 0 && w < ops.length && !outOfBudget(); w *= 2) {
    const candidate = closure(current.slice(Math.max(0, blocked - w), blocked + w + 1));
    if (candidate.length < ops.length && fails(candidate)) {
      current = candidate;
      break;
    }
  }
  // Otherwise the shortest failing prefix (by invocation), found by bisection.
  let lo = 1;
  let hi = ops.length;
  while (current.length === ops.length && lo < hi && !outOfBudget()) {
    const mid = (lo + hi) >> 1;
    const candidate = closure(current.slice(0, mid));
    if (candidate.length < ops.length && fails(candidate)) hi = mid;
    else lo = mid + 1;
  }
  if (hi < ops.length) current = closure(current.slice(0, hi));

  let chunk = Math.max(1, current.length >> 1);
  for (;;) {
    let removedAny = false;
    for (let start = 0; start < current.length; ) {
      if (outOfBudget()) return result(current, false);
      const drop = new Set(current.slice(start, start + chunk));
      const candidate = closure(current.filter((i) => !drop.has(i)));
      if (candidate.length < current.length && fails(candidate)) {
        current = candidate;
        removedAny = true;
      } else {
        start += chunk;
      }
    }
    if (chunk === 1 && !removedAny) return result(current, true);
    chunk = Math.max(1, chunk >> 1);
  }
}

function describeOp(op: Op): string {
  switch (op.type) {
    case 'write':
      return `write ${JSON.stringify(op.value)}`;
    case 'read':
      return 'read';
    case 'cas':
      return `cas ${JSON.stringify(op.expected)} -> ${JSON.stringify(op.value)}`;
    case 'append':
      return `append ${JSON.stringify(op.value)}`;
  }
}

function describeResult(o: Operation): string {
  if (o.status !== 'ok') return o.status;
  if (o.op.type === 'read' || o.op.type === 'cas') return JSON.stringify(o.result);
  return 'ok';
}

/** Renders a violation as a table (process, op, invoke and return time in ms, value). */
export function formatViolation(v: Violation): string {
  const origin = Math.min(...v.operations.map((o) => o.invokeNs));
  const times = new Set(v.operations.flatMap((o) => (o.returnNs === null ? [o.invokeNs] : [o.invokeNs, o.returnNs])));
  // Microseconds suffice for network histories; go to nanoseconds if that would merge instants,
  // since the order of instants is the whole argument of the table.
  const micros = new Set([...times].map((t) => ((t - origin) / 1e6).toFixed(3)));
  const digits = micros.size === times.size ? 3 : 6;
  const ms = (ns: number): string => ((ns - origin) / 1e6).toFixed(digits);
  const header = ['process', 'op', 'invoke ms', 'return ms', 'value'];
  const rows = v.operations.map((o) => [
    String(o.process),
    describeOp(o.op),
    ms(o.invokeNs),
    o.returnNs === null ? 'never' : ms(o.returnNs),
    describeResult(o),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  const title =
    `key ${JSON.stringify(v.key)} is not linearizable (${v.model} model): ` +
    `${v.operations.length} operations${v.minimal ? ', none can be removed' : ' (shrinking stopped at its budget)'}`;
  return [title, line(header), ...rows.map(line)].join('\n');
}
