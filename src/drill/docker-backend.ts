// The Docker backend: `raftdb:local` containers on a private network (aliases n1..nN), driven
// through the `docker` CLI so the product needs no container library at run time. Clients reach
// the nodes only on ports published on 127.0.0.1 (chosen once, kept across restarts); peer
// faults are iptables rules and tc netem inside each container's network namespace, set from
// the host with nsenter (netns.ts), which needs root. By default the cluster runs as it would in
// production (security.ts): certificates made on the host and bind-mounted read-only at /certs,
// TLS on every port, mutual TLS between the containers, auth on.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type BackendOptions, type DrillCluster, type NetemSpec, type NodeExit, netemArgs, waitFor } from './backend.js';
import { applyInboundFaults, clearNetem, interfaceOf, NemesisUnsupportedError, setNetem } from './netns.js';
import { ClusterProbe } from './probe.js';
import { DrillSecurity, type ClientAccess } from './security.js';
import { freePorts } from '../cluster/local-cluster.js';

/** Options of the Docker backend. */
export interface DockerBackendOptions extends BackendOptions {
  /** Default raftdb:local (or RAFTDB_IMAGE). */
  image?: string;
}

export const DEFAULT_IMAGE = process.env.RAFTDB_IMAGE ?? 'raftdb:local';
const GRPC_PORT = 7001;
const HTTP_PORT = 9101;
const LABEL = 'raftdb.drill';
const DOCKER_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 60_000;
/** The node's user in the image (deploy/Dockerfile and build-image.sh): it must read its key. */
const CONTAINER_UID = 10001;
/** Where a container sees the drill's certificates (read-only). */
const CERTS_MOUNT = '/certs';
/** What to run when Docker or the image is missing. */
export const DOCKER_SETUP_HINT = 'run scripts/docker-engine.sh && scripts/build-image.sh first';

/** Runs `docker args...`; rejects with its stderr. */
export function docker(args: readonly string[], timeoutMs = DOCKER_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** Why the Docker backend cannot run here, or null when an engine answers and the image exists. */
export async function dockerUnavailable(image = DEFAULT_IMAGE): Promise<string | null> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], 10_000);
  } catch (e) {
    return `no Docker engine answers (${(e as Error).message.split('\n')[0]}): ${DOCKER_SETUP_HINT}`;
  }
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', image], 10_000);
  } catch (e) {
    // The engine answered just above: a failure here is the image (its first line says how).
    return `Docker image ${image} not found (${(e as Error).message.split('\n')[0]}): ${DOCKER_SETUP_HINT}`;
  }
  return null;
}

interface Container {
  id: string;
  name: string;
  grpcPort: number;
  ip: string;
  paused: boolean;
  /** Stopped by the drill (kill); anything else that stops it is a crash. */
  killed: boolean;
}

/** A cluster of raftdb containers. */
export class DockerCluster implements DrillCluster {
  readonly kind = 'docker';
  readonly addressMap = new Map<string, string>();
  readonly access: ClientAccess | null;
  private readonly containers = new Map<string, Container>();
  /** to -> the nodes whose packets `to` drops. */
  private readonly drops = new Map<string, Set<string>>();
  private readonly lossPercent = new Map<string, number>();
  private readonly netemOn = new Set<string>();
  private readonly probe: ClusterProbe;
  private readonly network: string;
  private nextId: number;
  private closed = false;

  private constructor(
    private readonly run: string,
    private readonly image: string,
    private readonly opts: DockerBackendOptions,
    private readonly security: DrillSecurity | null,
  ) {
    this.network = `raftdb-drill-${run}`;
    this.nextId = opts.nodes + 1;
    this.access = security?.access ?? null;
    this.probe = new ClusterProbe(['127.0.0.1:1'], this.access);
  }

  /** Creates the network and containers and waits for a stable leader. */
  static async start(opts: DockerBackendOptions): Promise<DockerCluster> {
    const image = opts.image ?? DEFAULT_IMAGE;
    const why = await dockerUnavailable(image);
    if (why !== null) throw new Error(why);
    const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    const security = opts.secure === false ? null : await DrillSecurity.create(ids, { ownerUid: CONTAINER_UID });
    const c = new DockerCluster(randomUUID().slice(0, 8), image, opts, security);
    try {
      await docker(['network', 'create', '--label', `${LABEL}=${c.run}`, c.network]);
      const peers = ids.map((id) => `${id}=${id}:${GRPC_PORT}`).join(',');
      const ports = await freePorts(ids.length * 2);
      await Promise.all(ids.map((id, i) => c.create(id, peers, ports[2 * i]!, ports[2 * i + 1]!, false)));
      await c.probe.stableLeader(c.endpoints(), START_TIMEOUT_MS);
      if (security) {
        await security.enableAuth(c.endpoints(), c.addressMap);
        // Every node has applied AuthEnable before the workload authenticates anywhere.
        await c.probe.caughtUp(c.endpoints(), START_TIMEOUT_MS);
      }
      return c;
    } catch (err) {
      await c.close().catch(() => undefined);
      throw err;
    }
  }

