// A cluster of real `raftdb serve` processes on 127.0.0.1, for what an in-process cluster cannot
// show: kill -9, SIGSTOP (a hung process), SIGTERM, restarts from the data directory, and a node
// joining with --join. Each node's stdout and stderr go to <dir>/<id>.log; failing tests print
// the tails (logTailsOnFailure). close() kills everything and removes the directory, always.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';
import { connect, type ConnectOptions, type NodeStatus, type RaftdbClient } from '../../src/client/index.js';
import { initCertificates } from '../../src/tls/generate.js';
import { nodePorts } from './fixtures/ports.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The compiled CLI: `npm test` builds it first (pretest). */
export const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** Bound on waiting for a process to exit after SIGTERM (the node itself gives up after 30 s). */
const STOP_WAIT_MS = 40_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Starts of a whole cluster, and restarts of one node, tried when a port was taken. */
const START_ATTEMPTS = 3;
const RESPAWN_ATTEMPTS = 5;
/** How long a restarted node is watched for an early EADDRINUSE exit, unless it answers first. */
const BIND_GRACE_MS = 3000;

/** Failover flags of `raftdb serve`; only passed when the binary has them (see serveFlags()). */
export interface FailoverFlags {
  preferredLeader?: string;
  autoFailback?: boolean;
  failbackDelayMs?: number;
}

export interface ProcessClusterOptions extends FailoverFlags {
  nodes: number;
  /** --priority per node id (default 1). */
  priority?: Record<string, number>;
  /** --snapshot-entries, when the binary has it. */
  snapshotEntries?: number;
  logLevel?: string;
  /**
   * TLS everywhere: certificates from `raftdb certs init` in <dir>/certs for every node (and for
   * `extraNames`, e.g. nodes added later or an intruder), mutual TLS between peers, HTTPS.
   */
  tls?: { clientCertAuth?: boolean; extraNames?: string[] };
  /** --cluster-id of every node (default proc-test); null passes none (a restored node reads its own). */
  clusterId?: string | null;
  /**
   * Runs once the nodes' addresses and data directories are chosen and before any is started,
   * e.g. to restore each data directory from a backup for these addresses.
   */
  beforeStart?: (nodes: { id: string; address: string; dataDir: string }[]) => Promise<void>;
  /** More serve flags for node `id` (e.g. --audit-log, a shared --archive-dir), given the cluster's directory. */
  nodeArgs?: (id: string, dir: string) => string[];
  /** More `raftdb serve` flags for every node, e.g. ['--quota-backend-bytes', '4194304']. */
  extraArgs?: string[];
  /** Environment variables added to node `id`'s process (`dir`: the cluster's directory); see also setEnv. */
  env?: (id: string, dir: string) => Record<string, string>;
}

/** One node process and how to start it again. */
export interface NodeProcess {
  readonly id: string;
  readonly address: string;
  readonly http: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly args: string[];
  child: ChildProcess | null;
  exited: Promise<number | null> | null;
  stopped: boolean;
}

let cachedFlags: Promise<Set<string>> | null = null;

/** The long flags `raftdb serve --help` lists, so tests can use flags that exist and say which do not. */
export function serveFlags(): Promise<Set<string>> {
  cachedFlags ??= promisify(execFile)(process.execPath, [MAIN, 'serve', '--help']).then(
    ({ stdout }) => new Set(stdout.match(/--[a-z][a-z-]*/g) ?? []),
  );
  return cachedFlags;
}

/** A live node's status, or null if it does not answer within `timeoutMs`. */
async function statusOf(client: RaftdbClient, endpoint: string, timeoutMs = 1000): Promise<NodeStatus | null> {
  return client.cluster.status({ endpoint, timeoutMs }).catch(() => null);
}

/** Every live process is killed when the test process exits, whatever happened. */
const allChildren = new Set<ChildProcess>();
process.once('exit', () => allChildren.forEach((c) => c.kill('SIGKILL')));

export class ProcessCluster {
  readonly nodes = new Map<string, NodeProcess>();
  private readonly clients: RaftdbClient[] = [];
  private readonly probe: RaftdbClient;
  private readonly flags: Set<string>;
  private closed = false;

  /** Environment added per node for its next starts (setEnv). */
  private readonly nodeEnv = new Map<string, Record<string, string>>();

  private constructor(
    readonly dir: string,
    private readonly opts: ProcessClusterOptions,
    flags: Set<string>,
    peers: Map<string, string>,
  ) {
    this.flags = flags;
    this.probe = connect({ endpoints: [...peers.values()], timeoutMs: 1000, retry: { maxAttempts: 1 }, ...this.tlsOption() });
  }

