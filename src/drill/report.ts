// What a drill found, from the recorded history: operations by outcome, the checker's verdict
// (with the shortest failing sub-history), acknowledged writes missing from the final state,
// and per fault the time until writes succeeded again. Rendered as tables or JSON.
import Table from 'cli-table3';
import { formatViolation, type CheckResult, type Operation, type Value } from '../history/index.js';
import type { NodeExit } from './backend.js';
import type { FaultRecord } from './nemesis.js';

/** How many operations ended each way. */
export interface OutcomeCounts {
  ok: number;
  fail: number;
  unknown: number;
}

/** One injected fault in the report. */
export interface FaultReport {
  nemesis: string;
  detail: string;
  /** Seconds from the start of the workload to when the fault was in force. */
  atS: number;
  /** How long injecting took (finding the leader, docker and nsenter calls, membership changes). */
  injectMs: number;
  /** How long the fault was in force, in seconds, until healed (null: never healed). */
  heldS: number | null;
  /** Fault in force to the end of the first successful write invoked after it (null: none before the end). */
  rtoMs: number | null;
  error?: string;
}

/** Acknowledged writes checked against the final state. */
export interface LostWrites {
  /** Acknowledged writes (puts, successful cas, appends) whose key's final state was read. */
  checked: number;
  lost: number;
  /** A few of the lost writes: key and value. */
  examples: string[];
  /** Keys whose final read did not succeed (their writes are not counted). */
  unverifiedKeys: string[];
}

/** The result of one drill. */
export interface DrillReport {
  backend: string;
  /** The cluster ran with TLS on every port, mutual TLS between nodes and auth on (the workload a non-root user). */
  secure: boolean;
  nodes: number;
  scenario: string;
  seed: number;
  commitMode: string;
  workload: string;
  clients: number;
  durationS: number;
  operations: { total: OutcomeCounts; byType: Record<string, OutcomeCounts> };
  linearizable: boolean | 'unknown';
  keysChecked: number;
  checkMs: number;
  /** The shortest failing sub-history, as formatViolation renders it. */
  violation?: string;
  /** Keys the checker could not decide within its budget. */
  undecidedKeys: string[];
  lostWrites: LostWrites;
  faults: FaultReport[];
  recovery: { ok: boolean; ms: number; error?: string };
  /** Nodes that stopped with no nemesis stopping them (each one fails the drill). */
  unexpectedExits: NodeExit[];
  /** Why the drill failed (empty when it passed). */
  problems: string[];
  pass: boolean;
  historyFile?: string;
}

/** Operations by outcome, in total and per operation type. */
export function countOutcomes(ops: readonly Operation[]): DrillReport['operations'] {
  const total: OutcomeCounts = { ok: 0, fail: 0, unknown: 0 };
  const byType: Record<string, OutcomeCounts> = {};
  for (const o of ops) {
    total[o.status]++;
    (byType[o.op.type] ??= { ok: 0, fail: 0, unknown: 0 })[o.status]++;
  }
  return { total, byType };
}

/** An operation that changed (or, for a cas that reported false, did not change) the state. */
function isAckedWrite(o: Operation): boolean {
  if (o.status !== 'ok') return false;
  return o.op.type === 'write' || o.op.type === 'append' || (o.op.type === 'cas' && o.result === true);
}

function writtenValue(o: Operation): Value | undefined {
  return o.op.type === 'write' || o.op.type === 'append' || o.op.type === 'cas' ? o.op.value : undefined;
}

/**
 * Acknowledged writes missing from the final state. A list key must hold every acknowledged
 * element. A register's final value was written by some W; an acknowledged write invoked after W
 * returned must come after W in any order, so the final value cannot be W's: it was lost.
 * (A final value whose writer's outcome is unknown proves nothing, and is not counted.)
 */
export function findLostWrites(ops: readonly Operation[], finalProcess: string): LostWrites {
  const finals = new Map<string, Operation>();
  for (const o of ops) if (o.process === finalProcess && o.status === 'ok') finals.set(o.key, o);
  const byKey = new Map<string, Operation[]>();
  for (const o of ops) if (o.process !== finalProcess) (byKey.get(o.key) ?? byKey.set(o.key, []).get(o.key)!).push(o);
  const result: LostWrites = { checked: 0, lost: 0, examples: [], unverifiedKeys: [] };
  const lose = (o: Operation): void => {
    result.lost++;
    if (result.examples.length < 5) result.examples.push(`${o.key} ${o.op.type} ${JSON.stringify(writtenValue(o))} (process ${o.process})`);
  };
  for (const [key, keyOps] of byKey) {
    const acked = keyOps.filter(isAckedWrite);
    if (acked.length === 0) continue;
    const final = finals.get(key);
    if (final === undefined) {
      result.unverifiedKeys.push(key);
      continue;
    }
    result.checked += acked.length;
    const state = final.result ?? null;
    if (Array.isArray(state) || acked[0]!.op.type === 'append') {
      const present = new Set((Array.isArray(state) ? state : []).map((v) => JSON.stringify(v)));
      for (const o of acked) if (!present.has(JSON.stringify(writtenValue(o)))) lose(o);
      continue;
    }
    const writer = keyOps.find((o) => (isAckedWrite(o) || (o.status === 'unknown' && o.op.type !== 'read')) && writtenValue(o) === state);
    if (writer !== undefined && (writer.status !== 'ok' || writer.returnNs === null)) continue;
    const after = writer?.returnNs ?? -Infinity;
    for (const o of acked) if (o !== writer && o.invokeNs > after) lose(o);
  }
  return result;
}

