// `npm run bench:vs-etcd`: 3-node etcd and 3-node raftdb on loopback, one after the other, each
// driven by the same generic unary gRPC load (targets.ts, unary-load.ts) over a matrix of
// operation × clients × value size × (all endpoints | leader only), with the servers' CPU per
// operation; then the same load against three servers that answer at once (echo-cluster.ts),
// the generator's ceiling on this machine. Ratios in one run are what count: this machine's
// speed drifts between runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, LocalCluster } from '../../cluster/local-cluster.js';
import { cpuSeconds } from './cpu.js';
import { startEchoCluster } from './echo-cluster.js';
import { ensureEtcdInstalled, startEtcd } from './etcd-cluster.js';
import { etcdTarget, raftdbTarget, type SystemName, type Target } from './targets.js';
import { runPipelineLoad } from './pipeline-load.js';
import { preload, runUnaryLoad, type BenchOp, type UnaryLoadResult } from './unary-load.js';

/**
 * Where the clients send: every endpoint, the leader only, or one follower only (what a follower
 * endpoint costs against the leader's, the performance issue's "at most 1.2x"). `pipeline`:
 * raftdb only, its own client on Pipeline streams over every endpoint (pipeline-load.ts),
 * compared with etcd's `all` cell.
 */
export type Spread = 'all' | 'leader' | 'follower' | 'pipeline';

/** The matrix and its timing. */
export interface VsEtcdOptions {
  systems: SystemName[];
  ops: BenchOp[];
  clients: number[];
  valueBytes: number[];
  spreads: Spread[];
  warmupS: number;
  measureS: number;
  keys: number;
  /** Write a V8 CPU profile of each raftdb node into this directory (`--cpu-prof`), named in the log. */
  cpuProfDir?: string;
}

/** One measured cell. */
export interface VsEtcdRow extends UnaryLoadResult {
  system: SystemName;
  op: BenchOp;
  clients: number;
  valueBytes: number;
  spread: Spread;
}

/** A running system: its target and the pids whose CPU counts. */
interface Running {
  target: Target;
  pids: number[];
  stop(): Promise<void>;
}

