// Verbs that run nodes in this process: `dev` (a local cluster) and `serve` (one node, for
// containers and real deployments). Both stop cleanly on SIGINT/SIGTERM and exit 0.
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { connect } from '../client/index.js';
import { isEndpoint } from '../client/errors.js';
import { type NodeOptions, type RunningNode, startNode } from '../server/index.js';
import { type CliIo, CliFailure, UsageError, positiveInt } from './common.js';

/** How long `dev` waits for a leader before saying so (the nodes keep running). */
const DEV_LEADER_WAIT_MS = 60_000;
/** How long stopping may take; the WAL is durable, so giving up then loses nothing acknowledged. */
const CLOSE_TIMEOUT_MS = 30_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Registers dev and serve. */
export function registerNodeCommands(program: Command, io: CliIo): void {
  program
    .command('dev')
    .description('run a local cluster in this process (data survives restarts)')
    .addOption(new Option('--nodes <n>', 'number of nodes').choices(['3', '5']).default('3'))
    .option('--dir <dir>', 'data directory (one subdirectory per node)', './data')
    .option('--base-port <port>', 'gRPC port of n1; n2 gets the next one, ...', port, 7001)
    .option('--http-base-port <port>', 'HTTP port of n1', port, 9101)
    .addOption(new Option('--log-level <level>', 'node log level (JSON lines on stdout)').choices(LOG_LEVELS).default('warn'))
    .action(async (opts: { nodes: string; dir: string; basePort: number; httpBasePort: number; logLevel: string }) => {
      await runDev(io, { ...opts, nodes: Number(opts.nodes) });
    });

  const env = io.env;
  program
    .command('serve')
    .description('run one node (flags or RAFTDB_* environment variables)')
    .option('--id <id>', 'node id (RAFTDB_ID)', env.RAFTDB_ID)
    .option('--listen <host:port>', 'gRPC address (RAFTDB_LISTEN)', env.RAFTDB_LISTEN)
    .option('--advertise <host:port>', 'address peers and clients use, if not --listen (RAFTDB_ADVERTISE)', env.RAFTDB_ADVERTISE)
    .option('--http <host:port>', 'HTTP address for metrics and dashboard, "none" for none (RAFTDB_HTTP)', env.RAFTDB_HTTP)
    .option('--peers <list>', 'founding members id=host:port,... (RAFTDB_PEERS; default: this node alone)', env.RAFTDB_PEERS)
    .option('--data-dir <dir>', 'data directory (RAFTDB_DATA_DIR)', env.RAFTDB_DATA_DIR)
    .option('--join', 'join an existing cluster instead of founding one (RAFTDB_JOIN)', isTrue(env.RAFTDB_JOIN))
    .option('--priority <n>', 'leadership priority; 0 never leads (RAFTDB_PRIORITY)', nonNegativeInt, env.RAFTDB_PRIORITY ? nonNegativeInt(env.RAFTDB_PRIORITY) : 1)
    .option('--cluster-id <id>', 'cluster id (RAFTDB_CLUSTER_ID)', env.RAFTDB_CLUSTER_ID ?? 'raftdb')
    .addOption(new Option('--log-level <level>', 'log level (RAFTDB_LOG_LEVEL)').choices(LOG_LEVELS).default(env.RAFTDB_LOG_LEVEL ?? 'info'))
    .action(async (opts: ServeFlags) => {
      const signals = signalWaiter();
      try {
        const node = await startNode(serveOptions(opts));
        io.err(`raftdb: node ${node.id} serving on ${node.address}\n`);
        await signals.stopped;
        await closeWithin([node]);
      } finally {
        signals.dispose();
      }
    });
}

interface ServeFlags {
  id?: string;
  listen?: string;
  advertise?: string;
  http?: string;
  peers?: string;
  dataDir?: string;
  join: boolean;
  priority: number;
  clusterId: string;
  logLevel: string;
}

function port(v: string): number {
  const n = positiveInt(v);
  if (n > 65535) throw new UsageError(`port ${v} is out of range`);
  return n;
}

function nonNegativeInt(v: string): number {
  return v === '0' ? 0 : positiveInt(v);
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());
}

function address(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError(`${flag} is required`);
  if (!isEndpoint(v)) throw new UsageError(`${flag}: "${v}" is not host:port`);
  return v;
}

