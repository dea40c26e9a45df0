// The archiving benchmark (npm run bench:archive): the cost of continuous archiving and how far
// behind it runs. Rounds alternate between a fresh 3-node process cluster without and with
// `serve --archive-dir` (a directory every member shares, segments closed every second by
// default); in each, `concurrency` loops of 256-byte puts run for `seconds`, and the leader's
// archive lag (Status archive_lag_seconds) is sampled every `sampleMs`. The issue's bounds:
// archiving on costs at most 10% of the puts/s, and its lag p99 stays within 2 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../client/index.js';
import { LocalCluster, freePorts } from '../cluster/local-cluster.js';
import { putLoad, type PutLatency } from './backup.js';

/** What to run. */
export interface ArchiveBenchOptions {
  /** Put loops (clients) during each round. */
  concurrency: number;
  /** Seconds of load per round (after a warm-up of `warmupSeconds`). */
  seconds: number;
  warmupSeconds: number;
  /** Rounds per mode; the modes alternate (off, on, off, on, ...), so drift on a shared host hits both. */
  rounds: number;
  /** How often the archive lag is sampled. */
  sampleMs: number;
  /** serve --archive-segment-ms (default the node's, 1000). */
  segmentMs?: number;
  log: (line: string) => void;
}

/** One round on one fresh cluster. */
export interface ArchiveRound {
  archiving: boolean;
  puts: PutLatency;
  /** The leader's archive lag samples, in seconds (empty without archiving). */
  lag: { samples: number; p50: number; p99: number; max: number };
}

/** What the benchmark measured. */
export interface ArchiveBenchResult {
  rounds: ArchiveRound[];
  /** Median puts/s of the rounds without and with archiving, and on/off. */
  offPutsPerSecond: number;
  onPutsPerSecond: number;
  putsRatio: number;
  /** The archive lag p99 over every sample of every archiving round. */
  lagP99Seconds: number;
}

/** Runs the rounds, each on a fresh cluster in a temporary directory removed afterwards. */
export async function runArchiveBench(o: ArchiveBenchOptions): Promise<ArchiveBenchResult> {
  const rounds: ArchiveRound[] = [];
  const allLag: number[] = [];
  for (let i = 0; i < o.rounds * 2; i++) {
    const archiving = i % 2 === 1;
    const { round, lagSamples } = await oneRound(archiving, o);
    rounds.push(round);
    allLag.push(...lagSamples);
    o.log(`round ${i + 1}/${o.rounds * 2}, archiving ${archiving ? 'on ' : 'off'}: ${round.puts.putsPerSecond} puts/s, p99 ${round.puts.ms.p99} ms${archiving ? `, archive lag p50 ${round.lag.p50} s p99 ${round.lag.p99} s max ${round.lag.max} s` : ''}`);
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length === 0 ? 0 : s.length % 2 === 1 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
  };
  const off = median(rounds.filter((r) => !r.archiving).map((r) => r.puts.putsPerSecond));
  const on = median(rounds.filter((r) => r.archiving).map((r) => r.puts.putsPerSecond));
  return { rounds, offPutsPerSecond: off, onPutsPerSecond: on, putsRatio: round2(on / Math.max(off, 1)), lagP99Seconds: quantile(allLag, 0.99) };
}

async function oneRound(archiving: boolean, o: ArchiveBenchOptions): Promise<{ round: ArchiveRound; lagSamples: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-bench-archive-'));
  const extraArgs = archiving ? ['--archive-dir', join(dir, 'archive'), ...(o.segmentMs ? ['--archive-segment-ms', String(o.segmentMs)] : [])] : [];
  const cluster = await LocalCluster.start({ nodes: 3, dir: join(dir, 'cluster'), ports: await freePorts(3), httpPorts: null, clusterId: 'bench-archive', logLevel: 'warn', extraArgs });
  const client = connect({ endpoints: cluster.endpoints, timeoutMs: 30_000, maxConcurrentWrites: o.concurrency });
  try {
    if (!(await cluster.waitForLeader(30_000))) throw new Error('no leader within 30 s');
    await putLoad(client, o, () => sleep(o.warmupSeconds * 1000));
    const lagSamples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await client.cluster.statusAll().catch(() => []);
        const leader = s.flatMap((e) => (e.status?.archiveActive ? [e.status] : []))[0];
        if (archiving && leader) lagSamples.push(leader.archiveLagSeconds);
        await sleep(o.sampleMs);
      }
    })();
    const puts = await putLoad(client, o, () => sleep(o.seconds * 1000));
    sampling = false;
    await sampler;
    const lag = { samples: lagSamples.length, p50: quantile(lagSamples, 0.5), p99: quantile(lagSamples, 0.99), max: round2(Math.max(0, ...lagSamples)) };
    return { round: { archiving, puts, lag }, lagSamples };
  } finally {
    client.close();
    await cluster.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return round2(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round2 = (x: number): number => Math.round(x * 100) / 100;
