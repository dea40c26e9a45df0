// One drill from start to verdict: start a cluster, run the workload while the scheduler injects
// and heals faults, stop, heal everything, wait for recovery, read back every key, check the
// history, and report.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect, type RaftdbClient } from '../client/index.js';
import { checkHistory, HistoryRecorder, type OpResult } from '../history/index.js';
import { type DrillCluster, sleep } from './backend.js';
import { DockerCluster } from './docker-backend.js';
import { type FaultRecord, parseScenario, runSchedule } from './nemesis.js';
import { ClusterProbe } from './probe.js';
import { ProcessCluster } from './process-backend.js';
import { accessOptions } from './security.js';
import { countOutcomes, type DrillReport, findLostWrites, measureFaults, problemsOf, verdictFields } from './report.js';
import { readList, Workload, type WorkloadKind } from './workload.js';

export type DrillCommitMode = 'sync' | 'semi-sync' | 'async';

/** Options of runDrill. */
export interface DrillOptions {
  backend: 'process' | 'docker';
  nodes: number;
  durationS: number;
  /** A nemesis, a comma-separated list, 'all', 'random' or 'none' (see nemesis.ts). */
  scenario: string;
  seed: number;
  clients: number;
  commitMode: DrillCommitMode;
  /** Default 'mixed' (registers and lists). */
  workload?: WorkloadKind;
  /** Per client (default 20). */
  opsPerSecond?: number;
  faultMs?: [number, number];
  quietMs?: [number, number];
  warmupMs?: number;
  /** Extra environment of every node (test-only fault switches). */
  nodeEnv?: Record<string, string>;
  /** TLS everywhere and auth on (security.ts); default: on for docker, off for process. */
  secure?: boolean;
  /** Bound on waiting for a leader and caught-up nodes after healing (default 30 s). */
  recoveryTimeoutMs?: number;
  /** Write the history here as JSON lines. */
  historyFile?: string;
  /** Keep the process backend's data and logs. */
  keepData?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Drive this cluster instead of starting one (it is not closed). */
  cluster?: DrillCluster;
}

/** The history process of the read-back after recovery. */
export const FINAL_PROCESS = 'final';
const FINAL_READ_ATTEMPTS = 3;

/** Starts the backend's cluster. */
export function startCluster(opts: Pick<DrillOptions, 'backend' | 'nodes' | 'nodeEnv' | 'keepData' | 'secure'>): Promise<DrillCluster> {
  const common = { nodes: opts.nodes, env: opts.nodeEnv ?? {}, ...(opts.secure !== undefined ? { secure: opts.secure } : {}) };
  return opts.backend === 'docker' ? DockerCluster.start(common) : ProcessCluster.start({ ...common, keepDir: opts.keepData === true });
}

/** Runs one drill and returns its report (pass or fail); throws only when it cannot run. */
export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  parseScenario(opts.scenario); // fail before starting anything
  const log = opts.log ?? ((): void => undefined);
  const cluster = opts.cluster ?? (await startCluster(opts));
  log(`cluster up: ${cluster.nodes().join(', ')} (${cluster.kind}${cluster.access ? ', TLS and auth on' : ', plaintext'})`);
  const probe = new ClusterProbe(cluster.endpoints(), cluster.access);
  try {
    return await drill(cluster, probe, opts, log);
  } finally {
    probe.close();
    if (opts.cluster === undefined) await cluster.close();
  }
}

