import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { startNode, type NodeOptions, type RunningNode } from '../../src/server/index.js';

/** Ports the OS reports free right now on 127.0.0.1 (bound and released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A cluster of nodes running inside the test process (fast; for behaviour not needing kill -9). */
export class InProcessCluster {
  readonly nodes = new Map<string, RunningNode>();
  private constructor(
    readonly dir: string,
    readonly peers: Map<string, string>,
    private readonly extra: Partial<NodeOptions>,
    private readonly perNode: (id: string) => Partial<NodeOptions>,
  ) {}

  /** `extra` options apply to every node (e.g. tuning under test), `perNode(id)` to one (e.g. its disk). */
  static async start(size: number, extra: Partial<NodeOptions> = {}, perNode: (id: string) => Partial<NodeOptions> = () => ({})): Promise<InProcessCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'raftdb-cluster-'));
    const ports = await freePorts(size);
    const peers = new Map(ports.map((p, i) => [`n${i + 1}`, `127.0.0.1:${p}`]));
    const c = new InProcessCluster(dir, peers, extra, perNode);
    for (const id of peers.keys()) await c.startNode(id);
    return c;
  }

  async startNode(id: string, join = false): Promise<RunningNode> {
    const node = await startNode({
      id,
      listen: this.peers.get(id)!,
      http: null,
      peers: this.peers,
      dataDir: join ? `${this.dir}/${id}` : `${this.dir}/${id}`,
      join,
      priority: 1,
      clusterId: 'test',
      logLevel: 'silent',
      logger: pino({ level: process.env.RAFTDB_TEST_LOG ?? 'silent' }),
      snapshotEntries: 200,
      keepEntries: 20,
      ...this.extra,
      ...this.perNode(id),
    });
    this.nodes.set(id, node);
    return node;
  }

  endpoints(): string[] {
    return [...this.peers.values()];
  }

  /** Waits until one node leads and every running node agrees on it. */
  async leader(timeoutMs = 10_000): Promise<RunningNode> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const leaders = [...this.nodes.values()].filter((n) => n.raft.role === 'leader');
      if (leaders.length === 1) return leaders[0]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no leader elected');
  }

  async stopNode(id: string): Promise<void> {
    await this.nodes.get(id)?.close();
    this.nodes.delete(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.close()));
    this.nodes.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * For a describe block: a cluster of `size` started (and its leader elected) before the block's
 * tests, with a client on every node, both closed after them.
 */
export function clusterWithClient(size: number, extra: Partial<NodeOptions> = {}): { readonly cluster: InProcessCluster; readonly client: RaftdbClient } {
  let cluster: InProcessCluster | undefined;
  let client: RaftdbClient | undefined;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(size, extra);
    await cluster.leader();
    client = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('the cluster is started in beforeAll');
      return cluster;
    },
    get client() {
      if (!client) throw new Error('the client is connected in beforeAll');
      return client;
    },
  };
}
