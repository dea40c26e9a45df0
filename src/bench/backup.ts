// The backup benchmark (npm run bench:backup): a 3-node process cluster loaded with `totalMiB` of
// values (half of each value random, half a repeated byte, so gzip has something to do), then:
//   1. `tar czf` of one follower's state directory (the cluster idle), the baseline;
//   2. `raftdb backup create` (gzip level 6, as tar czf) of the same cluster, idle;
//   3. client put latency for `loadSeconds` without a backup, then while a backup runs;
//   4. `raftdb restore` of the backup into a scratch directory, and `raftdb backup verify`.
// Every step runs the compiled binary in its own process, as an operator would.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type RaftdbClient, connect } from '../client/index.js';
import { LocalCluster, cliMainPath, freePorts } from '../cluster/local-cluster.js';
import { Histogram, latencySummaryMs } from './histogram.js';
import { keyOf, valueOf } from './snapshot-load.js';

const run = promisify(execFile);

/** What to run. */
export interface BackupBenchOptions {
  totalMiB: number;
  valueBytes: number;
  /** Puts in flight while loading, and put loops while measuring latency. */
  concurrency: number;
  /** Seconds of put load without a backup (the baseline p99); the run with a backup lasts as long as the backup. */
  loadSeconds: number;
  /** How the backups taken under load run: a label, flags for backup create, and a nice value for its process. */
  variants: UnderLoadVariant[];
  log: (line: string) => void;
}

/** One way of taking the backup while puts run. */
export interface UnderLoadVariant {
  name: string;
  args: string[];
  /** Run `backup create` under `nice -n` this (0: not). */
  nice: number;
  /** Extra serve flags of every member for this variant (they are restarted one by one when these change). */
  serveArgs?: string[];
}

/** A backup taken under load and the put latency meanwhile. */
export interface UnderLoadResult {
  variant: UnderLoadVariant;
  backup: Step;
  puts: PutLatency;
  /** How often and how long the serving member held the stream back (its log line). */
  paced: { pauses: number; pausedSeconds: number } | null;
  /** puts p99 / the baseline's (the mean of the p99 before and after the variants). */
  p99Ratio: number;
}