/** Per fault: time from injection to the end of the first successful write invoked after it. */
export function measureFaults(ops: readonly Operation[], faults: readonly FaultRecord[], originNs: number): FaultReport[] {
  const writes = ops.filter((o) => o.status === 'ok' && o.op.type !== 'read' && o.returnNs !== null).sort((a, b) => a.invokeNs - b.invokeNs);
  return faults.map((f) => {
    const at = f.injectedNs ?? f.startedNs;
    const first = writes.find((o) => o.invokeNs >= at);
    const r: FaultReport = {
      nemesis: f.nemesis,
      detail: f.detail,
      atS: round((at - originNs) / 1e9, 1),
      injectMs: Math.round((at - f.startedNs) / 1e6),
      heldS: f.healedNs === null ? null : round((f.healedNs - at) / 1e9, 1),
      rtoMs: first ? Math.round((first.returnNs! - at) / 1e6) : null,
    };
    if (f.error !== undefined) r.error = f.error;
    return r;
  });
}

function round(x: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

/** The checker's verdict as report fields. */
export function verdictFields(check: CheckResult): Pick<DrillReport, 'linearizable' | 'keysChecked' | 'checkMs' | 'violation' | 'undecidedKeys'> {
  const fields: ReturnType<typeof verdictFields> = {
    linearizable: check.linearizable,
    keysChecked: check.keysChecked,
    checkMs: Math.round(check.elapsedMs),
    undecidedKeys: check.keys.filter((k) => k.verdict === 'unknown').map((k) => `${k.key} (${k.exhausted ?? 'budget'})`),
  };
  if (check.violation !== undefined) fields.violation = formatViolation(check.violation);
  return fields;
}

/**
 * Why a drill failed. ASYNC acknowledges before replication, so lost writes, and the
 * non-linearizable reads they cause, are what it trades for latency: reported, not failed. A
 * violation without any lost write has no such excuse and fails an ASYNC drill too.
 */
export function problemsOf(r: Omit<DrillReport, 'problems' | 'pass'>): string[] {
  const problems: string[] = [];
  const lossExplains = r.commitMode === 'async' && r.lostWrites.lost > 0;
  if (r.linearizable === false && !lossExplains) problems.push('history is not linearizable');
  if (r.linearizable === 'unknown' && !lossExplains) problems.push(`checker undecided on ${r.undecidedKeys.join(', ')}`);
  if (r.lostWrites.lost > 0 && r.commitMode !== 'async') problems.push(`${r.lostWrites.lost} acknowledged writes lost`);
  if (!r.recovery.ok) problems.push(`no recovery after healing: ${r.recovery.error ?? ''}`);
  for (const e of r.unexpectedExits) problems.push(`node ${e.id} stopped on its own (${e.status})`);
  for (const f of r.faults) if (f.error !== undefined) problems.push(`${f.nemesis}: ${f.error}`);
  if (r.operations.total.ok === 0) problems.push('no operation succeeded');
  return problems;
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

/** The report as text tables. */
export function formatReport(r: DrillReport): string {
  const out: string[] = [];
  out.push(
    `raftdb drill: ${r.backend} backend${r.secure ? ' (TLS, auth)' : ''}, ${r.nodes} nodes, scenario ${r.scenario}, seed ${r.seed}, ` +
      `mode ${r.commitMode}, ${r.workload} workload, ${r.clients} clients, ${r.durationS} s`,
  );
  const ops = table(['OPERATION', 'OK', 'FAIL', 'UNKNOWN']);
  for (const [type, c] of Object.entries(r.operations.byType).sort()) ops.push([type, c.ok, c.fail, c.unknown]);
  const t = r.operations.total;
  ops.push(['total', t.ok, t.fail, t.unknown]);
  out.push(ops.toString());
  const faults = table(['AT S', 'NEMESIS', 'DETAIL', 'INJECT MS', 'HELD S', 'RTO MS', 'ERROR']);
  for (const f of r.faults) faults.push([f.atS, f.nemesis, f.detail, f.injectMs, f.heldS ?? '-', f.rtoMs ?? 'none', f.error ?? '']);
  out.push(r.faults.length > 0 ? faults.toString() : 'no faults injected');
  const verdict = r.linearizable === true ? 'yes' : r.linearizable === false ? 'NO' : 'undecided';
  const lw = r.lostWrites;
  const summary = table(['CHECK', 'RESULT']);
  summary.push(['linearizable', `${verdict} (${r.keysChecked} keys, ${r.checkMs} ms)`]);
  summary.push(['acknowledged writes lost', `${lw.lost} of ${lw.checked}${lw.unverifiedKeys.length > 0 ? ` (${lw.unverifiedKeys.length} keys unverified)` : ''}`]);
  summary.push(['recovery after heal', r.recovery.ok ? `${r.recovery.ms} ms` : `FAILED: ${r.recovery.error ?? ''}`]);
  summary.push(['nodes stopped on their own', r.unexpectedExits.length === 0 ? 'none' : r.unexpectedExits.map((e) => `${e.id} (${e.status})`).join(', ')]);
  out.push(summary.toString());
  for (const e of r.unexpectedExits) out.push(`last log lines of ${e.id}:\n${e.logs.trimEnd() || '(none: nothing at its log level)'}`);
  if (r.violation !== undefined) out.push(r.violation);
  if (lw.examples.length > 0) out.push(`lost writes, e.g.:\n  ${lw.examples.join('\n  ')}`);
  if (r.historyFile !== undefined) out.push(`history: ${r.historyFile}`);
  out.push(r.pass ? 'PASS' : `FAIL: ${r.problems.join('; ')}`);
  return `${out.join('\n')}\n`;
}