  private async create(id: string, peers: string, grpcPort: number, httpPort: number, join: boolean): Promise<void> {
    const name = `${this.network}-${id}`;
    const env: Record<string, string> = {
      RAFTDB_ID: id,
      RAFTDB_LISTEN: `0.0.0.0:${GRPC_PORT}`,
      RAFTDB_ADVERTISE: `${id}:${GRPC_PORT}`,
      RAFTDB_HTTP: `0.0.0.0:${HTTP_PORT}`,
      RAFTDB_PEERS: peers,
      RAFTDB_DATA_DIR: '/data',
      RAFTDB_CLUSTER_ID: 'drill',
      RAFTDB_LOG_LEVEL: this.opts.logLevel ?? 'warn',
      ...(join ? { RAFTDB_JOIN: 'true' } : {}),
      ...(this.security ? this.security.nodeEnv(id, CERTS_MOUNT) : {}),
      ...this.opts.env,
    };
    const args = ['run', '-d', '--name', name, '--label', `${LABEL}=${this.run}`, '--network', this.network, '--network-alias', id];
    if (this.security) args.push('-v', `${this.security.dir}:${CERTS_MOUNT}:ro`);
    args.push('-p', `127.0.0.1:${grpcPort}:${GRPC_PORT}`, '-p', `127.0.0.1:${httpPort}:${HTTP_PORT}`);
    for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
    const cid = (await docker([...args, this.image, 'serve'])).trim();
    this.containers.set(id, { id, name: cid, grpcPort, ip: '', paused: false, killed: false });
    this.addressMap.set(this.peerAddress(id), this.endpoint(id));
    await this.refreshIp(id);
    await this.waitAnswering(id);
  }

