// `raftdb dev`: a local cluster on 127.0.0.1, one node process per node (so the cluster uses
// every core and a node can be killed on its own), with data under --dir that survives restarts.
import { type Command, Option } from 'commander';
import { type CliIo, CliFailure, UsageError, positiveInt } from './common.js';
import { join } from 'node:path';
import { restoreDataDir } from '../backup/index.js';
import { readClusterId } from '../server/index.js';
import { loadKeys } from './backup.js';
import { LocalCluster, clientTlsFrom } from './local-cluster.js';
import { CLOSE_TIMEOUT_MS, LOG_LEVELS, signalWaiter } from './node.js';
import { type TuningFlags, addTuningOptions, tuningArgs, tuningOptions } from './tuning.js';

/** How long `dev` waits for a leader before saying so (the nodes keep running). */
const DEV_LEADER_WAIT_MS = 60_000;

interface DevFlags extends TuningFlags {
  nodes: string;
  dir: string;
  restoreFrom?: string;
  keyFile?: string[];
  tls?: boolean;
  basePort: number;
  httpBasePort: number;
  logLevel: string;
}

function port(v: string): number {
  const n = positiveInt(v);
  if (n > 65535) throw new UsageError(`port ${v} is out of range`);
  return n;
}

/** Registers dev. */
export function registerDevCommand(program: Command, io: CliIo): void {
  const dev = program
    .command('dev')
    .description('run a local cluster, one process per node (data survives restarts)')
    .addOption(new Option('--nodes <n>', 'number of nodes').choices(['3', '5']).default('3'))
    .option('--dir <dir>', 'data directory (one subdirectory per node)', './data')
    .option('--base-port <port>', 'gRPC port of n1; n2 gets the next one, ...', port, 7001)
    .option('--http-base-port <port>', 'HTTP port of n1', port, 9101)
    .option('--tls', 'TLS on every port, mutual TLS between nodes (certificates made once in DIR/certs)')
    .option('--restore-from <backup>', 'first restore every node of a new cluster from this backup file (DIR must hold no node data)')
    .option('--key-file <file>', 'key of an encrypted backup, with --restore-from (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--log-level <level>', 'node log level (JSON lines on stdout)').choices(LOG_LEVELS).default('warn'));
  addTuningOptions(dev).action(async (f: DevFlags) => {
    await runDev(io, f);
  });
}

async function runDev(io: CliIo, f: DevFlags): Promise<void> {
  const count = Number(f.nodes);
  const ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
  const tuning = tuningOptions(f, io.env, ids);
  const range = (base: number): number[] => ids.map((_, i) => base + i);
  if (f.basePort + count - 1 > 65535 || f.httpBasePort + count - 1 > 65535) throw new UsageError('the ports of the last node are out of range');
  const certsDir = f.tls ? await devCertificates(join(f.dir, 'certs'), ids) : undefined;
  const clusterId = f.restoreFrom ? await restoreDev(io, f, ids, range(f.basePort)) : ((await readClusterId(join(f.dir, ids[0]!))) ?? 'raftdb-dev');
  const signals = signalWaiter();
  let cluster: LocalCluster | undefined;
  try {
    cluster = await LocalCluster.start({
      ...(certsDir ? { certsDir } : {}),
      nodes: count,
      dir: f.dir,
      ports: range(f.basePort),
      httpPorts: range(f.httpBasePort),
      clusterId,
      logLevel: f.logLevel,
      extraArgs: tuningArgs(tuning),
      // Node log lines (JSON) go to stdout; their own messages to stderr.
      onLine: (_id, stream, line) => (stream === 'stdout' ? io.out(`${line}\n`) : io.err(`${line}\n`)),
      onUnexpectedExit: (id, code, signal) => io.err(`raftdb dev: node ${id} exited (${signal ?? `code ${code}`}); the others keep running\n`),
    });
    const scheme = certsDir ? 'https' : 'http';
    for (const n of cluster.nodes) io.out(`${n.id}  grpc ${n.address}  http ${scheme}://${n.http}  data ${n.dataDir}  pid ${n.child?.pid}\n`);
    io.out(`endpoints: ${cluster.endpoints.join(',')}\n`);
    if (certsDir) {
      const t = clientTlsFrom(certsDir);
      io.out(`TLS on: export RAFTDB_CACERT=${t.caFile} RAFTDB_CERT=${t.certFile} RAFTDB_KEY=${t.keyFile} (or --cacert/--cert/--key)\n`);
    }
    const leader = await cluster.waitForLeader(DEV_LEADER_WAIT_MS, () => signals.isStopped);
    if (leader) io.out(`raftdb dev cluster ready: ${count} nodes, leader ${leader.id}\n`);
    else if (!signals.isStopped) io.err(`raftdb dev: no leader after ${DEV_LEADER_WAIT_MS / 1000}s; nodes keep running\n`);
    await signals.stopped;
  } finally {
    signals.dispose();
    if (cluster) await stopCluster(cluster);
  }
}

/** Restores every node's data directory from the backup; returns the new cluster's id. */
async function restoreDev(io: CliIo, f: DevFlags, ids: string[], ports: number[]): Promise<string> {
  const initialCluster = new Map(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  const keys = await loadKeys(f.keyFile);
  let clusterId = '';
  for (const id of ids) {
    const r = await restoreDataDir({ from: f.restoreFrom!, dataDir: join(f.dir, id), name: id, initialCluster, keys });
    clusterId = r.clusterId;
    io.out(`restored ${id}: revision ${r.manifest.revision} of ${r.manifest.clusterId}, ${r.keys} keys, HashKV ${r.hashKv}\n`);
  }
  io.out(`new cluster ${clusterId}\n`);
  return clusterId;
}

/** The dev cluster's certificates: made once by certs init, reused on the next start. */
async function devCertificates(dir: string, ids: string[]): Promise<string> {
  const { initCertificates } = await import('../tls/generate.js');
  try {
    await initCertificates(dir, { nodes: ids, keepExisting: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (raftdb dev --tls keeps its certificates in ${dir})`);
  }
  return dir;
}

/** Stops the nodes (a second signal kills them at once); exit 1 if some had to be killed. */
async function stopCluster(cluster: LocalCluster): Promise<void> {
  const second = (): void => cluster.killAll();
  process.once('SIGINT', second);
  process.once('SIGTERM', second);
  try {
    const killed = await cluster.stop(CLOSE_TIMEOUT_MS);
    if (killed.length > 0) throw new CliFailure(`node(s) ${killed.join(', ')} did not stop within ${CLOSE_TIMEOUT_MS / 1000}s and were killed`);
  } finally {
    process.off('SIGINT', second);
    process.off('SIGTERM', second);
  }
}
