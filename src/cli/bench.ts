// `raftdb bench`: closed-loop load against a cluster (or a fresh local one with --start-cluster),
// reporting ops/s, errors and latency percentiles per operation. The load runs in this process,
// or in N child processes with --processes N (the hidden `bench-worker` verb).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { type LoadConfig, parseMix, splitConfig } from '../bench/config.js';
import { type LoadProgress, type LoadResult, LoadRun } from '../bench/load.js';
import { runInProcesses, loadWorker } from '../bench/processes.js';
import { type BenchReport, buildReport } from '../bench/report.js';
import type { CommitMode, Consistency } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, UsageError, clientTls, intSetting, parseEndpoints, printJson, textTable, withCommonOptions } from './common.js';
import { LocalCluster, childEnv, cliMainPath, freePorts } from '../cluster/local-cluster.js';
import { signalWaiter } from './node.js';

interface BenchFlags extends CommonOptions {
  concurrency: string;
  connections: string;
  valueSize: string;
  keys: string;
  mix: string;
  consistency: Consistency;
  mode: CommitMode;
  duration: string;
  ops?: string;
  warmup: string;
  sequential: boolean;
  processes?: string;
  preload: boolean;
  unary: boolean;
  startCluster: boolean;
  nodes?: string;
}

const MAX_VALUE_BYTES = 1024 * 1024;

/** Registers bench and the hidden bench-worker. */
export function registerBenchCommands(program: Command, io: CliIo): void {
  withCommonOptions(program.command('bench').description('measure throughput and latency with closed-loop load'), io)
    .option('--concurrency <n>', 'requests in flight (workers)', '64')
    .option('--connections <n>', 'client instances the workers are spread over (1..16)', '1')
    .option('--value-size <bytes>', 'bytes per value', '256')
    .option('--keys <n>', 'size of the key space (keys drawn uniformly)', '10000')
    .option('--mix <ops>', 'operation mix in percent, e.g. put=100 or put=50,get=50', 'put=100')
    .addOption(new Option('--consistency <level>', 'consistency of gets').choices(['linearizable', 'lease', 'serializable']).default('linearizable'))
    .addOption(new Option('--mode <mode>', 'commit mode of puts').choices(['default', 'sync', 'semi-sync', 'async']).default('default'))
    .option('--duration <s>', 'seconds to measure', '10')
    .option('--ops <n>', 'measure this many operations instead of a duration')
    .option('--warmup <s>', 'seconds of unmeasured load first (nodes and client reach JIT-compiled steady state)', '5')
    .option('--sequential', 'one request at a time (--concurrency 1)', false)
    .option('--processes <n>', 'run the load in N child processes and merge the results (1..16)')
    .option('--preload', 'write every key once first, so that gets find values', false)
    .option('--unary', 'send each request as its own unary call, not over the KV.Pipeline stream', false)
    .option('--start-cluster', 'start a fresh local cluster in a temporary directory, and stop it afterwards', false)
    .addOption(new Option('--nodes <n>', 'nodes of the --start-cluster cluster (default 3)').choices(['3', '5']))
    .action(async (f: BenchFlags, cmd: Command) => {
      const { config, processes } = benchConfig(f, (name) => cmd.getOptionValueSource(name) === 'cli');
      const report = await withCluster(io, f, config, (endpoints) => runBench(io, { ...config, endpoints }, processes));
      if (f.json) printJson(io, report);
      else io.out(reportText(report));
    });

  program.command('bench-worker', { hidden: true }).action(() => loadWorker());
}

function seconds(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > 86_400) throw new UsageError(`${name}: "${v}" is not a number of seconds from ${min} to 86400`);
  return n;
}

/** The load config of bench's flags; `given(name)` says whether a flag was on the command line. */
export function benchConfig(f: BenchFlags, given: (name: string) => boolean): { config: LoadConfig; processes: number } {
  if (f.sequential && given('concurrency') && f.concurrency !== '1') throw new UsageError('--sequential means --concurrency 1');
  if (given('ops') && given('duration')) throw new UsageError('give --duration or --ops, not both');
  if (f.startCluster && given('endpoints')) throw new UsageError('--start-cluster measures a cluster of its own: leave out --endpoints');
  if (f.nodes && !f.startCluster) throw new UsageError('--nodes applies to --start-cluster only');
  let mix;
  try {
    mix = parseMix(f.mix);
  } catch (e) {
    throw new UsageError(`--mix: ${(e as Error).message}`);
  }
  const concurrency = f.sequential ? 1 : intSetting(f.concurrency, '--concurrency', 1, 10_000);
  const connections = intSetting(f.connections, '--connections', 1, 16);
  if (connections > concurrency) throw new UsageError(`--connections (${connections}) cannot exceed --concurrency (${concurrency})`);
  const processes = f.processes === undefined ? 0 : intSetting(f.processes, '--processes', 1, 16);
  if (processes > concurrency) throw new UsageError(`--processes (${processes}) cannot exceed --concurrency (${concurrency})`);
  const ops = f.ops === undefined ? 0 : intSetting(f.ops, '--ops', 1, 1_000_000_000);
  if (ops > 0 && processes > ops) throw new UsageError(`--processes (${processes}) cannot exceed --ops (${ops})`);
  const config: LoadConfig = {
    endpoints: f.startCluster ? [] : parseEndpoints(f.endpoints),
    concurrency,
    connections,
    valueSize: intSetting(f.valueSize, '--value-size', 0, MAX_VALUE_BYTES),
    keys: intSetting(f.keys, '--keys', 1, 100_000_000),
    mix,
    consistency: f.consistency,
    mode: f.mode,
    durationS: seconds(f.duration, '--duration', 0.1),
    ops,
    warmupS: seconds(f.warmup, '--warmup', 0),
    timeoutMs: f.timeout,
    preload: f.preload,
    unary: f.unary === true,
  };
  const tls = clientTls(f);
  if (tls) config.tls = tls;
  if (f.auth) config.auth = f.auth;
  return { config, processes };
}