  /** Where `raftdb certs init` wrote this cluster's certificates (with opts.tls). */
  get certsDir(): string {
    return join(this.dir, 'certs');
  }

  /** The client TLS options for this cluster (CA, and the root client certificate). */
  tlsOption(): Pick<ConnectOptions, 'tls'> {
    if (!this.opts.tls) return {};
    const d = this.certsDir;
    return { tls: { caFile: join(d, 'ca.crt'), certFile: join(d, 'client.crt'), keyFile: join(d, 'client.key') } };
  }

  /** serve's TLS flags for node `id`. */
  private tlsArgs(id: string): string[] {
    if (!this.opts.tls) return [];
    const d = this.certsDir;
    const [crt, key, ca] = [join(d, `${id}.crt`), join(d, `${id}.key`), join(d, 'ca.crt')];
    const args = ['--cert-file', crt, '--key-file', key, '--trusted-ca-file', ca, '--peer-cert-file', crt, '--peer-key-file', key, '--peer-trusted-ca-file', ca];
    if (this.opts.tls.clientCertAuth) args.push('--client-cert-auth');
    return [...args, '--http-cert-file', crt, '--http-key-file', key];
  }

  /**
   * Starts `nodes` processes (n1..nN) and waits until they agree on a leader. A start that lost a
   * port to another process in the meantime (EADDRINUSE) is retried on other ports.
   */
  static async start(opts: ProcessClusterOptions): Promise<ProcessCluster> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does it first)`);
    for (let attempt = 1; ; attempt++) {
      const c = await ProcessCluster.launch(opts);
      try {
        const t0 = Date.now();
        const leader = await c.leader(60_000);
        for (const id of c.nodes.keys()) await c.ready(id);
        console.log(`[cluster] ${opts.nodes} processes up, leader ${leader.id} after ${Date.now() - t0} ms (${c.dir})`);
        return c;
      } catch (err) {
        const clash = [...c.nodes.keys()].some((id) => c.portClash(id));
        if (!clash || attempt >= START_ATTEMPTS) c.printLogTails();
        await c.close();
        if (!clash || attempt >= START_ATTEMPTS) throw err;
        console.log(`[cluster] a port was taken before a node bound it; starting again on other ports`);
      }
    }
  }

  private static async launch(opts: ProcessClusterOptions): Promise<ProcessCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'raftdb-proc-'));
    const ports = await nodePorts(opts.nodes * 2);
    const peers = new Map(Array.from({ length: opts.nodes }, (_, i) => [`n${i + 1}`, `127.0.0.1:${ports[i]}`]));
    if (opts.tls) await initCertificates(join(dir, 'certs'), { nodes: [...peers.keys(), ...(opts.tls.extraNames ?? [])] });
    const c = new ProcessCluster(dir, opts, await serveFlags(), peers);
    const peerList = [...peers].map(([id, a]) => `${id}=${a}`).join(',');
    for (const [i, [id, address]] of [...peers].entries()) c.define(id, address, `127.0.0.1:${ports[opts.nodes + i]}`, peerList, false, opts.priority?.[id] ?? 1);
    try {
      await opts.beforeStart?.([...c.nodes.values()].map((n) => ({ id: n.id, address: n.address, dataDir: n.dataDir })));
    } catch (err) {
      await c.close();
      throw err;
    }
    for (const id of peers.keys()) c.spawn(id);
    return c;
  }

  /** Whether the node's last run died because its port was taken. */
  private portClash(id: string): boolean {
    const n = this.node(id);
    if (n.child) return false;
    const log = existsSync(n.logFile) ? readFileSync(n.logFile, 'utf8') : '';
    return log.slice(log.lastIndexOf('---- ')).includes('EADDRINUSE');
  }

  /** Whether `raftdb serve` accepts `flag` (e.g. '--preferred-leader'). */
  hasFlag(flag: string): boolean {
    return this.flags.has(flag);
  }

  private define(id: string, address: string, http: string, peers: string, joining: boolean, priority: number): NodeProcess {
    const dataDir = join(this.dir, id);
    const args = ['serve', '--id', id, '--listen', address, '--http', http, '--peers', peers, '--data-dir', dataDir];
    const clusterId = this.opts.clusterId === undefined ? 'proc-test' : this.opts.clusterId;
    args.push('--priority', String(priority), ...(clusterId === null ? [] : ['--cluster-id', clusterId]), '--log-level', this.opts.logLevel ?? 'info');
    if (joining) args.push('--join');
    args.push(...this.tlsArgs(id));
    const o = this.opts;
    if (o.nodeArgs) args.push(...o.nodeArgs(id, this.dir));
    if (o.preferredLeader && this.flags.has('--preferred-leader')) args.push('--preferred-leader', o.preferredLeader);
    if (o.autoFailback && this.flags.has('--auto-failback')) args.push('--auto-failback');
    if (o.failbackDelayMs !== undefined && this.flags.has('--failback-delay-ms')) args.push('--failback-delay-ms', String(o.failbackDelayMs));
    if (o.snapshotEntries !== undefined && this.flags.has('--snapshot-entries')) args.push('--snapshot-entries', String(o.snapshotEntries));
    args.push(...(o.extraArgs ?? []));
    const node: NodeProcess = { id, address, http, dataDir, logFile: join(this.dir, `${id}.log`), args, child: null, exited: null, stopped: false };
    this.nodes.set(id, node);
    return node;
  }

  private node(id: string): NodeProcess {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private spawn(id: string): void {
    const n = this.node(id);
    if (n.child) throw new Error(`${id} is already running (pid ${n.child.pid})`);
    const fd = openSync(n.logFile, 'a');
    writeSync(fd, `---- ${new Date().toISOString()} start ${id}\n`);
    const env = { ...process.env, ...(this.nodeEnv.get(id) ?? this.opts.env?.(id, this.dir)) };
    const child = spawn(process.execPath, [MAIN, ...n.args], { cwd: ROOT, stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    allChildren.add(child);
    n.child = child;
    n.stopped = false;
    n.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        allChildren.delete(child);
        if (n.child === child) n.child = null;
        resolve(code ?? (signal ? -1 : null));
      }),
    );
  }

  /** Environment variables for the next starts of `id` (replacing what it had; {} for none). */
  setEnv(id: string, env: Record<string, string>): void {
    this.nodeEnv.set(id, env);
  }

  /** Resolves with the exit code of the current run of `id` once it exits (-1: killed by a signal). */
  exited(id: string): Promise<number | null> {
    return this.node(id).exited ?? Promise.resolve(null);
  }

  /** gRPC addresses: of the given nodes, or of every defined node. */
  endpoints(ids?: string[]): string[] {
    return (ids ?? [...this.nodes.keys()]).map((id) => this.node(id).address);
  }

  /** Ids of nodes whose process runs and is not stopped. */
  live(): string[] {
    return [...this.nodes.values()].filter((n) => n.child && !n.stopped).map((n) => n.id);
  }

  /** The pid of a running node (to check it did not restart). */
  pid(id: string): number | undefined {
    return this.node(id).child?.pid;
  }

  /** A client of the given nodes (default: all); closed by close(). */
  client(opts: Partial<ConnectOptions> = {}): RaftdbClient {
    const c = connect({ endpoints: this.endpoints(), timeoutMs: 5000, ...this.tlsOption(), ...opts });
    this.clients.push(c);
    return c;
  }

  /** The HTTP address (/metrics, /healthz) of node `id`. */
  httpOf(id: string): string {
    return this.node(id).http;
  }

  /** Status of one node, or null when it does not answer in time. */
  async status(id: string, timeoutMs = 1000): Promise<NodeStatus | null> {
    const s = await statusOf(this.probe, this.node(id).address, timeoutMs);
    // Whoever else might answer on a reused port is not this node.
    return s?.id === id ? s : null;
  }

  /**
   * Waits until a live node leads and a majority of the live nodes follow it in its term
   * (`exclude`: a leader that does not count, e.g. one being deposed).
   */
  async leader(timeoutMs = 15_000, exclude: string[] = []): Promise<NodeStatus> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const live = this.live();
      const rows = (await Promise.all(live.map((id) => this.status(id)))).filter((s): s is NodeStatus => s !== null);
      const lead = rows.find((s) => s.role === 'leader' && !exclude.includes(s.id));
      if (lead && rows.filter((s) => s.leader === lead.id && s.term === lead.term).length * 2 > live.length) return lead;
      if (Date.now() >= until) throw new Error(`no leader among ${live.join(',')} within ${timeoutMs} ms: ${rows.map((s) => `${s.id}:${s.role}/t${s.term}/l=${s.leader}`).join(' ')}`);
      await sleep(50);
    }
  }

  /** Waits until `id` answers Status and knows a leader. */
  async ready(id: string, timeoutMs = 30_000): Promise<NodeStatus> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.node(id).child) throw new Error(`${id} exited: ${this.logTail(id, 5)}`);
      const s = await this.status(id);
      if (s?.leader) return s;
      if (Date.now() >= until) throw new Error(`${id} not ready within ${timeoutMs} ms (last status: ${JSON.stringify(s)})`);
      await sleep(50);
    }
  }

  /** SIGKILL: the process dies at once, with whatever it had not fsynced. */
  async kill9(id: string): Promise<void> {
    const n = this.node(id);
    if (!n.child) return;
    n.child.kill('SIGKILL');
    await n.exited;
    n.stopped = false;
  }

  /** SIGSTOP: the process hangs, its sockets stay open (a GC pause or a frozen VM). */
  sigstop(id: string): void {
    const n = this.node(id);
    n.child?.kill('SIGSTOP');
    n.stopped = true;
  }

  sigcont(id: string): void {
    const n = this.node(id);
    n.child?.kill('SIGCONT');
    n.stopped = false;
  }

  /** SIGTERM and wait for a graceful exit; returns the exit code. */
  async sigterm(id: string): Promise<number | null> {
    const n = this.node(id);
    if (!n.child) return null;
    if (n.stopped) this.sigcont(id);
    n.child.kill('SIGTERM');
    const code = await Promise.race([n.exited, sleep(STOP_WAIT_MS).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      await this.kill9(id);
      throw new Error(`${id} did not exit within ${STOP_WAIT_MS} ms of SIGTERM`);
    }
    return code;
  }

  /**
   * Starts a killed or stopped node again on the same ports and data directory and waits until it
   * knows a leader. Its port may be held for a moment by another process's connection: retried.
   */
  async restart(id: string, opts: { wait?: boolean } = {}): Promise<void> {
    await this.spawnKeepingPorts(id);
    if (opts.wait !== false) await this.ready(id);
  }

  /** Spawns `id` and gives it a moment to bind; a run that dies with EADDRINUSE is repeated. */
  private async spawnKeepingPorts(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.spawn(id);
      const until = Date.now() + BIND_GRACE_MS;
      while (this.node(id).child && Date.now() < until && !(await this.status(id, 300))) await sleep(50);
      if (!this.portClash(id) || attempt >= RESPAWN_ATTEMPTS) return;
      console.log(`[cluster] ${id}: port taken (EADDRINUSE), starting it again`);
      await sleep(500);
    }
  }

  /**
   * Starts a new node with --join, its peers being the cluster and itself; waits until it
   * answers Status (it knows no leader until the cluster adds it: see MemberAdd).
   */
  async addNode(id: string, opts: { join: true; priority?: number }): Promise<NodeProcess> {
    const [grpcPort, httpPort] = await nodePorts(2);
    const address = `127.0.0.1:${grpcPort}`;
    const peers = [...[...this.nodes.values()].map((n) => `${n.id}=${n.address}`), `${id}=${address}`].join(',');
    const n = this.define(id, address, `127.0.0.1:${httpPort}`, peers, opts.join, opts.priority ?? 1);
    await this.spawnKeepingPorts(id);
    const until = Date.now() + 30_000;
    while (!(await this.status(id))) {
      if (!n.child) throw new Error(`${id} exited: ${this.logTail(id, 5)}`);
      if (Date.now() >= until) throw new Error(`${id} did not start within 30 s`);
      await sleep(50);
    }
    return n;
  }

  /** The last `lines` lines of a node's log. */
  logTail(id: string, lines = 30): string {
    const n = this.node(id);
    if (!existsSync(n.logFile)) return '';
    return readFileSync(n.logFile, 'utf8').split('\n').slice(-lines - 1).join('\n');
  }

  /** Warnings and errors (pino level >= 40) anywhere in a node's log, at most `max`. */
  logWarnings(id: string, max = 20): string[] {
    const n = this.node(id);
    if (!existsSync(n.logFile)) return [];
    return readFileSync(n.logFile, 'utf8')
      .split('\n')
      .filter((l) => /^\{"level":(4|5|6)\d/.test(l))
      .slice(-max);
  }

  printLogTails(lines = 30): void {
    for (const id of this.nodes.keys()) {
      const warnings = this.logWarnings(id);
      const w = warnings.length > 0 ? `\n---- ${id} warnings and errors (last ${warnings.length})\n${warnings.join('\n')}` : '';
      console.log(`==== ${id} log tail (${this.node(id).logFile})\n${this.logTail(id, lines)}${w}`);
    }
  }

  /** Kills every process and removes the directory (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients) c.close();
    this.probe.close();
    await Promise.all([...this.nodes.keys()].map((id) => this.kill9(id)));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Prints every node's log tail after a failed test (register once per file, next to afterAll). */
export function logTailsOnFailure(cluster: () => ProcessCluster | undefined): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') cluster()?.printLogTails();
  });
}
