// A raftdb cluster in Docker containers (image raftdb:local from scripts/build-image.sh), with the
// nemesis primitives the chaos drills use: crash and restart, pause, partitions, lossy links.
//
// Traffic rules: the nodes talk to each other on a private Docker network (aliases n1..nN); the
// test process reaches them only through ports published on 127.0.0.1. Each node's host ports are
// chosen once and kept across restarts, so a client's endpoint list stays valid.
//
// Security as in production (src/drill/security.ts): certificates made on the host (naming each
// node, carrying 127.0.0.1) and bind-mounted read-only at /certs, TLS on every port, mutual TLS
// between the nodes, auth enabled once a leader is up. `access` says how a client gets in.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'; // no reaper image here; close() cleans up

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import {
  GenericContainer,
  ImageName,
  Network,
  Wait,
  getContainerRuntimeClient,
  type ContainerRuntimeClient,
  type ImagePullPolicy,
  type StartedNetwork,
} from 'testcontainers';
import { ClusterProbe, DrillSecurity, type ClientAccess } from '../../src/drill/index.js';
import { applyInboundFaults, clearNetem, interfaceOf, lossOnly, NemesisUnsupportedError, setNetem } from './netns.js';

export const DEFAULT_IMAGE = process.env.RAFTDB_IMAGE ?? 'raftdb:local';
const GRPC_PORT = 7001;
const HTTP_PORT = 9101;
const STARTED_LOG = 'raftdb node started';
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const LABEL = 'raftdb.chaos.cluster';
/** The node's user in the image: it must be able to read its key. */
const CONTAINER_UID = 10001;
const CERTS_MOUNT = '/certs';

/** Never pull: no registry is reachable, and the image must be the one just built. */
const NEVER_PULL: ImagePullPolicy = { shouldPull: () => false };

type DockerContainer = ReturnType<ContainerRuntimeClient['container']['getById']>;

/** One node as the test sees it. */
export interface ClusterNode {
  readonly id: string;
  /** '127.0.0.1:PORT' of the node's gRPC port, stable across restarts. */
  readonly grpcEndpoint: string;
  /** '127.0.0.1:PORT' of the node's HTTP port (metrics, /readyz). */
  readonly httpEndpoint: string;
  /** What the node advertises to its peers ('n1:7001'); not reachable from the host. */
  readonly advertise: string;
  readonly containerId: string;
}

/** Options of ContainerCluster.start(). */
export interface ClusterOptions {
  nodes: 3 | 5;
  image?: string;
  startupTimeoutMs?: number;
  /** Extra RAFTDB_* (or other) environment for every node. */
  env?: Record<string, string>;
}

/** Publishes exposed ports on 127.0.0.1 only and joins exactly one network, under an alias. */
class LoopbackContainer extends GenericContainer {
  withAliasOn(network: string, alias: string): this {
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [alias] } } };
    return this.withNetworkMode(network);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values((this.hostConfig.PortBindings ?? {}) as Record<string, { HostIp?: string }[]>)) {
      for (const b of bindings) b.HostIp = '127.0.0.1';
    }
  }
}

