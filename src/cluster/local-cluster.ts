// A cluster of node processes on 127.0.0.1, each one `raftdb serve` in its own child process
// (so the nodes use every core, and a node can be killed with SIGKILL and restarted). Used by
// `raftdb dev`, `raftdb bench --start-cluster`, the benchmarks (src/bench) and the drills
// (src/drill); a module of its own so that none of them imports another's code.
//
// Children run in their own process group, so a terminal's Ctrl-C reaches only the parent,
// which forwards one SIGTERM per node (two signals would make a node skip its clean stop). Each
// child also has an IPC channel: it reports "ready" over it, and stops when it closes, so nodes
// never outlive a parent that was killed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { listenPorts } from './listen-ports.js';
import { type ClientTlsOptions, type NodeStatus, connect, leaderOf } from '../client/index.js';

/** How long a node process may take to start serving. */
const START_TIMEOUT_MS = 60_000;
/** stderr lines kept per node, to explain a node that failed to start. */
const KEPT_STDERR_LINES = 20;

/** A local cluster could not start (a node failed or timed out; the CLI is not built). */
export class LocalClusterError extends Error {
  override readonly name = 'LocalClusterError';
}

/** The message a serve child sends over IPC once it is serving. */
export interface ReadyMessage {
  type: 'ready';
  id: string;
  address: string;
}

/**
 * The compiled CLI entry point that node processes run (`raftdb serve`): the built cli/main.js
 * beside this module's folder, or, when this module runs from its TypeScript source (tests), the
 * one in dist/.
 */
export function cliMainPath(): string {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  if (existsSync(main)) return main;
  const built = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new LocalClusterError(`cannot start node processes: ${main} does not exist (run npm run build)`);
}

/** The environment of a child: the parent's without RAFTDB_* (the child gets explicit flags). */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAFTDB_')));
}

/**
 * `count` ports for nodes to listen on, below the ephemeral range (listen-ports.ts): a node
 * restarted on its port must not find it taken by some connection's local end.
 */
export function freePorts(count: number): Promise<number[]> {
  return listenPorts(count);
}

