// The failover benchmark (npm run bench:failover): a 3-node process cluster under 16 concurrent
// writers, then (1) repeated kill -9 of the leader and (2) repeated switchovers, each measured
// as client-side write unavailability and client errors, and (3) put latency per commit mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type CommitMode, type NodeStatus, type RaftdbClient, connect, leaderOf } from '../client/index.js';
import { LocalCluster, freePorts } from '../cluster/local-cluster.js';
import { Histogram, latencySummaryMs } from './histogram.js';
import { Writers, longestGap } from './writers.js';

/** What to run. */
export interface FailoverBenchOptions {
  kills: number;
  switchovers: number;
  writers: number;
  /** Sequential puts measured per commit mode. */
  modePuts: number;
  /** One line per run, for the operator watching. */
  log: (line: string) => void;
}

/** One kill or switchover. */
export interface EventRun {
  run: number;
  from: string;
  to: string;
  /** Longest gap between successful write completions around the event (ms). */
  unavailableMs: number;
  /** Writes that failed at the client (after its retries) around the event. */
  errors: number;
  /** The switchover's own measure (writes held), when the server reported one. */
  serverUnavailableMs?: number;
  /** Why the run is not a clean measurement, if it is not. */
  note?: string;
}

/** Median, max and totals of a series of runs. */
export interface EventSummary {
  runs: EventRun[];
  unavailableMs: { median: number; max: number };
  errors: { total: number; max: number };
  serverUnavailableMs?: { median: number; max: number };
}