async function startRaftdb(cpuProfDir: string | undefined, log: (line: string) => void): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-vs-etcd-'));
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const cluster = await LocalCluster.start({ nodes: 3, dir, ports: await freePorts(3), httpPorts: null, clusterId: 'vs-etcd', logLevel: 'warn', nodeArgs });
  if (!(await cluster.waitForLeader(60_000))) throw new Error('raftdb elected no leader within 60 s');
  // The profiles are named by pid: say which node each pid is.
  if (cpuProfDir) log(`raftdb profiles in ${cpuProfDir}: ${cluster.nodes.map((n) => `${n.id} ${n.address} pid ${n.child!.pid!}`).join(', ')}`);
  return {
    target: raftdbTarget(cluster.endpoints),
    pids: cluster.nodes.map((n) => n.child!.pid!),
    stop: async () => {
      await cluster.stop(30_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startSystem(system: SystemName, o: VsEtcdOptions, log: (line: string) => void): Promise<Running> {
  if (system === 'raftdb') return startRaftdb(o.cpuProfDir, log);
  if (system === 'echo') {
    const echo = await startEchoCluster();
    return { target: raftdbTarget(echo.endpoints, 'echo'), pids: echo.pids, stop: () => echo.stop() };
  }
  ensureEtcdInstalled(log);
  const etcd = await startEtcd();
  const target = etcdTarget(etcd.endpoints);
  for (let i = 0; ; i++) {
    try {
      await target.leader();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { target, pids: etcd.pids, stop: () => etcd.stop() };
}

/** Runs the matrix on each system in turn; `log` gets one line per cell as it finishes. */
export async function runVsEtcd(o: VsEtcdOptions, log: (line: string) => void): Promise<VsEtcdRow[]> {
  const rows: VsEtcdRow[] = [];
  for (const system of o.systems) {
    log(`${system}: starting a 3-node cluster on 127.0.0.1`);
    const sys = await startSystem(system, o, log);
    try {
      for (const valueBytes of o.valueBytes) {
        const all = sys.target.endpoints.map((e) => sys.target.connect(e));
        await preload(all, o.keys, valueBytes);
        all.forEach((c) => c.close());
        for (const op of o.ops) {
          for (const spread of o.spreads) {
            if (spread === 'pipeline' && system !== 'raftdb') continue;
            for (const clients of o.clients) {
              const leader = await sys.target.leader();
              const follower = sys.target.endpoints.find((e) => e !== leader)!;
              const spec = { op, clients, valueBytes, keys: o.keys, warmupS: o.warmupS, measureS: o.measureS };
              const serverCpu = (): number[] => sys.pids.map(cpuSeconds);
              let r: UnaryLoadResult;
              if (spread === 'pipeline') r = await runPipelineLoad(spec, sys.target.endpoints, serverCpu);
              else {
                const endpoints = spread === 'all' ? sys.target.endpoints : spread === 'leader' ? [leader] : [follower];
                const stubs = endpoints.map((e) => sys.target.connect(e));
                try {
                  r = await runUnaryLoad(spec, stubs, serverCpu);
                } finally {
                  stubs.forEach((s) => s.close());
                }
              }
              rows.push({ system, op, clients, valueBytes, spread, ...r });
              log(`${system} ${op} ${valueBytes} B ${clients} clients ${spread} (leader ${leader}): ${Math.round(r.opsPerSec)}/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, server CPU ${Math.round(r.serverCpuUsPerOp)} µs/op (${eachServer(r.serverCpuUsPerOpEach, sys.target.endpoints, leader)}), errors ${r.errors}${r.firstError ? ` (first: ${r.firstError})` : ''}`);
            }
          }
        }
      }
    } finally {
      await sys.stop();
    }
  }
  return rows;
}

/** Each server's share of the CPU per operation, the leader's marked: `127.0.0.1:5001 leader 201, ...`. */
function eachServer(usPerOp: readonly number[], endpoints: readonly string[], leader: string): string {
  return usPerOp.map((us, i) => `${endpoints[i]}${endpoints[i] === leader ? ' leader' : ''} ${Math.round(us)}`).join(', ');
}

/** One cell's raftdb/etcd ratios; `ceiling`: echo/etcd throughput, the most any grpc-js server could show (null without an echo run). */
export interface VsEtcdRatio {
  op: string;
  clients: number;
  valueBytes: number;
  spread: string;
  throughput: number;
  cpuPerOp: number;
  ceiling: number | null;
}

/**
 * raftdb's figures over etcd's for each cell both systems measured, with the echo ceiling when
 * run. A pipeline row is compared with etcd's (and echo's) unary cell over all endpoints.
 */
export function ratios(rows: readonly VsEtcdRow[]): VsEtcdRatio[] {
  const key = (r: VsEtcdRow): string => `${r.op}/${r.clients}/${r.valueBytes}/${r.spread === 'pipeline' ? 'all' : r.spread}`;
  const etcd = new Map(rows.filter((r) => r.system === 'etcd').map((r) => [key(r), r]));
  const echo = new Map(rows.filter((r) => r.system === 'echo').map((r) => [key(r), r]));
  return rows
    .filter((r) => r.system === 'raftdb' && etcd.has(key(r)))
    .map((r) => {
      const e = etcd.get(key(r))!;
      const ceiling = r.spread === 'pipeline' ? undefined : echo.get(key(r));
      return {
        op: r.op,
        clients: r.clients,
        valueBytes: r.valueBytes,
        spread: r.spread,
        throughput: e.opsPerSec > 0 ? r.opsPerSec / e.opsPerSec : 0,
        cpuPerOp: e.serverCpuUsPerOp > 0 ? r.serverCpuUsPerOp / e.serverCpuUsPerOp : 0,
        ceiling: ceiling && e.opsPerSec > 0 ? ceiling.opsPerSec / e.opsPerSec : null,
      };
    });
}