/** Latency of puts over some seconds. */
export interface PutLatency {
  puts: number;
  seconds: number;
  putsPerSecond: number;
  ms: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** One step: how long, how many bytes in, how many out. */
export interface Step {
  seconds: number;
  inBytes: number;
  outBytes: number;
  mbPerSecond: number;
}

/** What one run measured. */
export interface BackupBenchResult {
  values: number;
  valueBytes: number;
  stateDirBytes: number;
  tar: Step;
  backup: Step;
  restore: Step;
  verify: Step;
  /** Put latency without a backup, before and after the runs under load. */
  putsBefore: PutLatency;
  putsAfter: PutLatency;
  underLoad: UnderLoadResult[];
  /** backup.seconds / tar.seconds (the issue asks for at most 1.5). */
  backupVsTar: number;
}

/** Runs the benchmark on a fresh cluster in a temporary directory, removed afterwards. */
export async function runBackupBench(o: BackupBenchOptions): Promise<BackupBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-bench-backup-'));
  const ports = await freePorts(3);
  // At info level for the members' 'backup streamed' lines: how often and how long a stream waited (src/backup/pacer.ts).
  const streamed: string[] = [];
  const onLine = (id: string, _s: string, line: string): void => {
    if (line.includes('backup streamed')) streamed.push(`${id} ${line}`);
  };
  const cluster = await LocalCluster.start({ nodes: 3, dir: join(dir, 'cluster'), ports, httpPorts: null, clusterId: 'bench-backup', logLevel: 'info', onLine });
  const clients: RaftdbClient[] = [];
  try {
    const leader = await cluster.waitForLeader(30_000);
    if (!leader) throw new Error('no leader within 30 s');
    const client = connect({ endpoints: cluster.endpoints, timeoutMs: 60_000, writeAttemptTimeoutMs: 15_000, retry: { maxAttempts: 20 }, maxConcurrentWrites: o.concurrency });
    clients.push(client);
    const values = Math.max(1, Math.round((o.totalMiB * 1024 * 1024) / o.valueBytes));
    const t0 = performance.now();
    await load(client, values, o);
    o.log(`loaded ${values} values of ${o.valueBytes} B in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // A follower, so that tar reads files the leader is not writing to this instant.
    const follower = cluster.nodes.find((n) => n.id !== leader.id)!;
    await settle(client, cluster.endpoints);
    const stateDir = join(follower.dataDir, 'state');
    const stateDirBytes = dirBytes(stateDir);
    const endpoints = cluster.endpoints.join(',');

    // tar of a running member's LevelDB fails (LevelDB compacts its tables in the background:
    // 'File removed before we read it'), and would not be consistent anyway: the member is stopped
    // first, as the only safe file-level copy requires, and started again afterwards.
    const tarFile = join(dir, 'state.tar.gz');
    await cluster.kill(follower.id, 'SIGTERM');
    const tar = await timed(async () => {
      await run('tar', ['czf', tarFile, '-C', follower.dataDir, 'state'], { maxBuffer: 1 << 20 });
      return { inBytes: stateDirBytes, outBytes: statSync(tarFile).size };
    });
    rmSync(tarFile);
    await cluster.startNode(follower.id);
    await settle(client, cluster.endpoints);
    o.log(`tar czf of ${follower.id}'s state directory (${mib(stateDirBytes)} MiB): ${tar.seconds.toFixed(1)} s -> ${mib(tar.outBytes)} MiB`);

    const backupDir = join(dir, 'backups');
    const backup = await timed(async () => {
      const b = JSON.parse((await run(process.execPath, [cliMainPath(), 'backup', 'create', '--out', backupDir, '--endpoints', endpoints, '--json'], { maxBuffer: 1 << 20 })).stdout);
      return { inBytes: b.snapshotBytes, outBytes: b.fileBytes, path: b.path };
    });
    o.log(`backup create: ${backup.seconds.toFixed(1)} s, ${mib(backup.inBytes)} MiB of data -> ${mib(backup.outBytes)} MiB`);

    const putsBefore = await putLoad(client, o, () => sleep(o.loadSeconds * 1000));
    o.log(`puts without a backup: p99 ${putsBefore.ms.p99} ms (${putsBefore.putsPerSecond}/s)`);
    const runs: Omit<UnderLoadResult, 'p99Ratio'>[] = [];
    let serveArgs: string[] = [];
    for (const v of o.variants) {
      if ((v.serveArgs ?? []).join(' ') !== serveArgs.join(' ')) {
        serveArgs = v.serveArgs ?? [];
        await restartAll(cluster, client, serveArgs);
        o.log(`members restarted with serve flags [${serveArgs.join(' ')}]`);
      }
      let step: Step = { seconds: 0, inBytes: 0, outBytes: 0, mbPerSecond: 0 };
      const puts = await putLoad(client, o, async () => {
        step = await timed(async () => {
          const argv = [cliMainPath(), 'backup', 'create', '--out', join(dir, 'backups2'), '--endpoints', endpoints, '--json', ...v.args];
          const { stdout } = v.nice > 0 ? await run('nice', ['-n', String(v.nice), process.execPath, ...argv], { maxBuffer: 1 << 20 }) : await run(process.execPath, argv, { maxBuffer: 1 << 20 });
          const b = JSON.parse(stdout);
          return { inBytes: b.snapshotBytes, outBytes: b.fileBytes };
        });
      });
      rmSync(join(dir, 'backups2'), { recursive: true, force: true });
      const paced = /"pauses":(\d+),"pausedMs":(\d+)/.exec(streamed.at(-1) ?? '');
      const pacing = paced ? { pauses: Number(paced[1]), pausedSeconds: round2(Number(paced[2]) / 1000) } : null;
      o.log(`puts during a backup (${v.name}, ${step.seconds.toFixed(1)} s): p99 ${puts.ms.p99} ms (${puts.putsPerSecond}/s); stream paused ${pacing?.pauses ?? '?'} times, ${pacing?.pausedSeconds ?? '?'} s`);
      runs.push({ variant: v, backup: step, puts, paced: pacing });
    }
    const putsAfter = await putLoad(client, o, () => sleep(o.loadSeconds * 1000));
    o.log(`puts without a backup, after: p99 ${putsAfter.ms.p99} ms (${putsAfter.putsPerSecond}/s)`);
    const baseP99 = (putsBefore.ms.p99 + putsAfter.ms.p99) / 2;

    const restore = await timed(async () => {
      const target = join(dir, 'restored');
      await run(process.execPath, [cliMainPath(), 'restore', '--from', backup.path, '--data-dir', target, '--name', 'n1', '--initial-cluster', 'n1=127.0.0.1:1', '--json'], { maxBuffer: 1 << 20 });
      const out = dirBytes(join(target, 'state'));
      rmSync(target, { recursive: true, force: true });
      // In: the data restored (what the backup read), so the two rates compare.
      return { inBytes: backup.inBytes, outBytes: out };
    });
    o.log(`restore: ${restore.seconds.toFixed(1)} s`);
    const verify = await timed(async () => {
      await run(process.execPath, [cliMainPath(), 'backup', 'verify', backup.path, '--scratch-dir', dir], { maxBuffer: 1 << 20 });
      return { inBytes: backup.inBytes, outBytes: 0 };
    });
    o.log(`verify: ${verify.seconds.toFixed(1)} s`);
    return {
      values,
      valueBytes: o.valueBytes,
      stateDirBytes,
      tar,
      backup: { seconds: backup.seconds, inBytes: backup.inBytes, outBytes: backup.outBytes, mbPerSecond: backup.mbPerSecond },
      restore,
      verify,
      putsBefore,
      putsAfter,
      underLoad: runs.map((r) => ({ ...r, p99Ratio: round2(r.puts.ms.p99 / Math.max(baseP99, 1e-3)) })),
      backupVsTar: round2(backup.seconds / tar.seconds),
    };
  } finally {
    for (const c of clients) c.close();
    await cluster.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads values 0..count-1: the first half of each random, the second half one repeated byte. */
async function load(client: RaftdbClient, count: number, o: BackupBenchOptions): Promise<void> {
  let next = 0;
  let reported = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const half = Math.floor(o.valueBytes / 2);
        await client.put(keyOf('bench/', i), Buffer.concat([valueOf(i, half), Buffer.alloc(o.valueBytes - half, i % 251)]));
        if (i * 10 >= (reported + 1) * count) o.log(`loaded ${(reported = Math.floor((i * 10) / count)) * 10}%`);
      }
    }),
  );
}

