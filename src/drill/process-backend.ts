// The process backend: N `raftdb serve` processes on 127.0.0.1, each dialing its peers through
// its own CONNECT proxy (link-proxy.ts) so that links can be cut. kill = SIGKILL, pause =
// SIGSTOP/SIGCONT. Logs go to <dir>/<id>.log; close() removes the directory unless `keepDir`.
// Plaintext by default; with `secure`, TLS everywhere and auth on (security.ts) — the peer links
// still go through the proxy, TLS end to end inside its CONNECT tunnels.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, freePorts } from '../cluster/local-cluster.js';
import { type BackendOptions, type DrillCluster, type NetemSpec, type NodeExit, netemArgs, waitFor } from './backend.js';
import { LinkProxy } from './link-proxy.js';
import { ClusterProbe } from './probe.js';
import { DrillSecurity, type ClientAccess } from './security.js';
import { EXIT_REMOVED } from '../common/exit-codes.js';

/** Options of the process backend. */
export interface ProcessBackendOptions extends BackendOptions {
  /** The compiled CLI (default: dist/src/cli/main.js of this package). */
  mainPath?: string;
  /** Keep the data directory and logs after close() (for a failed drill). */
  keepDir?: boolean;
}

const START_TIMEOUT_MS = 30_000;
const LEADER_TIMEOUT_MS = 60_000;
/** Never matches, so a no_proxy in the caller's environment cannot bypass the link proxy. */
const NO_PROXY_NONE = 'drill.invalid';

interface NodeProc {
  id: string;
  address: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  /** Set while the drill itself stops the process (kill, removal, close): not a crash. */
  stopping: boolean;
}

/** Every node process dies with the drill, whatever happened. */
const allChildren = new Set<ChildProcess>();
process.once('exit', () => allChildren.forEach((c) => c.kill('SIGKILL')));

/** The compiled CLI next to this module (dist/) or, when run from sources, in dist/. */
function defaultMain(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'cli', 'main.js'), join(here, '..', '..', 'dist', 'src', 'cli', 'main.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`raftdb CLI not found (looked for ${candidates.join(', ')}): run \`npm run build\``);
  return found;
}

/** A cluster of node processes with proxied peer links. */
export class ProcessCluster implements DrillCluster {
  readonly kind = 'process';
  readonly addressMap = new Map<string, string>();
  readonly access: ClientAccess | null;
  private readonly procs = new Map<string, NodeProc>();
  private readonly proxy = new LinkProxy();
  private readonly probe: ClusterProbe;
  private nextId: number;
  private closed = false;
  /** Exits seen by the exit handler and not yet reported (their logs are read when reported). */
  private readonly crashes: Omit<NodeExit, 'logs'>[] = [];
  private readonly exits: NodeExit[] = [];

  private constructor(
    readonly dir: string,
    private readonly main: string,
    private readonly opts: ProcessBackendOptions,
    private readonly security: DrillSecurity | null,
  ) {
    this.nextId = opts.nodes + 1;
    this.access = security?.access ?? null;
    this.probe = new ClusterProbe(['127.0.0.1:1'], this.access);
  }

  /** Starts `nodes` processes and waits for a stable leader. */
  static async start(opts: ProcessBackendOptions): Promise<ProcessCluster> {
    const main = opts.mainPath ?? defaultMain();
    const dir = await mkdtemp(join(tmpdir(), 'raftdb-drill-'));
    const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    const security = opts.secure === true ? await DrillSecurity.create(ids) : null;
    const c = new ProcessCluster(dir, main, opts, security);
    try {
      const ports = await freePorts(opts.nodes * 2);
      const peers = Array.from({ length: opts.nodes }, (_, i) => [`n${i + 1}`, `127.0.0.1:${ports[i]}`] as const);
      const peerList = peers.map(([id, a]) => `${id}=${a}`).join(',');
      for (const [i, [id, address]] of peers.entries()) {
        await c.define(id, address, ports[opts.nodes + i]!, peerList, false);
      }
      for (const id of c.procs.keys()) c.spawn(id);
      await c.probe.stableLeader(c.endpoints(), LEADER_TIMEOUT_MS);
      if (security) {
        await security.enableAuth(c.endpoints(), c.addressMap);
        await c.probe.caughtUp(c.endpoints(), LEADER_TIMEOUT_MS);
      }
      return c;
    } catch (err) {
      await c.close();
      throw err;
    }
  }

  private async define(id: string, address: string, httpPort: number, peers: string, join_: boolean): Promise<void> {
    const proxyUrl = await this.proxy.addSource(id);
    this.proxy.setAddress(id, address);
    this.addressMap.set(address, address);
    const args = ['serve', '--id', id, '--listen', address, '--http', `127.0.0.1:${httpPort}`, '--peers', peers];
    args.push('--data-dir', join(this.dir, id), '--cluster-id', 'drill', '--log-level', this.opts.logLevel ?? 'warn');
    if (join_) args.push('--join');
    const env = { ...childEnv(), ...(this.security?.nodeEnv(id) ?? {}), ...this.opts.env, grpc_proxy: proxyUrl, no_grpc_proxy: NO_PROXY_NONE };
    this.procs.set(id, { id, address, args, env, logFile: join(this.dir, `${id}.log`), child: null, exited: Promise.resolve(), stopping: false });
  }