  private container(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no node ${id} (nodes: ${this.nodes().join(', ')})`);
    return c;
  }

  private async waitAnswering(id: string): Promise<void> {
    const endpoint = this.endpoint(id);
    await waitFor(`${id} answering`, START_TIMEOUT_MS, async () => (await this.probe.status(endpoint, 500)) !== null, 200).catch(async (e: Error) => {
      throw new Error(`${e.message}; last log lines:\n${await this.logTail(id, 20)}`);
    });
  }

  private async inspect(id: string, format: string): Promise<string> {
    return (await docker(['inspect', '--format', format, this.container(id).name])).trim();
  }

  private async refreshIp(id: string): Promise<void> {
    const ip = await this.inspect(id, `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`);
    if (!ip) throw new Error(`${id} has no address on network ${this.network}`);
    this.container(id).ip = ip;
  }

  /** Nodes found stopped without the drill having stopped them, with their last log lines. */
  private readonly exits: NodeExit[] = [];

  async unexpectedExits(): Promise<NodeExit[]> {
    for (const id of this.nodes()) {
      const c = this.container(id);
      if (!c.killed && !c.paused && !(await this.running(id))) await this.recordExit(id);
    }
    return [...this.exits];
  }

  /**
   * A node that stopped on its own is a finding, not a reason to abandon the drill: record why
   * (exit status, last log lines, printed at once and kept for the report, which fails on it),
   * start it again on its data, and go on.
   */
  private async recordExit(id: string): Promise<void> {
    const logs = await docker(['logs', '--tail', '30', this.container(id).name]).catch((e: Error) => e.message);
    const status = await this.inspect(id, '{{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}}').catch(() => '?');
    this.exits.push({ id, status, logs });
    process.stderr.write(`raftdb drill: UNEXPECTED EXIT of ${id} (${status}); last log lines:\n${logs}\n`);
    await this.restart(id);
  }

  private async pid(id: string): Promise<number> {
    let pid = Number(await this.inspect(id, '{{.State.Pid}}'));
    if (!pid) {
      const c = this.container(id);
      if (c.killed) throw new Error(`${id} is down (killed by an earlier fault): no network namespace to enter`);
      await this.recordExit(id);
      pid = Number(await this.inspect(id, '{{.State.Pid}}'));
      if (!pid) throw new Error(`${id} stopped on its own and did not start again`);
    }
    return pid;
  }

  private async running(id: string): Promise<boolean> {
    return (await this.inspect(id, '{{.State.Running}}')) === 'true';
  }

  /** The Docker container of a node (for crashing it from outside the drill). */
  containerName(id: string): string {
    return this.container(id).name;
  }

  nodes(): string[] {
    // Containers start in parallel: list them in id order, not in the order they came up.
    return [...this.containers.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)) || a.localeCompare(b));
  }

  endpoints(): string[] {
    return this.nodes().map((id) => this.endpoint(id));
  }

  endpoint(id: string): string {
    return `127.0.0.1:${this.container(id).grpcPort}`;
  }

  peerAddress(id: string): string {
    return `${id}:${GRPC_PORT}`;
  }

  async kill(id: string): Promise<void> {
    if (this.container(id).paused) await this.resume(id);
    const c = this.container(id);
    if (!c.killed && !(await this.running(id))) await this.recordExit(id); // down before we got to it
    c.killed = true;
    if (await this.running(id)) await docker(['kill', '-s', 'KILL', this.container(id).name]).catch(() => undefined);
    await waitFor(`${id} stopped`, 15_000, async () => !(await this.running(id)));
  }

  async restart(id: string): Promise<void> {
    if (await this.running(id)) return;
    await docker(['start', this.container(id).name]);
    this.container(id).killed = false;
    // Faults first: the node must not talk to peers it is cut from while it boots.
    await this.refreshIp(id);
    await this.applyFaults();
    await this.waitAnswering(id);
  }

  async pause(id: string): Promise<void> {
    await docker(['pause', this.container(id).name]);
    this.container(id).paused = true;
  }

  async resume(id: string): Promise<void> {
    const c = this.container(id);
    if (!c.paused) return;
    await docker(['unpause', c.name]);
    c.paused = false;
  }

  async isolate(id: string): Promise<void> {
    await this.partition([id], this.nodes().filter((x) => x !== id));
  }

  async partition(a: readonly string[], b: readonly string[]): Promise<void> {
    for (const x of a) for (const y of b) this.addDrop(x, y).addDrop(y, x);
    await this.applyFaults();
  }

  async oneWay(from: string, to: string): Promise<void> {
    this.addDrop(from, to);
    await this.applyFaults();
  }

  async heal(): Promise<void> {
    this.drops.clear();
    this.lossPercent.clear();
    await this.applyFaults();
    for (const id of [...this.netemOn]) await this.clearNetem(id);
  }

  /** tc netem on the node's interface; a kernel without sch_netem gets iptables loss only. */
  async netem(id: string, spec: NetemSpec): Promise<string> {
    const pid = await this.pid(id);
    const dev = await interfaceOf(pid, this.container(id).ip);
    try {
      await setNetem(pid, dev, netemArgs(spec));
      this.netemOn.add(id);
      return `tc netem ${netemArgs(spec)}`;
    } catch (e) {
      if (!(e instanceof NemesisUnsupportedError) || spec.lossPercent <= 0) throw e;
      this.lossPercent.set(id, spec.lossPercent);
      await this.applyFaults();
      return `loss ${spec.lossPercent}% inbound via iptables (no sch_netem in this kernel: delay not applied)`;
    }
  }

  async clearNetem(id: string): Promise<void> {
    this.lossPercent.delete(id);
    this.netemOn.delete(id);
    if (!(await this.running(id))) return;
    const pid = await this.pid(id);
    await clearNetem(pid, await interfaceOf(pid, this.container(id).ip));
    await this.applyFaults();
  }

  async restartAll(): Promise<void> {
    await Promise.all(this.nodes().map((id) => this.kill(id)));
    await Promise.all(this.nodes().map((id) => this.restart(id)));
  }

  async addNode(): Promise<string> {
    const id = `n${this.nextId++}`;
    const peers = [...this.nodes(), id].map((n) => `${n}=${n}:${GRPC_PORT}`).join(',');
    const [grpcPort, httpPort] = await freePorts(2);
    await this.security?.addNode(id);
    await this.create(id, peers, grpcPort!, httpPort!, true);
    await this.applyFaults();
    return id;
  }

  async removeNode(id: string): Promise<void> {
    await docker(['rm', '-f', '-v', this.container(id).name]);
    this.containers.delete(id);
    this.drops.delete(id);
    for (const s of this.drops.values()) s.delete(id);
  }

  async logTail(id: string, lines = 30): Promise<string> {
    const c = this.containers.get(id);
    if (!c) return '';
    return new Promise((resolve) => {
      execFile('docker', ['logs', '--tail', String(lines), c.name], { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.probe.close();
    const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}=${this.run}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
    await docker(['network', 'rm', this.network]).catch(() => undefined);
    await this.security?.remove();
  }

  private addDrop(from: string, to: string): this {
    let s = this.drops.get(to);
    if (!s) this.drops.set(to, (s = new Set()));
    s.add(from);
    return this;
  }

  /** Rewrites every running node's iptables rules from the recorded faults (IPs may change on restart). */
  private async applyFaults(): Promise<void> {
    for (const id of this.nodes()) {
      if (!(await this.running(id))) continue;
      const dropFromIps = [...(this.drops.get(id) ?? [])].map((peer) => this.containers.get(peer)?.ip).filter((ip): ip is string => !!ip);
      await applyInboundFaults(await this.pid(id), { dropFromIps, lossPercent: this.lossPercent.get(id) ?? 0 });
    }
  }
}