/** Put latency of one sequential writer in one commit mode. */
export interface ModeLatency {
  puts: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FailoverBenchResult {
  writers: number;
  kill: EventSummary;
  switchover: EventSummary;
  modes: Record<string, ModeLatency>;
}

/** Time with steady writes before each event, and after writes flow again. */
const SETTLE_MS = 500;
/** A run in which writes do not resume within this long is recorded as such. */
const RECOVERY_BOUND_MS = 30_000;
const CATCH_UP_BOUND_MS = 30_000;
const MODES: Exclude<CommitMode, 'default'>[] = ['sync', 'semi-sync', 'async'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, boundMs: number, everyMs = 5): Promise<boolean> {
  const end = performance.now() + boundMs;
  while (!(await cond())) {
    if (performance.now() >= end) return false;
    await sleep(everyMs);
  }
  return true;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** Summarizes runs into medians and maxima. */
export function summarize(runs: EventRun[]): EventSummary {
  const u = runs.map((r) => r.unavailableMs);
  const e = runs.map((r) => r.errors);
  const s: EventSummary = {
    runs,
    unavailableMs: { median: round(median(u)), max: round(Math.max(0, ...u)) },
    errors: { total: e.reduce((a, b) => a + b, 0), max: Math.max(0, ...e) },
  };
  const server = runs.flatMap((r) => (r.serverUnavailableMs !== undefined ? [r.serverUnavailableMs] : []));
  if (server.length) s.serverUnavailableMs = { median: round(median(server)), max: round(Math.max(...server)) };
  return s;
}

/** Runs the whole benchmark on a fresh cluster in a temporary directory. */
export async function runFailoverBench(o: FailoverBenchOptions): Promise<FailoverBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-failover-'));
  const cluster = await LocalCluster.start({ nodes: 3, dir, ports: await freePorts(3), httpPorts: null, clusterId: 'raftdb-failover-bench', logLevel: 'warn' });
  const admin = connect({ endpoints: cluster.endpoints, timeoutMs: 2000, retry: { maxAttempts: 1 } });
  const client = connect({ endpoints: cluster.endpoints, timeoutMs: 5000, maxConcurrentWrites: o.writers });
  try {
    if (!(await cluster.waitForLeader(60_000))) throw new Error('the cluster elected no leader within 60 s');
    o.log(`cluster up in ${dir}: ${cluster.endpoints.join(',')}`);
    const writers = new Writers(client, o.writers);
    writers.start();
    const kills: EventRun[] = [];
    for (let i = 1; i <= o.kills; i++) kills.push(await killRun(i, cluster, admin, writers, o.log));
    const switchovers: EventRun[] = [];
    for (let i = 1; i <= o.switchovers; i++) switchovers.push(await switchoverRun(i, cluster, admin, writers, o.log));
    await writers.stop();
    const modes: Record<string, ModeLatency> = {};
    for (const m of MODES) {
      modes[m] = await modeLatency(client, m, o.modePuts);
      o.log(`${m}: put p50 ${modes[m]!.p50Ms} ms, p99 ${modes[m]!.p99Ms} ms`);
    }
    return { writers: o.writers, kill: summarize(kills), switchover: summarize(switchovers), modes };
  } finally {
    client.close();
    admin.close();
    await cluster.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function statuses(admin: RaftdbClient): Promise<NodeStatus[]> {
  return (await admin.cluster.statusAll()).flatMap((r) => (r.status ? [r.status] : []));
}

async function currentLeader(admin: RaftdbClient): Promise<NodeStatus> {
  let leader: NodeStatus | undefined;
  await until(async () => (leader = leaderOf(await statuses(admin))) !== undefined, RECOVERY_BOUND_MS, 50);
  if (!leader) throw new Error(`no leader within ${RECOVERY_BOUND_MS / 1000} s`);
  return leader;
}

/**
 * Measures one event: steady writes for SETTLE_MS, the event at t0, then waits until a write
 * that started after t0 succeeded, and SETTLE_MS more; the gap is taken over that window.
 */
async function measure(writers: Writers, event: () => Promise<void>): Promise<{ unavailableMs: number; errors: number; recovered: boolean }> {
  writers.take();
  await sleep(SETTLE_MS);
  const t0 = performance.now();
  await event();
  const recovered = await until(() => writers.succeededSince(t0), RECOVERY_BOUND_MS);
  await sleep(SETTLE_MS);
  const end = performance.now();
  const records = writers.take();
  const errors = records.filter((r) => !r.ok && r.endMs >= t0 - SETTLE_MS).length;
  return { unavailableMs: round(longestGap(records, t0 - SETTLE_MS, end)), errors, recovered };
}

async function killRun(run: number, cluster: LocalCluster, admin: RaftdbClient, writers: Writers, log: (l: string) => void): Promise<EventRun> {
  const from = (await currentLeader(admin)).id;
  const m = await measure(writers, () => cluster.kill(from, 'SIGKILL'));
  const to = (await currentLeader(admin)).id;
  const r: EventRun = { run, from, to, unavailableMs: m.unavailableMs, errors: m.errors };
  if (!m.recovered) r.note = `writes did not resume within ${RECOVERY_BOUND_MS / 1000} s`;
  await cluster.startNode(from);
  if (!(await caughtUp(admin, from))) r.note = `${from} did not catch up within ${CATCH_UP_BOUND_MS / 1000} s after its restart`;
  log(`kill -9 ${run}: ${from} -> ${to}, writes unavailable ${r.unavailableMs} ms, ${r.errors} client errors${r.note ? ` (${r.note})` : ''}`);
  return r;
}

/** Waits until `id` follows the leader and has applied what the leader had committed when the wait began. */
async function caughtUp(admin: RaftdbClient, id: string): Promise<boolean> {
  const target = (await currentLeader(admin)).commitIndex;
  return until(async () => {
    const s = (await statuses(admin)).find((x) => x.id === id);
    return s !== undefined && s.leader !== '' && s.appliedIndex >= target;
  }, CATCH_UP_BOUND_MS, 100);
}

async function switchoverRun(run: number, cluster: LocalCluster, admin: RaftdbClient, writers: Writers, log: (l: string) => void): Promise<EventRun> {
  const from = (await currentLeader(admin)).id;
  let serverUnavailableMs: number | undefined;
  let failure: string | undefined;
  const transfer = connect({ endpoints: cluster.endpoints, timeoutMs: 15_000 });
  try {
    const m = await measure(writers, async () => {
      try {
        const res = await transfer.cluster.transferLeadership({ expectedLeader: from });
        serverUnavailableMs = res.switchover?.unavailableMs;
      } catch (err) {
        failure = `switchover failed: ${(err as Error).message}`;
      }
    });
    const to = (await currentLeader(admin)).id;
    const r: EventRun = { run, from, to, unavailableMs: m.unavailableMs, errors: m.errors };
    if (serverUnavailableMs !== undefined) r.serverUnavailableMs = round(serverUnavailableMs);
    if (failure !== undefined) r.note = failure;
    else if (!m.recovered) r.note = `writes did not resume within ${RECOVERY_BOUND_MS / 1000} s`;
    log(`switchover ${run}: ${from} -> ${to}, writes unavailable ${r.unavailableMs} ms (server: ${r.serverUnavailableMs ?? '-'} ms), ${r.errors} client errors${r.note ? ` (${r.note})` : ''}`);
    return r;
  } finally {
    transfer.close();
  }
}

/** Put latency of one sequential writer in `mode`, after a short warm-up. */
async function modeLatency(client: RaftdbClient, mode: Exclude<CommitMode, 'default'>, puts: number): Promise<ModeLatency> {
  const h = new Histogram();
  let errors = 0;
  const value = Buffer.alloc(256, 'm');
  for (let i = -Math.min(50, puts); i < puts; i++) {
    const t0 = performance.now();
    try {
      await client.put(`failover/mode/${mode}/${i & 1023}`, value, { commitMode: mode });
    } catch {
      errors++;
    }
    if (i >= 0) h.record((performance.now() - t0) * 1000);
  }
  const s = latencySummaryMs(h);
  return { puts, errors, p50Ms: s.p50, p99Ms: s.p99 };
}
