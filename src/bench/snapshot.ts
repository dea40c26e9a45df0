// The snapshot benchmark (npm run bench:snapshot): loads a 3-node process cluster with large
// values until its log is compacted, adds a learner that can only catch up by snapshot, and
// measures the transfer (time, MB/s), the leader's memory before and while it sends, and what a
// trickle of small puts sees before and during the catch-up (p99 before and during).
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NodeStatus, type RaftdbClient, connect } from '../client/index.js';
import { LocalCluster, freePorts } from '../cluster/local-cluster.js';
import { latencySummaryMs } from './histogram.js';
import { PutProbe } from './put-probe.js';
import { type ContentDigest, expectedDigest, loadValues, mib, rangeDigest, readRss, type Rss, RssSampler } from './snapshot-load.js';

/** What to run. */
export interface SnapshotBenchOptions {
  /** Data to load, in MiB (values × value size). */
  totalMiB: number;
  valueBytes: number;
  /** --snapshot-entries of every node: small, so that the log is compacted early. */
  snapshotEntries: number;
  /** --state-max-open-files of every node (LevelDB's default when absent). */
  stateMaxOpenFiles?: number;
  /** Puts in flight while loading. */
  concurrency: number;
  /** Read the learner's whole key range back and compare it with what was written. */
  verify: boolean;
  /** Seconds the put probe runs before MemberAdd (its baseline); 0: no probe. */
  probeBaselineSeconds: number;
  /**
   * Nice value for every thread of the learner's process (0: as started). Here the learner shares
   * the two cores with the cluster it joins; niced, it takes what the cluster leaves over, about
   * as a learner on a machine of its own would, so the probe then sees the leader's cost of
   * sending rather than the learner's of receiving.
   */
  learnerNice: number;
  /**
   * Where the learner's data directory goes (a temporary directory made there, removed after the
   * run); beside the members' when absent. On another file system (a tmpfs, a second disk) the
   * learner's 1 GiB of writes no longer share the disk with the members' WAL writes, as a learner
   * on a machine of its own would not: the probe then sees the leader's cost of sending.
   */
  learnerParentDir?: string;
  /** --snapshot-send-max-bytes-per-sec of every node (the node's default when absent). */
  snapshotSendBytesPerSec?: number;
  /** --snapshot-send-yield of every node, as the flag takes it (the node's default when absent). */
  snapshotSendYield?: string;
  /** --snapshot-send-heap-growing-percent of every node (the node's default when absent). */
  snapshotSendHeapGrowingPercent?: number;
  /** Write a V8 CPU profile of every node into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** More flags for node itself in every node process (e.g. --trace-gc). */
  nodeArgs?: string[];
  /** Append every node's output lines to <logDir>/<id>.log. */
  logDir?: string;
  log: (line: string) => void;
}

/** What one run measured. */
export interface SnapshotBenchResult {
  values: number;
  valueBytes: number;
  dataMiB: number;
  loadSeconds: number;
  /** Bytes of the snapshot stream, as the learner verified it. */
  snapshotBytes: number;
  /** MemberAdd to the learner having verified the whole stream (sent, written, checked). */
  transferSeconds: number;
  /** snapshotBytes / transferSeconds, in MB/s (10^6 bytes). */
  mbPerSecond: number;
  /** MemberAdd to the learner having applied the leader's commit index. */
  catchUpSeconds: number;
  /** Each of the 3 nodes' peak while loading (n1..n3), whichever led. */
  loadRssPeaks: Rss[];
  leaderRssBefore: Rss;
  leaderRssPeak: Rss;
  /** The learner just started (before MemberAdd), and its peak while receiving and catching up. */
  learnerRssBefore: Rss;
  learnerRssPeak: Rss;
  /** Whether the learner's keys and values equal what was loaded (null: not checked). */
  contentsMatch: boolean | null;
  /** The put probe's latencies (ms) before MemberAdd and during the catch-up; null without a probe. */
  probe: { before: ProbeSummary; during: ProbeSummary; p99Ratio: number; failures: number } | null;
}

/** Latencies of one phase of the put probe, in ms. */
export interface ProbeSummary {
  puts: number;
  p50: number;
  p99: number;
  max: number;
}

const PREFIX = 'bench/';
const PROBE_PREFIX = 'probe/';
/** The probe: 4 closed-loop writers of 256 B values (a light client, not a load). */
const PROBE_WRITERS = 4;
const PROBE_VALUE_BYTES = 256;
const CATCH_UP_TIMEOUT_MS = 60 * 60 * 1000;
/** Room for the state of a few GiB of values (they are stored about twice, see docs/performance.md). */
const QUOTA_BYTES = 64 * 1024 ** 3;

