// The disk benchmark (npm run bench:disk): how much disk a 3-node process cluster takes for its
// live data, after loading values (unique keys, then optionally every key again), after a
// defragment alone, and after a compact to the current revision and a defragment: each node's
// state/ and wal/, as file lengths and as allocated blocks (WAL segments are sparse at first).
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type RaftdbClient } from '../client/index.js';
import { LocalCluster, freePorts } from '../cluster/local-cluster.js';
import { loadValues } from './snapshot-load.js';

/** What to run. */
export interface DiskBenchOptions {
  /** Live data, in MiB (keys × value size). */
  liveMiB: number;
  valueBytes: number;
  /** How many times every key is written (2: each key overwritten once). */
  rounds: number;
  concurrency: number;
  /** More serve flags for every node (e.g. --watch-history-max-bytes). */
  serveArgs: string[];
  log: (line: string) => void;
}

/** Bytes of a directory tree: file lengths and allocated blocks. */
export interface DirBytes {
  apparent: number;
  allocated: number;
}

/** One node's directories at one phase. */
export interface NodeDisk {
  id: string;
  state: DirBytes;
  wal: DirBytes;
  total: DirBytes;
}

/** What one run measured: each node at each phase, and the live bytes they compare with. */
export interface DiskBenchResult {
  liveBytes: number;
  phases: { phase: 'loaded' | 'defragmented' | 'compacted and defragmented'; nodes: NodeDisk[] }[];
}

/** Sums the files under `path` (a file deleted meanwhile, as LevelDB does, counts 0). */
export async function dirBytes(path: string): Promise<DirBytes> {
  const out = { apparent: 0, allocated: 0 };
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      const sub = await dirBytes(p);
      out.apparent += sub.apparent;
      out.allocated += sub.allocated;
      continue;
    }
    const s = await stat(p).catch(() => null);
    if (s) {
      out.apparent += s.size;
      out.allocated += s.blocks * 512;
    }
  }
  return out;
}

/** Runs the benchmark on a fresh cluster in a temporary directory, removed afterwards. */
export async function runDiskBench(o: DiskBenchOptions): Promise<DiskBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-bench-disk-'));
  const cluster = await LocalCluster.start({ nodes: 3, dir, ports: await freePorts(3), httpPorts: null, clusterId: 'bench-disk', logLevel: 'warn', extraArgs: o.serveArgs });
  let client: RaftdbClient | null = null;
  const result: DiskBenchResult = { liveBytes: 0, phases: [] };
  const measure = async (phase: DiskBenchResult['phases'][number]['phase']): Promise<void> => {
    const nodes = await Promise.all(
      cluster.nodes.map(async (n) => ({ id: n.id, state: await dirBytes(join(n.dataDir, 'state')), wal: await dirBytes(join(n.dataDir, 'wal')), total: await dirBytes(n.dataDir) })),
    );
    result.phases.push({ phase, nodes });
  };
  try {
    if (!(await cluster.waitForLeader(30_000))) throw new Error('no leader within 30 s');
    // Patient: large values queue behind each other, and a defragment of a large store takes a while.
    client = connect({ endpoints: cluster.endpoints, timeoutMs: 120_000, writeAttemptTimeoutMs: 15_000, readAttemptTimeoutMs: 120_000, retry: { maxAttempts: 20 }, maxConcurrentWrites: o.concurrency });
    const count = Math.max(1, Math.round((o.liveMiB * 1024 * 1024) / o.valueBytes));
    result.liveBytes = count * o.valueBytes;
    const t0 = Date.now();
    for (let round = 0; round < o.rounds; round++) await loadValues(client, { prefix: 'disk/', count, valueBytes: o.valueBytes, concurrency: o.concurrency });
    o.log(`loaded ${o.rounds} x ${count} values of ${o.valueBytes} B in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await measure('loaded');
    for (const n of cluster.nodes) await client.cluster.defragment(n.address);
    await measure('defragmented');
    const { compactRevision } = await client.cluster.compact(0);
    o.log(`compacted the history before revision ${compactRevision}`);
    for (const n of cluster.nodes) await client.cluster.defragment(n.address);
    await measure('compacted and defragmented');
    return result;
  } finally {
    client?.close();
    await cluster.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}