/** A Docker-hosted raftdb cluster; always close() it (afterAll), even after a failed start. */
export class ContainerCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly lastIp = new Map<string, string>();
  private readonly paused = new Set<string>();
  /** to -> the nodes whose packets `to` drops. */
  private readonly drops = new Map<string, Set<string>>();
  private readonly lossPercent = new Map<string, number>();
  private readonly netemDevs = new Map<string, string>();

  private constructor(
    private readonly docker: ContainerRuntimeClient,
    private readonly clusterLabel: string,
    private readonly network: StartedNetwork,
    private readonly startupTimeoutMs: number,
    private readonly security: DrillSecurity,
  ) {}

  /** TLS and credentials for clients of this cluster (the CA, root's certificate, the workload user). */
  get access(): ClientAccess {
    return this.security.access;
  }

  /** Starts `nodes` containers on a private network and waits until each logs that it listens. */
  static async start(opts: ClusterOptions): Promise<ContainerCluster> {
    const image = opts.image ?? DEFAULT_IMAGE;
    const docker = await runtimeOrExplain();
    if (!(await docker.image.exists(ImageName.fromString(image)))) {
      throw new Error(`Docker image ${image} not found: run scripts/docker-engine.sh && scripts/build-image.sh first`);
    }
    const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    const security = await DrillSecurity.create(ids, { ownerUid: CONTAINER_UID });
    const network = await new Network().start();
    const timeoutMs = opts.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    const cluster = new ContainerCluster(docker, randomUUID(), network, timeoutMs, security);
    try {
      const peers = ids.map((id) => `${id}=${id}:${GRPC_PORT}`).join(',');
      const ports = await freePorts(2 * ids.length);
      cluster.nodes.push(...(await Promise.all(ids.map((id, i) => cluster.startNode(image, id, peers, ports[2 * i]!, ports[2 * i + 1]!, opts.env ?? {})))));
      await Promise.all(ids.map((id) => cluster.refreshIp(id)));
      const probe = new ClusterProbe(cluster.endpoints(), security.access);
      try {
        await probe.stableLeader(cluster.endpoints(), timeoutMs);
        await security.enableAuth(cluster.endpoints(), cluster.addressMap());
        await probe.caughtUp(cluster.endpoints(), timeoutMs);
      } finally {
        probe.close();
      }
      return cluster;
    } catch (e) {
      await cluster.close().catch(() => undefined);
      throw e;
    }
  }

  private async startNode(image: string, id: string, peers: string, grpcPort: number, httpPort: number, env: Record<string, string>): Promise<ClusterNode> {
    const started = await new LoopbackContainer(image)
      .withPullPolicy(NEVER_PULL)
      .withName(`raftdb-chaos-${this.clusterLabel.slice(0, 8)}-${id}`)
      .withLabels({ [LABEL]: this.clusterLabel })
      .withAliasOn(this.network.getName(), id)
      .withExposedPorts({ container: GRPC_PORT, host: grpcPort }, { container: HTTP_PORT, host: httpPort })
      .withBindMounts([{ source: this.security.dir, target: CERTS_MOUNT, mode: 'ro' }])
      .withEnvironment({
        RAFTDB_ID: id,
        RAFTDB_LISTEN: `0.0.0.0:${GRPC_PORT}`,
        RAFTDB_ADVERTISE: `${id}:${GRPC_PORT}`,
        RAFTDB_HTTP: `0.0.0.0:${HTTP_PORT}`,
        RAFTDB_PEERS: peers,
        RAFTDB_DATA_DIR: '/data',
        ...this.security.nodeEnv(id, CERTS_MOUNT),
        ...env,
      })
      .withCommand(['serve'])
      .withWaitStrategy(Wait.forLogMessage(STARTED_LOG))
      .withStartupTimeout(this.startupTimeoutMs)
      .start();
    return {
      id,
      grpcEndpoint: `127.0.0.1:${started.getMappedPort(GRPC_PORT)}`,
      httpEndpoint: `127.0.0.1:${started.getMappedPort(HTTP_PORT)}`,
      advertise: `${id}:${GRPC_PORT}`,
      containerId: started.getId(),
    };
  }

  /** gRPC endpoints of all nodes, for a client. */
  endpoints(): string[] {
    return this.nodes.map((n) => n.grpcEndpoint);
  }

  /**
   * Advertised peer address -> published endpoint ('n1:7001' -> '127.0.0.1:PORT'). Responses
   * name the leader by its advertised address, which the host cannot resolve: a client of this
   * cluster must translate hints through this map (and never look such names up).
   */
  addressMap(): Map<string, string> {
    return new Map(this.nodes.map((n) => [n.advertise, n.grpcEndpoint]));
  }

  /** The node with this id ('n1'...). */
  node(id: string): ClusterNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id} in this cluster (${this.nodes.map((x) => x.id).join(', ')})`);
    return n;
  }

  /** Crash: SIGKILL through the container runtime; the container and its data stay. */
  async kill(id: string): Promise<void> {
    if (this.paused.has(id)) await this.unpause(id);
    const c = this.container(id);
    if ((await c.inspect()).State.Running) await c.kill({ signal: 'SIGKILL' });
    await this.waitUntil(id, async () => !(await c.inspect()).State.Running, 'stopped');
  }

  /** Brings a node back on the same data (crashing it first if it still runs) and restores its network faults. */
  async restart(id: string): Promise<void> {
    await this.kill(id);
    const c = this.container(id);
    const before = await this.startedCount(id);
    await c.start();
    // Faults first: the node must not talk to peers it is cut from while it boots.
    await this.refreshIp(id);
    await this.applyFaults();
    await this.waitUntil(id, async () => (await this.startedCount(id)) > before, `logging "${STARTED_LOG}"`);
  }

  /** Crashes every node at once, then starts them all. */
  async restartAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.id)));
    await Promise.all(this.nodes.map((n) => this.restart(n.id)));
  }

  /** Freezes every process of the node (cgroup freezer): alive but silent. */
  async pause(id: string): Promise<void> {
    await this.container(id).pause();
    this.paused.add(id);
  }

  /** Thaws a paused node. */
  async unpause(id: string): Promise<void> {
    await this.container(id).unpause();
    this.paused.delete(id);
  }

  /** Cuts one node from all its peers (clients on the published ports still reach it). */
  async isolate(id: string): Promise<void> {
    await this.partition([id], this.nodes.map((n) => n.id).filter((x) => x !== id));
  }

  /** No packet crosses between the two groups, either way. Faults add up until heal(). */
  async partition(groupA: readonly string[], groupB: readonly string[]): Promise<void> {
    for (const a of groupA) for (const b of groupB) this.addDrop(a, b).addDrop(b, a);
    await this.applyFaults();
  }

  /** Packets from `from` no longer reach `to` (TCP then stalls both ways on that link). */
  async oneWay(from: string, to: string): Promise<void> {
    this.addDrop(from, to);
    await this.applyFaults();
  }

  /**
   * Degrades a node's link: `tc netem` on its interface ('delay 50ms 10ms loss 5%'). On kernels
   * without sch_netem (this CI) a loss-only spec falls back to dropping that share of inbound
   * packets with iptables; delay then throws NemesisUnsupportedError.
   */
  async netem(id: string, spec: string): Promise<void> {
    const pid = await this.pid(id);
    const dev = await interfaceOf(pid, this.lastIp.get(id)!);
    try {
      await setNetem(pid, dev, spec);
      this.netemDevs.set(id, dev);
    } catch (e) {
      const loss = lossOnly(spec);
      if (!(e instanceof NemesisUnsupportedError) || loss === null) throw e;
      this.lossPercent.set(id, loss);
      await this.applyFaults();
    }
  }

  /** Removes every partition, one-way cut, loss and netem setting. */
  async heal(): Promise<void> {
    this.drops.clear();
    this.lossPercent.clear();
    await this.applyFaults();
    for (const [id, dev] of this.netemDevs) if (await this.isRunning(id)) await clearNetem(await this.pid(id), dev);
    this.netemDevs.clear();
  }

  /** The runtime's view of the node's container (state, pid, addresses, port bindings). */
  inspect(id: string): ReturnType<DockerContainer['inspect']> {
    return this.container(id).inspect();
  }

  /** The node's stdout and stderr so far (JSON log lines), for failure messages. */
  async logs(id: string): Promise<string> {
    const buf = (await this.container(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demux(buf);
  }

  /** Removes the containers (with their data) and the network; safe to call after any failure. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const mine = await this.docker.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL}=${this.clusterLabel}`] } });
    await Promise.all(
      mine.map((info) => this.docker.container.getById(info.Id).remove({ force: true, v: true }).catch((e: unknown) => errors.push(e))),
    );
    await this.network.stop().catch((e: unknown) => errors.push(e));
    await this.security.remove().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw new AggregateError(errors, 'ContainerCluster.close() left something behind');
  }

  private container(id: string): DockerContainer {
    return this.docker.container.getById(this.node(id).containerId);
  }

  private addDrop(from: string, to: string): this {
    this.node(from);
    let s = this.drops.get(to);
    if (!s) this.drops.set(to, (s = new Set()));
    s.add(from);
    return this;
  }

  /** Rewrites every running node's iptables rules from the recorded faults (IPs may change on restart). */
  private async applyFaults(): Promise<void> {
    for (const n of this.nodes) {
      if (!(await this.isRunning(n.id))) continue;
      const dropFromIps = [...(this.drops.get(n.id) ?? [])].map((peer) => this.lastIp.get(peer)).filter((ip): ip is string => !!ip);
      await applyInboundFaults(await this.pid(n.id), { dropFromIps, lossPercent: this.lossPercent.get(n.id) ?? 0 });
    }
  }

  private async refreshIp(id: string): Promise<void> {
    const info = await this.container(id).inspect();
    const ip = info.NetworkSettings.Networks[this.network.getName()]?.IPAddress;
    if (!ip) throw new Error(`${id} has no address on network ${this.network.getName()}`);
    this.lastIp.set(id, ip);
  }

  private async pid(id: string): Promise<number> {
    const pid = (await this.container(id).inspect()).State.Pid;
    if (!pid) throw new Error(`${id} is not running (killed?): no network namespace to enter`);
    return pid;
  }

  private async isRunning(id: string): Promise<boolean> {
    return (await this.container(id).inspect()).State.Running;
  }

  private async startedCount(id: string): Promise<number> {
    return (await this.logs(id)).split(STARTED_LOG).length - 1;
  }

  /** Polls `done` until it holds, or fails after the startup timeout naming what was awaited. */
  private async waitUntil(id: string, done: () => Promise<boolean>, what: string): Promise<void> {
    const timeoutMs = what === 'stopped' ? STOP_TIMEOUT_MS : this.startupTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) {
        const tail = (await this.logs(id).catch(() => '')).split('\n').slice(-20).join('\n');
        throw new Error(`${id}: not ${what} within ${timeoutMs} ms; last log lines:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The container runtime, or an error that says how to start one. */
async function runtimeOrExplain(): Promise<ContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (e) {
    throw new Error(`no Docker engine answers (${(e as Error).message}): run scripts/docker-engine.sh && scripts/build-image.sh first`);
  }
}

/** `count` distinct ports free on 127.0.0.1 right now (the OS picks them). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Docker's multiplexed log stream (8-byte frame headers, no TTY) as plain text. */
function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off + 4);
    parts.push(buf.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}