/** Runs the benchmark on a fresh cluster in a temporary directory, removed afterwards. */
export async function runSnapshotBench(o: SnapshotBenchOptions): Promise<SnapshotBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-bench-snapshot-'));
  const learnerDir = o.learnerParentDir === undefined ? null : mkdtempSync(join(o.learnerParentDir, 'raftdb-bench-learner-'));
  const ports = await freePorts(10);
  const verified: { atMs: number; bytes: number }[] = [];
  // Created if missing: the first log line would otherwise fail the whole run (ENOENT).
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  const cluster = await LocalCluster.start({
    nodes: 3,
    dir,
    ports: ports.slice(0, 3),
    httpPorts: null,
    clusterId: 'bench-snapshot',
    logLevel: 'info',
    // The default 2 GiB storage quota stops a 1 GiB load: the watch history keeps a second copy.
    extraArgs: [
      '--snapshot-entries',
      String(o.snapshotEntries),
      '--quota-backend-bytes',
      String(QUOTA_BYTES),
      ...(o.stateMaxOpenFiles ? ['--state-max-open-files', String(o.stateMaxOpenFiles)] : []),
      ...(o.snapshotSendBytesPerSec === undefined ? [] : ['--snapshot-send-max-bytes-per-sec', String(o.snapshotSendBytesPerSec)]),
      ...(o.snapshotSendYield === undefined ? [] : ['--snapshot-send-yield', o.snapshotSendYield]),
      ...(o.snapshotSendHeapGrowingPercent === undefined ? [] : ['--snapshot-send-heap-growing-percent', String(o.snapshotSendHeapGrowingPercent)]),
    ],
    nodeArgs: [...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []), ...(o.nodeArgs ?? [])],
    onLine: (id, _stream, line) => {
      if (o.logDir) appendFileSync(join(o.logDir, `${id}.log`), `${line}\n`);
      if (id === 'n4' && line.includes('received and verified snapshot')) {
        const rec = JSON.parse(line) as { time: number; bytes: number };
        verified.push({ atMs: rec.time, bytes: rec.bytes });
      }
    },
  });
  const clients: RaftdbClient[] = [];
  try {
    const leader0 = await cluster.waitForLeader(30_000);
    if (!leader0) throw new Error('no leader within 30 s');
    // Patient writes: large values queue up behind each other, and a loaded host is slow.
    const client = connect({ endpoints: cluster.endpoints, timeoutMs: 60_000, writeAttemptTimeoutMs: 15_000, retry: { maxAttempts: 20 }, maxConcurrentWrites: o.concurrency });
    clients.push(client);
    const values = Math.max(1, Math.round((o.totalMiB * 1024 * 1024) / o.valueBytes));
    const t0 = Date.now();
    const loadSamplers = cluster.nodes.map((n) => new RssSampler(n.child!.pid!, 200));
    let reported = 0;
    try {
      await loadValues(client, {
        prefix: PREFIX,
        count: values,
        valueBytes: o.valueBytes,
        concurrency: o.concurrency,
        onProgress: (done) => {
          if (done * 10 >= (reported + 1) * values) o.log(`loaded ${(reported = Math.floor((done * 10) / values)) * 10}% (${done} values)`);
        },
      });
    } finally {
      for (const sampler of loadSamplers) sampler.stop();
    }
    const loadSeconds = (Date.now() - t0) / 1000;
    const loadRssPeaks = loadSamplers.map((sampler) => ({ ...sampler.max }));
    const leader = await compactedLeader(client, cluster);
    o.log(`loaded ${values} values of ${o.valueBytes} B in ${loadSeconds.toFixed(1)} s; leader ${leader.id}, snapshot at ${leader.snapshotIndex}`);

    const leaderPid = cluster.node(leader.id).child!.pid!;
    const leaderRssBefore = readRss(leaderPid)!;
    const n4 = await cluster.addJoiningNode('n4', ports[3]!, null, learnerDir === null ? undefined : join(learnerDir, 'n4'));
    if (learnerDir !== null) o.log(`learner's data directory: ${n4.dataDir}`);
    const learnerRssBefore = readRss(n4.child!.pid!)!;
    if (o.learnerNice > 0) o.log(`learner niced to ${o.learnerNice}: ${niceProcess(n4.child!.pid!, o.learnerNice)} threads`);
    let probe: PutProbe | null = null;
    if (o.probeBaselineSeconds > 0) {
      const probeClient = connect({ endpoints: [cluster.node(leader.id).address], timeoutMs: 60_000 });
      clients.push(probeClient);
      probe = new PutProbe(probeClient, PROBE_PREFIX, PROBE_VALUE_BYTES, PROBE_WRITERS);
      probe.start('before');
      await new Promise((resolve) => setTimeout(resolve, o.probeBaselineSeconds * 1000));
      probe.phase('during');
    }
    const leaderSampler = new RssSampler(leaderPid);
    const learnerSampler = new RssSampler(n4.child!.pid!);
    const t1 = Date.now();
    await client.cluster.memberAdd({ id: 'n4', address: n4.address, learner: true });
    // The probe's puts go on during the catch-up: the learner must reach a commit index that moves.
    const target = (await client.cluster.status({ endpoint: cluster.node(leader.id).address })).commitIndex;
    await waitUntil(async () => ((await statusOf(client, n4.address))?.appliedIndex ?? 0) >= target, CATCH_UP_TIMEOUT_MS, 'the learner to catch up');
    const catchUpSeconds = (Date.now() - t1) / 1000;
    const probePhases = probe ? await probe.stop() : null;
    const [leaderRssPeak, learnerRssPeak] = [leaderSampler.stop(), learnerSampler.stop()];
    const last = verified[verified.length - 1];
    if (!last) throw new Error('the learner caught up without logging a verified snapshot');
    const transferSeconds = (last.atMs - t1) / 1000;
    o.log(`learner verified ${mib(last.bytes)} MiB ${transferSeconds.toFixed(1)} s after MemberAdd (${verified.length} transfer(s)), caught up after ${catchUpSeconds.toFixed(1)} s`);

    let probeResult: SnapshotBenchResult['probe'] = null;
    if (probe && probePhases) {
      const summary = (name: string): ProbeSummary => {
        const h = probePhases.get(name);
        if (!h) return { puts: 0, p50: 0, p99: 0, max: 0 };
        const s = latencySummaryMs(h);
        return { puts: h.count, p50: s.p50, p99: s.p99, max: s.max };
      };
      const [before, during] = [summary('before'), summary('during')];
      probeResult = { before, during, p99Ratio: before.p99 > 0 ? Math.round((during.p99 / before.p99) * 100) / 100 : 0, failures: probe.failures };
      o.log(`put probe p99 ${before.p99} ms before, ${during.p99} ms during the catch-up (${probeResult.p99Ratio}x), ${probe.failures} failed`);
    }

    let contentsMatch: boolean | null = null;
    if (o.verify) {
      // The learner first applies the probe's last puts: applying them while the pages are read
      // would drop, by the history's byte bound, the revision the paged read is pinned to.
      const end = (await client.cluster.status({ endpoint: cluster.node(leader.id).address })).commitIndex;
      await waitUntil(async () => ((await statusOf(client, n4.address))?.appliedIndex ?? 0) >= end, CATCH_UP_TIMEOUT_MS, 'the learner to apply the probe');
      const local = connect({ endpoints: [n4.address], timeoutMs: 60_000 });
      clients.push(local);
      const got: ContentDigest = await rangeDigest(local, PREFIX, Math.max(1, Math.floor((8 * 1024 * 1024) / o.valueBytes)));
      const want = expectedDigest(PREFIX, values, o.valueBytes);
      contentsMatch = got.sha256 === want.sha256 && got.keys === want.keys;
      o.log(`learner holds ${got.keys} keys, ${contentsMatch ? 'equal to' : 'DIFFERENT FROM'} what was loaded`);
    }
    return {
      values,
      valueBytes: o.valueBytes,
      dataMiB: mib(values * o.valueBytes),
      loadSeconds,
      snapshotBytes: last.bytes,
      transferSeconds,
      mbPerSecond: Math.round(last.bytes / 1e6 / transferSeconds),
      catchUpSeconds,
      loadRssPeaks,
      leaderRssBefore,
      leaderRssPeak,
      learnerRssBefore,
      learnerRssPeak,
      contentsMatch,
      probe: probeResult,
    };
  } finally {
    for (const c of clients) c.close();
    await cluster.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
    if (learnerDir !== null) rmSync(learnerDir, { recursive: true, force: true });
  }
}

/** Sets every thread of process `pid` to `nice` (a thread's, not the process's, on Linux); returns how many. */
function niceProcess(pid: number, nice: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      setPriority(tid, nice);
      n++;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return n;
}

/** The leader once it has compacted its log (so a new member needs a snapshot). */
async function compactedLeader(client: RaftdbClient, cluster: LocalCluster): Promise<NodeStatus> {
  let leader: NodeStatus | undefined;
  await waitUntil(
    async () => {
      leader = await cluster.waitForLeader(10_000);
      return (leader?.snapshotIndex ?? 0) > 0;
    },
    60_000,
    'the leader to compact its log',
  );
  return (await statusOf(client, cluster.node(leader!.id).address)) ?? leader!;
}

async function statusOf(client: RaftdbClient, endpoint: string): Promise<NodeStatus | null> {
  return client.cluster.status({ endpoint, timeoutMs: 2000 }).catch(() => null);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