async function drill(cluster: DrillCluster, probe: ClusterProbe, opts: DrillOptions, log: (line: string) => void): Promise<DrillReport> {
  const origin = process.hrtime.bigint();
  const clockNs = (): number => Number(process.hrtime.bigint() - origin);
  const recorder = new HistoryRecorder({ clockNs });
  const workload = new Workload(recorder, {
    kind: opts.workload ?? 'mixed',
    clients: opts.clients,
    endpoints: cluster.endpoints(),
    addressMap: cluster.addressMap,
    access: accessOptions(cluster.access, 'workload'),
    commitMode: opts.commitMode,
    keyPrefix: `drill/${randomUUID().slice(0, 8)}/`,
    seed: opts.seed,
    ...(opts.opsPerSecond !== undefined ? { opsPerSecond: opts.opsPerSecond } : {}),
  });
  workload.start();
  let faults: FaultRecord[];
  try {
    const schedule = { scenario: opts.scenario, seed: opts.seed, durationMs: opts.durationS * 1000 };
    faults = await runSchedule({ cluster, probe }, { ...schedule, ...timing(opts) }, clockNs, log);
  } finally {
    await workload.stop();
  }
  // Before recovery restarts whatever is down: a node that crashed must be reported, not revived.
  const unexpectedExits = await cluster.unexpectedExits();
  log('workload stopped; healing and waiting for recovery');
  const recovery = await recover(cluster, probe, opts.recoveryTimeoutMs ?? 30_000);
  log(recovery.ok ? `recovered in ${recovery.ms} ms` : `no recovery: ${recovery.error}`);
  if (recovery.ok) await readBack(cluster, recorder);
  const ops = recorder.operations();
  log(`checking ${ops.length} operations`);
  const check = checkHistory(recorder, { timeBudgetMsPerKey: 20_000 });
  const base = {
    backend: cluster.kind,
    secure: cluster.access !== null,
    nodes: opts.nodes,
    scenario: opts.scenario,
    seed: opts.seed,
    commitMode: opts.commitMode,
    workload: opts.workload ?? 'mixed',
    clients: opts.clients,
    durationS: opts.durationS,
    operations: countOutcomes(ops),
    ...verdictFields(check),
    lostWrites: findLostWrites(ops, FINAL_PROCESS),
    faults: measureFaults(ops, faults, 0),
    recovery,
    unexpectedExits,
  };
  const problems = problemsOf(base);
  const report: DrillReport = { ...base, problems, pass: problems.length === 0 };
  if (opts.historyFile !== undefined) {
    await writeFile(opts.historyFile, recorder.toJSONLines());
    report.historyFile = opts.historyFile;
  }
  return report;
}

function timing(opts: DrillOptions): { faultMs?: [number, number]; quietMs?: [number, number]; warmupMs?: number } {
  const t: ReturnType<typeof timing> = {};
  if (opts.faultMs) t.faultMs = opts.faultMs;
  if (opts.quietMs) t.quietMs = opts.quietMs;
  if (opts.warmupMs !== undefined) t.warmupMs = opts.warmupMs;
  return t;
}

/** Heals every fault, wakes and restarts every node, and waits until all have caught up. */
async function recover(cluster: DrillCluster, probe: ClusterProbe, timeoutMs: number): Promise<DrillReport['recovery']> {
  const startMs = Date.now();
  try {
    await cluster.heal();
    for (const id of cluster.nodes()) {
      await cluster.resume(id);
      await cluster.restart(id);
    }
    await probe.caughtUp(cluster.endpoints(), Math.max(1000, timeoutMs - (Date.now() - startMs)));
    return { ok: true, ms: Date.now() - startMs };
  } catch (err) {
    return { ok: false, ms: Date.now() - startMs, error: (err as Error).message };
  }
}

/**
 * Reads every key once more, linearizably, into the history: the checker then holds the final
 * state to every acknowledged write, and the lost-write count compares against it.
 */
async function readBack(cluster: DrillCluster, recorder: HistoryRecorder): Promise<void> {
  const ops = recorder.operations();
  const lists = new Set(ops.filter((o) => o.op.type === 'append' || Array.isArray(o.result)).map((o) => o.key));
  const keys = [...new Set(ops.map((o) => o.key))].sort();
  const client: RaftdbClient = connect({ endpoints: cluster.endpoints(), addressMap: cluster.addressMap, timeoutMs: 5000, ...accessOptions(cluster.access, 'workload') });
  try {
    for (const key of keys) {
      const read = (): Promise<OpResult> => (lists.has(key) ? readList(client, key).then((r) => r.list) : client.getString(key));
      for (let attempt = 1; attempt <= FINAL_READ_ATTEMPTS; attempt++) {
        const ok = await recorder.track(FINAL_PROCESS, key, { type: 'read' }, read, { result: (v) => v }).then(
          () => true,
          () => false,
        );
        if (ok) break;
        await sleep(200);
      }
    }
  } finally {
    client.close();
  }
}
