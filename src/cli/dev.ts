// `raftdb dev`: a local cluster on 127.0.0.1, one node process per node (so the cluster uses
// every core and a node can be killed on its own), with data under --dir that survives restarts.
import { unlink } from 'node:fs/promises';
import type { Server } from 'node:net';
import { Argument, type Command, Option } from 'commander';
import { type CliIo, CliFailure, UsageError, positiveInt } from './common.js';
import { dirname, join } from 'node:path';
import { restoreDataDir } from '../backup/index.js';
import { readClusterId } from '../server/index.js';
import { loadKeys } from './backup.js';
import { DEV_CTL_OPS, type DevCtlOp, devCtl, devSocketPath, serveDevControl } from './dev-control.js';
import { LocalCluster, clientTlsFrom } from '../cluster/local-cluster.js';
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
  dev
    .command('ctl')
    .description('stop, start or kill one node of the running dev cluster (from another terminal)')
    .addArgument(new Argument('<op>', 'stop (SIGTERM), start, or kill (SIGKILL)').choices(DEV_CTL_OPS))
    .argument('<node>', 'node id, e.g. n2')
    // --dir is dev's own option (commander hands it to the parent wherever it stands): the
    // running dev's data directory, where its control socket is.
    .action(async (op: DevCtlOp, node: string, _o: unknown, cmd: Command) => {
      const dir = cmd.parent?.opts<{ dir: string }>().dir ?? './data';
      io.out(`${await devCtl(dir, op, node)}\n`);
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
  let control: Server | undefined;
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
    // Without its control socket (another dev on this directory, a path too long for a Unix
    // socket) the cluster still runs; only dev ctl is unavailable, and dev says so.
    control = await serveDevControl(f.dir, cluster, (line) => io.out(`${line}\n`)).catch((err: Error) => {
      io.err(`raftdb dev: no control socket, raftdb dev ctl will not work: ${err.message}\n`);
      return undefined;
    });
    if (control) io.out(`control: raftdb dev ctl stop|start|kill <node> --dir ${f.dir}  (socket ${devSocketPath(f.dir)})\n`);
    const leader = await cluster.waitForLeader(DEV_LEADER_WAIT_MS, () => signals.isStopped);
    if (leader) io.out(`raftdb dev cluster ready: ${count} nodes, leader ${leader.id}\n`);
    else if (!signals.isStopped) io.err(`raftdb dev: no leader after ${DEV_LEADER_WAIT_MS / 1000}s; nodes keep running\n`);
    await signals.stopped;
  } finally {
    signals.dispose();
    if (control) {
      control.close();
      await unlink(devSocketPath(f.dir)).catch(() => undefined);
    }
    if (cluster) await stopCluster(cluster, io);
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
async function stopCluster(cluster: LocalCluster, io: CliIo): Promise<void> {
  const second = (): void => {
    io.err('raftdb dev: killing every node now (SIGKILL)\n');
    cluster.killAll();
  };
  process.once('SIGINT', second);
  process.once('SIGTERM', second);
  const running = cluster.nodes.filter((n) => n.child).map((n) => n.id);
  // Say what happens, since a clean stop (handover, storage closed) can take a few seconds.
  io.err(`raftdb dev: stopping ${running.join(', ') || 'no running node'} (SIGTERM: clean stop; Ctrl-C again kills them)\n`);
  try {
    const killed = await cluster.stop(CLOSE_TIMEOUT_MS);
    if (killed.length > 0) throw new CliFailure(`node(s) ${killed.join(', ')} did not stop within ${CLOSE_TIMEOUT_MS / 1000}s and were killed`);
    io.err(`raftdb dev: every node stopped; data kept in ${cluster.nodes[0] ? dirname(cluster.nodes[0].dataDir) : '.'} (run raftdb dev again to resume)\n`);
  } finally {
    process.off('SIGINT', second);
    process.off('SIGTERM', second);
  }
}