/** How to lay out a local cluster. */
export interface LocalClusterOptions {
  /** Node ids, n1..nN. */
  nodes: number;
  /** Parent data directory; node nK keeps its data in dir/nK. */
  dir: string;
  /** gRPC port of each node, in id order. */
  ports: number[];
  /** HTTP port of each node, or null for no HTTP. */
  httpPorts: number[] | null;
  clusterId: string;
  logLevel: string;
  /** More serve flags for every node (failover tuning). */
  extraArgs?: string[];
  /** Flags for node itself, before the script (e.g. `--cpu-prof` for a benchmark's profile). */
  nodeArgs?: string[];
  /** TLS everywhere with the certificates `raftdb certs init` wrote here (nK.crt, ca.crt, client.crt). */
  certsDir?: string;
  /** Every line a node writes; dropped when absent. */
  onLine?: (id: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** A node process ended while the cluster was not stopping it. */
  onUnexpectedExit?: (id: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** One node of a local cluster. */
export interface LocalNode {
  readonly id: string;
  readonly address: string;
  readonly http: string | null;
  readonly dataDir: string;
  /** The running process; null while the node is down. */
  child: ChildProcess | null;
  exited: Promise<void>;
  /** Set while the cluster stops the node, or before it has started: its exit is no news. */
  expectingExit: boolean;
  stderrTail: string[];
  /** Started with --join: a member only once `raftdb member add` adds it. */
  joining?: boolean;
}

/** A set of serve processes on 127.0.0.1. */
export class LocalCluster {
  readonly nodes: LocalNode[];
  private readonly main = cliMainPath();

  private constructor(private readonly opts: LocalClusterOptions) {
    this.nodes = Array.from({ length: opts.nodes }, (_, i) => ({
      id: `n${i + 1}`,
      address: `127.0.0.1:${opts.ports[i]}`,
      http: opts.httpPorts ? `127.0.0.1:${opts.httpPorts[i]}` : null,
      dataDir: join(opts.dir, `n${i + 1}`),
      child: null,
      exited: Promise.resolve(),
      expectingExit: false,
      stderrTail: [],
    }));
  }

  /** Starts every node and waits until each is serving; on a failure stops the others and throws. */
  static async start(opts: LocalClusterOptions): Promise<LocalCluster> {
    if (opts.ports.length < opts.nodes || (opts.httpPorts && opts.httpPorts.length < opts.nodes)) throw new Error('a port per node is required');
    const c = new LocalCluster(opts);
    const started = await Promise.allSettled(c.nodes.map((n) => c.startNode(n.id)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await c.stop(5000);
      throw failed.reason;
    }
    return c;
  }

  /** host:port of every node. */
  get endpoints(): string[] {
    return this.nodes.map((n) => n.address);
  }

  /** The node with this id. */
  node(id: string): LocalNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Replaces the extra serve flags of every node started from now on (a benchmark's restarts). */
  setExtraArgs(args: string[]): void {
    this.opts.extraArgs = args;
  }

  private serveArgs(n: LocalNode): string[] {
    const peers = this.nodes.map((p) => `${p.id}=${p.address}`).join(',');
    return [
      ...(this.opts.nodeArgs ?? []), this.main, 'serve', '--id', n.id, '--listen', n.address, '--http', n.http ?? 'none', '--peers', peers,
      '--data-dir', n.dataDir, '--cluster-id', this.opts.clusterId, '--log-level', this.opts.logLevel, ...(this.opts.extraArgs ?? []),
      ...(this.opts.certsDir ? nodeTlsArgs(this.opts.certsDir, n.id) : []),
      ...(n.joining ? ['--join'] : []),
    ];
  }

  /**
   * Starts a new node with --join on the given ports, its peers being every node so far and
   * itself; it serves at once and becomes a member once `raftdb member add` adds it. Its data
   * directory is `<dir>/<id>` unless `dataDir` says where.
   */
  async addJoiningNode(id: string, port: number, httpPort: number | null, dataDir?: string): Promise<LocalNode> {
    if (this.nodes.some((n) => n.id === id)) throw new Error(`node ${id} exists`);
    const n: LocalNode = {
      id,
      address: `127.0.0.1:${port}`,
      http: httpPort === null ? null : `127.0.0.1:${httpPort}`,
      dataDir: dataDir ?? join(this.opts.dir, id),
      child: null,
      exited: Promise.resolve(),
      expectingExit: false,
      stderrTail: [],
      joining: true,
    };
    this.nodes.push(n);
    await this.startNode(id);
    return n;
  }

  /** The client TLS options for this cluster (undefined without TLS). */
  get clientTls(): ClientTlsOptions | undefined {
    return this.opts.certsDir ? clientTlsFrom(this.opts.certsDir) : undefined;
  }

  /** Starts (or restarts) one node process and waits until it serves. */
  async startNode(id: string): Promise<void> {
    const n = this.node(id);
    if (n.child) throw new Error(`${id} is already running`);
    const child = spawn(process.execPath, this.serveArgs(n), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true, env: childEnv() });
    n.child = child;
    n.expectingExit = true;
    n.stderrTail = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (line) => {
        if (stream === 'stderr') n.stderrTail = [...n.stderrTail, line].slice(-KEPT_STDERR_LINES);
        this.opts.onLine?.(id, stream, line);
      });
    }
    n.exited = new Promise<void>((resolve) =>
      child.once('close', (code, signal) => {
        n.child = null;
        if (!n.expectingExit) this.opts.onUnexpectedExit?.(id, code, signal);
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (err) reject(err);
        else resolve();
      };
      const fail = (why: string): void => {
        const tail = n.stderrTail.length ? `:\n${n.stderrTail.join('\n')}` : '';
        settle(new LocalClusterError(`node ${id} ${why}${tail}`));
      };
      const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
      const onMessage = (m: unknown): void => {
        if ((m as ReadyMessage | null)?.type !== 'ready') return;
        n.expectingExit = false;
        settle(null);
      };
      child.on('message', onMessage);
      // 'close' comes once the last stderr lines are read.
      child.once('close', (code, signal) => fail(`exited during start (${signal ?? `code ${code}`})`));
    });
  }

  /** Sends `signal` to one node and waits for it to end (SIGKILL: a crash, the failover drill). */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.node(id);
    if (!n.child) return;
    n.expectingExit = true;
    n.child.kill(signal);
    await n.exited;
  }

  /**
   * Stops every node with SIGTERM (a clean stop: leadership handed over, storage closed) and
   * SIGKILLs those still running after `boundMs`. Returns the ids that had to be killed.
   */
  async stop(boundMs: number): Promise<string[]> {
    const running = this.nodes.filter((n) => n.child);
    for (const n of running) {
      n.expectingExit = true;
      n.child!.kill('SIGTERM');
    }
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timer = setTimeout(r, boundMs)));
    await Promise.race([Promise.all(running.map((n) => n.exited)), bound]);
    clearTimeout(timer);
    const late = running.filter((n) => n.child);
    await Promise.all(late.map((n) => this.kill(n.id, 'SIGKILL')));
    return late.map((n) => n.id);
  }

  /** SIGKILLs every node at once (a second Ctrl-C). */
  killAll(): void {
    for (const n of this.nodes) {
      n.expectingExit = true;
      n.child?.kill('SIGKILL');
    }
  }

  /** Polls Status until some node is leader (the one with the highest term); undefined if none in time. */
  waitForLeader(timeoutMs: number, isStopped: () => boolean = () => false): Promise<NodeStatus | undefined> {
    return waitForLeader(this.endpoints, timeoutMs, isStopped, this.clientTls);
  }
}

/** serve's TLS flags for node `id` with `raftdb certs init` files in `dir`: one certificate for every use. */
export function nodeTlsArgs(dir: string, id: string): string[] {
  const [crt, key, ca] = [join(dir, `${id}.crt`), join(dir, `${id}.key`), join(dir, 'ca.crt')];
  return [
    '--cert-file', crt, '--key-file', key, '--trusted-ca-file', ca,
    '--peer-cert-file', crt, '--peer-key-file', key, '--peer-trusted-ca-file', ca,
    '--http-cert-file', crt, '--http-key-file', key,
  ];
}

/** A client's TLS options with `raftdb certs init` files in `dir` (CA and the root client certificate). */
export function clientTlsFrom(dir: string): ClientTlsOptions {
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
}

/** Polls Status on every endpoint until one is leader; undefined when none is in time (or after a stop). */
export async function waitForLeader(
  endpoints: string[],
  timeoutMs: number,
  isStopped: () => boolean = () => false,
  tls?: ClientTlsOptions,
): Promise<NodeStatus | undefined> {
  const client = connect({ endpoints, timeoutMs: 1000, retry: { maxAttempts: 1 }, ...(tls ? { tls } : {}) });
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !isStopped()) {
      const leader = leaderOf((await client.cluster.statusAll()).flatMap((r) => (r.status ? [r.status] : [])));
      if (leader) return leader;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  } finally {
    client.close();
  }
}