/** Restarts the members one at a time with these extra serve flags, each caught up before the next. */
async function restartAll(cluster: LocalCluster, client: RaftdbClient, serveArgs: string[]): Promise<void> {
  cluster.setExtraArgs(serveArgs);
  for (const n of cluster.nodes) {
    await cluster.kill(n.id, 'SIGTERM');
    await cluster.startNode(n.id);
    if (!(await cluster.waitForLeader(30_000))) throw new Error('no leader within 30 s of a restart');
    await settle(client, cluster.endpoints);
  }
}

/** Waits until every member has applied the leader's commit index. */
async function settle(client: RaftdbClient, endpoints: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const s = (await client.cluster.statusAll()).flatMap((e) => (e.status ? [e.status] : []));
    const commit = Math.max(...s.map((x) => x.commitIndex));
    if (s.length === endpoints.length && s.every((x) => x.appliedIndex >= commit)) return;
    await sleep(100);
  }
}

/** `concurrency` loops of 256-byte puts while `during` runs; their latency. */
export async function putLoad(client: RaftdbClient, o: { concurrency: number }, during: () => Promise<void>): Promise<PutLatency> {
  const h = new Histogram();
  let stop = false;
  const value = Buffer.alloc(256, 7);
  const t0 = performance.now();
  const loops = Array.from({ length: o.concurrency }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const s = performance.now();
      await client.put(`lat/${w}/${i % 1000}`, value);
      h.record((performance.now() - s) * 1000);
    }
  });
  try {
    await during();
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { puts: h.count, seconds: round2(seconds), putsPerSecond: Math.round(h.count / seconds), ms: latencySummaryMs(h) };
}

async function timed<T extends { inBytes: number; outBytes: number }>(fn: () => Promise<T>): Promise<T & Step> {
  const t0 = performance.now();
  const r = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { ...r, seconds: round2(seconds), mbPerSecond: Math.round(r.inBytes / 1e6 / seconds) };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round2 = (x: number): number => Math.round(x * 100) / 100;
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

