// Smoke test of the container fixture: a 3-node cluster in Docker, TLS and auth on, answers
// grpc.health.v1 through its published ports (over TLS only), enforces auth on KV and the
// dashboard, and each nemesis primitive does what it says. Builds nothing: it expects
// the image from scripts/docker-engine.sh && scripts/build-image.sh (CI runs both first).
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { connect } from '../../src/client/index.js';
import { accessOptions, WORKLOAD_PREFIX } from '../../src/drill/index.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadHealthProto } from '../../src/proto/load.js';
import { ContainerCluster } from './cluster-fixture.js';
import { NemesisUnsupportedError } from './netns.js';

const CHECK_DEADLINE_MS = 1000;
const SETTLE_TIMEOUT_MS = 30_000;

type Health = 'SERVING' | 'NOT_SERVING' | 'UNREACHABLE';

let cluster: ContainerCluster;

/** One grpc.health.v1 Check over TLS (the cluster's CA); any error (refused, deadline) counts as UNREACHABLE. */
function check(endpoint: string, credentials = grpc.credentials.createSsl(readFileSync(cluster.access.tls.caFile!))): Promise<Health> {
  const Client = loadHealthProto();
  const client = new Client(endpoint, credentials, { 'grpc.initial_reconnect_backoff_ms': 100 });
  return new Promise<Health>((resolve) => {
    client.check({ service: '' }, { deadline: Date.now() + CHECK_DEADLINE_MS }, (err: grpc.ServiceError | null, res?: { status: string }) => {
      client.close();
      resolve(err ? 'UNREACHABLE' : res?.status === 'SERVING' ? 'SERVING' : 'NOT_SERVING');
    });
  });
}

/** Polls until every endpoint reports `want`; fails with the last statuses after a bounded time. */
async function eventually(endpoints: readonly string[], want: Health, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Health[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(endpoints.map((e) => check(e)));
    if (last.every((s) => s === want)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not all ${want} within ${timeoutMs} ms: ${endpoints.map((e, i) => `${e}=${last[i]}`).join(', ')}`);
}

describe('container cluster fixture (3 nodes, raftdb:local, TLS and auth on)', () => {
  const ep = (id: string): string => cluster.node(id).grpcEndpoint;
  const others = (id: string): string[] => cluster.nodes.filter((n) => n.id !== id).map((n) => n.grpcEndpoint);

  beforeAll(async () => {
    cluster = await ContainerCluster.start({ nodes: 3 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test('every node answers SERVING on its 127.0.0.1 port, over TLS only', async () => {
    for (const n of cluster.nodes) expect(n.grpcEndpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    await eventually(cluster.endpoints(), 'SERVING');
    expect(await check(ep('n1'), grpc.credentials.createInsecure())).toBe('UNREACHABLE');
  });

  test('auth is on: the workload user writes its prefix only; the dashboard asks for a user over HTTPS', async () => {
    const workload = connect({ endpoints: cluster.endpoints(), addressMap: cluster.addressMap(), timeoutMs: 10_000, ...accessOptions(cluster.access, 'workload') });
    const anonymous = connect({ endpoints: cluster.endpoints(), addressMap: cluster.addressMap(), timeoutMs: 10_000, ...accessOptions(cluster.access, 'probe') });
    try {
      expect((await workload.put(`${WORKLOAD_PREFIX}fixture`, 'x')).header.revision).toBeGreaterThan(0);
      await expect(workload.put('elsewhere', 'x')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(anonymous.put(`${WORKLOAD_PREFIX}fixture`, 'x')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      workload.close();
      anonymous.close();
    }
    const ca = readFileSync(cluster.access.tls.caFile!);
    const { user, password } = cluster.access.workload;
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(`https://${cluster.node('n2').httpEndpoint}/api/status`, { ca, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({})).toBe(401);
    expect(await status({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })).toBe(200);
  });

  test('kill: the node is gone, the majority serves; restart: it serves again on the same port', async () => {
    await cluster.kill('n2');
    expect(await check(ep('n2'))).toBe('UNREACHABLE');
    await eventually(others('n2'), 'SERVING');
    await cluster.restart('n2');
    await eventually(cluster.endpoints(), 'SERVING');
  });

  test('pause: the node does not answer; unpause: it does', async () => {
    await cluster.pause('n3');
    expect(await check(ep('n3'))).toBe('UNREACHABLE');
    await cluster.unpause('n3');
    await eventually(cluster.endpoints(), 'SERVING');
  });

  test('isolate: the lone node loses its leader, the others keep one; heal: all serve', async () => {
    await cluster.isolate('n1');
    await eventually([ep('n1')], 'NOT_SERVING');
    await eventually(others('n1'), 'SERVING');
    await cluster.heal();
    await eventually(cluster.endpoints(), 'SERVING');
  });

  test('a restart while partitioned keeps the partition; heal lifts it', async () => {
    await cluster.isolate('n3');
    await cluster.restart('n3');
    await eventually([ep('n3')], 'NOT_SERVING');
    await cluster.heal();
    await eventually(cluster.endpoints(), 'SERVING');
  });

  test('netem: loss (iptables fallback without sch_netem) keeps a majority serving; delay works or says it cannot', async () => {
    await cluster.netem('n2', 'loss 20%');
    await eventually(others('n2'), 'SERVING');
    const delay = await cluster.netem('n1', 'delay 50ms 10ms').then(
      () => 'applied',
      (e: unknown) => (e instanceof NemesisUnsupportedError ? 'unsupported' : Promise.reject(e)),
    );
    expect(['applied', 'unsupported']).toContain(delay);
    await cluster.heal();
    await eventually(cluster.endpoints(), 'SERVING');
  });

  test('ports are published on 127.0.0.1 only', async () => {
    for (const n of cluster.nodes) {
      const c = await cluster.inspect(n.id);
      for (const bindings of Object.values(c.NetworkSettings.Ports)) for (const b of bindings ?? []) expect(b.HostIp).toBe('127.0.0.1');
    }
  });
});