/** Parses id=host:port,... into a map. */
export function parsePeers(list: string): Map<string, string> {
  const peers = new Map<string, string>();
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, addr, extra] = item.split('=');
    if (!id || !addr || extra !== undefined || !isEndpoint(addr)) throw new UsageError(`--peers: "${item}" is not id=host:port`);
    if (peers.has(id)) throw new UsageError(`--peers: ${id} is listed twice`);
    peers.set(id, addr);
  }
  return peers;
}

/** NodeOptions from serve's flags and environment. */
export function serveOptions(f: ServeFlags): NodeOptions {
  if (!f.id) throw new UsageError('--id (or RAFTDB_ID) is required');
  const listen = address(f.listen, '--listen');
  if (!f.dataDir) throw new UsageError('--data-dir (or RAFTDB_DATA_DIR) is required');
  const self = f.advertise ? address(f.advertise, '--advertise') : listen;
  const peers = f.peers ? parsePeers(f.peers) : new Map([[f.id, self]]);
  if (!f.join && !peers.has(f.id)) throw new UsageError(`--peers must include this node (${f.id})`);
  const http = !f.http || f.http === 'none' ? null : address(f.http, '--http');
  const opts: NodeOptions = { id: f.id, listen, http, peers, dataDir: f.dataDir, join: f.join, priority: f.priority, clusterId: f.clusterId, logLevel: f.logLevel };
  if (f.advertise) opts.advertise = f.advertise;
  return opts;
}

/** Closes the nodes, failing (exit 1) if they take longer than CLOSE_TIMEOUT_MS. */
async function closeWithin(nodes: RunningNode[]): Promise<void> {
  const pending = new Set(nodes.map((n) => n.id));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS)));
  const closed = Promise.allSettled(nodes.map((n) => n.close().finally(() => pending.delete(n.id)))).then(() => false);
  const late = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (late) throw new CliFailure(`node(s) ${[...pending].join(', ')} did not stop within ${CLOSE_TIMEOUT_MS / 1000}s`);
}

/** The first SIGINT or SIGTERM (a second one then ends the process at once), as a promise and a flag; dispose() stops listening. */
function signalWaiter(): { stopped: Promise<void>; readonly isStopped: boolean; dispose(): void } {
  let resolve!: () => void;
  const w = {
    stopped: new Promise<void>((r) => (resolve = r)),
    isStopped: false,
    dispose: (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
    },
  };
  const done = (): void => {
    w.isStopped = true;
    w.dispose();
    resolve();
  };
  process.on('SIGINT', done);
  process.on('SIGTERM', done);
  return w;
}

interface DevFlags {
  nodes: number;
  dir: string;
  basePort: number;
  httpBasePort: number;
  logLevel: string;
}

async function runDev(io: CliIo, f: DevFlags): Promise<void> {
  const ids = Array.from({ length: f.nodes }, (_, i) => `n${i + 1}`);
  const peers = new Map(ids.map((id, i) => [id, `127.0.0.1:${f.basePort + i}`]));
  const running: RunningNode[] = [];
  const signals = signalWaiter();
  try {
    for (const [i, id] of ids.entries()) {
      const http = `127.0.0.1:${f.httpBasePort + i}`;
      running.push(
        await startNode({ id, listen: peers.get(id)!, http, peers, dataDir: join(f.dir, id), join: false, priority: 1, clusterId: 'raftdb-dev', logLevel: f.logLevel }),
      );
      io.out(`${id}  grpc ${peers.get(id)}  http http://${http}  data ${join(f.dir, id)}\n`);
    }
    io.out(`endpoints: ${[...peers.values()].join(',')}\n`);
    const leader = await waitForLeader([...peers.values()], () => signals.isStopped);
    if (leader) io.out(`raftdb dev cluster ready: ${f.nodes} nodes, leader ${leader}\n`);
    else if (!signals.isStopped) io.err(`raftdb dev: no leader after ${DEV_LEADER_WAIT_MS / 1000}s; nodes keep running\n`);
    await signals.stopped;
  } finally {
    signals.dispose();
    await closeWithin(running);
  }
}

/** Polls Status on every node until one is leader; undefined when none is (in time, or before a stop). */
async function waitForLeader(endpoints: string[], isStopped: () => boolean): Promise<string | undefined> {
  const client = connect({ endpoints, timeoutMs: 1000, retry: { maxAttempts: 1 } });
  try {
    const until = Date.now() + DEV_LEADER_WAIT_MS;
    while (Date.now() < until && !isStopped()) {
      const rows = await client.cluster.statusAll();
      const leader = rows.find((r) => r.status?.role === 'leader')?.status;
      if (leader) return leader.id;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  } finally {
    client.close();
  }
}