  private proc(id: string): NodeProc {
    const p = this.procs.get(id);
    if (!p) throw new Error(`no node ${id} (nodes: ${[...this.procs.keys()].join(', ')})`);
    return p;
  }

  private spawn(id: string): void {
    const p = this.proc(id);
    if (p.child) throw new Error(`${id} is already running (pid ${p.child.pid})`);
    const fd = openSync(p.logFile, 'a');
    writeSync(fd, `---- ${new Date().toISOString()} start ${id}\n`);
    const child = spawn(process.execPath, [this.main, ...p.args], { stdio: ['ignore', fd, fd], env: p.env });
    closeSync(fd);
    allChildren.add(child);
    p.child = child;
    p.stopping = false;
    p.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        allChildren.delete(child);
        if (p.child === child) p.child = null;
        if (!p.stopping && !this.closed) this.crashes.push({ id, status: signal ? `signal ${signal}` : `exit code ${code}` });
        resolve();
      }),
    );
  }

  /** The OS process id of a running node (for crashing it from outside the drill). */
  pidOf(id: string): number | undefined {
    return this.proc(id).child?.pid;
  }

  nodes(): string[] {
    return [...this.procs.keys()];
  }

  endpoints(): string[] {
    return this.nodes().map((id) => this.proc(id).address);
  }

  endpoint(id: string): string {
    return this.proc(id).address;
  }

  peerAddress(id: string): string {
    return this.proc(id).address;
  }

  async kill(id: string): Promise<void> {
    const p = this.proc(id);
    if (!p.child) return;
    p.stopping = true;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async restart(id: string): Promise<void> {
    if (this.proc(id).child) return;
    this.spawn(id);
    const endpoint = this.endpoint(id);
    await waitFor(`${id} answering after restart`, START_TIMEOUT_MS, async () => (await this.probe.status(endpoint, 500)) !== null);
  }

  async pause(id: string): Promise<void> {
    this.proc(id).child?.kill('SIGSTOP');
  }

  async resume(id: string): Promise<void> {
    this.proc(id).child?.kill('SIGCONT');
  }

  async isolate(id: string): Promise<void> {
    await this.partition([id], this.nodes().filter((x) => x !== id));
  }

  async partition(a: readonly string[], b: readonly string[]): Promise<void> {
    for (const x of a) {
      for (const y of b) {
        this.proxy.cut(x, y);
        this.proxy.cut(y, x);
      }
    }
  }

  async oneWay(from: string, to: string): Promise<void> {
    this.proxy.cut(from, to);
  }

  async heal(): Promise<void> {
    this.proxy.heal();
  }

  async netem(id: string, spec: NetemSpec): Promise<string> {
    this.proxy.setNetem(id, spec);
    return `${netemArgs(spec)} (proxy: loss as +200 ms retransmission delay)`;
  }

  async clearNetem(id: string): Promise<void> {
    this.proxy.clearNetem(id);
  }

  async restartAll(): Promise<void> {
    await Promise.all(this.nodes().map((id) => this.kill(id)));
    await Promise.all(this.nodes().map((id) => this.restart(id)));
  }

  async addNode(): Promise<string> {
    const id = `n${this.nextId++}`;
    const [grpcPort, httpPort] = await freePorts(2);
    const address = `127.0.0.1:${grpcPort}`;
    const peers = [...this.nodes().map((n) => `${n}=${this.proc(n).address}`), `${id}=${address}`].join(',');
    await this.security?.addNode(id);
    await this.define(id, address, httpPort!, peers, true);
    await this.restart(id);
    return id;
  }

  async removeNode(id: string): Promise<void> {
    await this.kill(id);
    this.procs.delete(id);
    // A removed member exits on its own (EXIT_REMOVED) once it learns of its removal, often
    // before this kill: that exit is the product working, not a finding. Any other exit stays.
    const removedExit = `exit code ${EXIT_REMOVED}`;
    for (let i = this.crashes.length - 1; i >= 0; i--) {
      if (this.crashes[i]!.id === id && this.crashes[i]!.status === removedExit) this.crashes.splice(i, 1);
    }
  }

  async unexpectedExits(): Promise<NodeExit[]> {
    for (const c of this.crashes.splice(0)) {
      this.exits.push({ ...c, logs: await this.logTail(c.id, 30) });
      process.stderr.write(`raftdb drill: UNEXPECTED EXIT of ${c.id} (${c.status})\n`);
      if (this.procs.has(c.id)) await this.restart(c.id);
    }
    return [...this.exits];
  }

  async logTail(id: string, lines = 30): Promise<string> {
    const file = join(this.dir, `${id}.log`);
    if (!existsSync(file)) return '';
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.probe.close();
    await Promise.all([...this.procs.keys()].map((id) => this.kill(id)));
    await this.proxy.close();
    if (!this.opts.keepDir) await rm(this.dir, { recursive: true, force: true });
    await this.security?.remove();
  }
}