/** Runs `fn` against --endpoints, or against a fresh local cluster with --start-cluster. */
async function withCluster<T>(io: CliIo, f: BenchFlags, cfg: LoadConfig, fn: (endpoints: string[]) => Promise<T>): Promise<T> {
  if (!f.startCluster) return fn(cfg.endpoints);
  const nodes = Number(f.nodes ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-bench-'));
  let cluster: LocalCluster | undefined;
  try {
    cluster = await LocalCluster.start({ nodes, dir, ports: await freePorts(nodes), httpPorts: null, clusterId: 'raftdb-bench', logLevel: 'warn' });
    const leader = await cluster.waitForLeader(60_000);
    if (!leader) throw new CliFailure(`the ${nodes}-node cluster elected no leader within 60s`);
    io.err(`bench: ${nodes}-node cluster in ${dir}, endpoints ${cluster.endpoints.join(',')}, leader ${leader.id}\n`);
    return await fn(cluster.endpoints);
  } finally {
    const killed = cluster ? await cluster.stop(30_000) : [];
    if (killed.length) io.err(`bench: node(s) ${killed.join(', ')} did not stop in time and were killed\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the load (here, or in child processes), with a progress bar on a terminal and Ctrl-C ending it early. */
async function runBench(io: CliIo, cfg: LoadConfig, processes: number): Promise<BenchReport> {
  let load: { progress(): LoadProgress; stop(): void; done: Promise<LoadResult> };
  if (processes > 0) {
    const parts = splitConfig(cfg, processes);
    // Each process has at least one client, so there may be more connections than asked for.
    cfg = { ...cfg, connections: parts.reduce((n, p) => n + p.connections, 0) };
    load = runInProcesses(parts, [cliMainPath(), 'bench-worker'], childEnv());
  } else {
    const run = new LoadRun(cfg);
    load = { progress: () => run.progress(), stop: () => run.stop(), done: run.run() };
  }
  const signals = signalWaiter();
  void signals.stopped.then(() => load.stop());
  const bar = process.stderr.isTTY ? progressBar(cfg, load.progress) : null;
  try {
    return buildReport(cfg, Math.max(1, processes), await load.done);
  } finally {
    bar?.stop();
    signals.dispose();
  }
}

function progressBar(cfg: LoadConfig, progress: () => LoadProgress): { stop(): void } {
  const byOps = cfg.ops > 0;
  const total = byOps ? cfg.ops : Math.round(cfg.durationS * 1000);
  const bar = new SingleBar(
    { stream: process.stderr, format: 'bench {phase} [{bar}] {percentage}% | {ops} ops | {rate} ops/s', hideCursor: true, clearOnComplete: true },
  );
  bar.start(total, 0, { phase: 'preload', ops: 0, rate: 0 });
  const timer = setInterval(() => {
    const p = progress();
    const rate = p.measuredMs > 0 ? Math.round(p.measuredOps / (p.measuredMs / 1000)) : 0;
    bar.update(Math.min(total, byOps ? p.measuredOps : Math.round(p.measuredMs)), { phase: p.phase, ops: p.measuredOps, rate });
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      bar.stop();
    },
  };
}

/** The report as a table, with the setup above it and the error codes below it. */
export function reportText(rep: BenchReport): string {
  const c = rep.config;
  const mix = Object.entries(c.mix).filter(([, pct]) => pct > 0).map(([op, pct]) => `${op}=${pct}`).join(',');
  const lines = [
    `${c.concurrency} worker(s) on ${c.connections} connection(s) (${c.unary ? 'unary calls' : 'pipelined'}) in ${c.processes} process(es); mix ${mix}; ${c.valueSize} B values; ` +
      `${c.keys} keys; mode ${c.mode}; gets ${c.consistency}; ${c.tls ? 'TLS; ' : ''}${c.user ? `as user ${c.user}; ` : ''}measured ${rep.elapsedS} s`,
  ];
  const t = textTable(['OP', 'OPS', 'OPS/S', 'ERRORS', 'P50 MS', 'P90 MS', 'P99 MS', 'MAX MS']);
  const push = (name: string, r: { ops: number; opsPerSec: number; errors: number; latencyMs: BenchReport['latencyMs'] }): void =>
    void t.push([name, r.ops, r.opsPerSec, r.errors, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.max]);
  for (const [op, r] of Object.entries(rep.byOp)) push(op, r);
  if (Object.keys(rep.byOp).length > 1) push('all', rep);
  lines.push(t.toString());
  for (const [code, e] of Object.entries(rep.errorsByCode)) lines.push(`errors ${code}: ${e.count} (e.g. ${e.example})`);
  return `${lines.join('\n')}\n`;
}
