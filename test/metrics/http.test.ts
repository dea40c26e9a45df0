import { request } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { hostAllowed } from '../../src/metrics/http.js';
import { NodeMetrics, parseListen, startHttpServer, type HealthReport, type HttpServerHandle, type HttpServerOptions } from '../../src/metrics/index.js';
import { failoverHistory, snapshot, threeNodeStatus } from './fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(over: Partial<HttpServerOptions> = {}): Promise<{ url: string; server: HttpServerHandle }> {
  const metrics = new NodeMetrics({ nodeId: 'n1', snapshot: () => snapshot(), sampleIntervalMs: 0, defaultMetrics: false });
  const server = await startHttpServer({
    listen: '127.0.0.1:0',
    metrics,
    health: () => ({ status: 'healthy', checks: [] }),
    clusterStatus: async () => threeNodeStatus(),
    ...over,
  });
  cleanup.push(() => metrics.close(), () => server.close());
  return { url: `http://127.0.0.1:${server.port}`, server };
}

test('/healthz and /readyz follow the supplied reports: 200 unless unhealthy, then 503', async () => {
  let health: HealthReport = { status: 'healthy', checks: [{ name: 'wal', status: 'healthy', detail: 'ok' }] };
  let ready: HealthReport = { status: 'degraded', checks: [{ name: 'commit-mode', status: 'degraded', detail: 'SYNC degraded' }] };
  const { url } = await serve({ health: () => health, ready: async () => ready });
  let res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(await res.json()).toEqual(health);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);

  health = { status: 'unhealthy', checks: [{ name: 'wal', status: 'unhealthy', detail: 'fsync stalled' }] };
  ready = { status: 'unhealthy', checks: [{ name: 'leader', status: 'unhealthy', detail: 'no leader' }] };
  res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual(health);
  res = await fetch(`${url}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual(ready);

  health = { status: 'degraded', checks: [] };
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test('/readyz defaults to the readiness of the metrics snapshot', async () => {
  const { url } = await serve();
  const res = await fetch(`${url}/readyz`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as HealthReport).checks.map((c) => c.name)).toContain('leader');
});

test('/metrics, /api/status, /api/history and the page', async () => {
  const { url } = await serve({ history: async () => failoverHistory() });
  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(await metrics.text()).toContain('raftdb_raft_term{node="n1"} 1');
  expect(await (await fetch(`${url}/api/status`)).json()).toEqual(threeNodeStatus());
  expect(await (await fetch(`${url}/api/history`)).json()).toEqual(failoverHistory());
  const page = await fetch(`${url}/`);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = await page.text();
  expect(html).toContain('<title>raftdb dashboard</title>');
  expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  const head = await fetch(`${url}/healthz`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe('');
});

test('unknown paths are 404 JSON, other methods 405 with Allow', async () => {
  const { url } = await serve();
  let res = await fetch(`${url}/nope`);
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ error: 'no such path: /nope' });
  expect((await fetch(`${url}/api/history`)).status).toBe(404); // no history callback given
  res = await fetch(`${url}/metrics`, { method: 'POST', body: 'x' });
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('GET, HEAD');
  expect(await res.json()).toMatchObject({ error: 'method POST not allowed on /metrics' });
  expect((await fetch(`${url}/healthz`, { method: 'DELETE' })).status).toBe(405);
});

test('a failing callback is a 500, a slow one a 504 (each told to onError), and concurrent status requests share one call', async () => {
  let calls = 0;
  const told: [string, string][] = [];
  const { url } = await serve({
    callbackTimeoutMs: 200,
    onError: (err, path) => told.push([path, (err as Error).message]),
    health: () => {
      throw new Error('probe exploded');
    },
    clusterStatus: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return threeNodeStatus();
    },
    history: () => new Promise(() => {}),
  });
  const bad = await fetch(`${url}/healthz`);
  expect(bad.status).toBe(500);
  expect(await bad.json()).toEqual({ error: 'probe exploded' });
  const slow = await fetch(`${url}/api/history`);
  expect(slow.status).toBe(504);
  expect(await slow.json()).toEqual({ error: 'failover history did not answer within 200 ms' });
  expect(told).toEqual([
    ['/healthz', 'probe exploded'],
    ['/api/history', 'failover history did not answer within 200 ms'],
  ]);
  const all = await Promise.all([1, 2, 3, 4].map(() => fetch(`${url}/api/status`).then((r) => r.json())));
  expect(all).toHaveLength(4);
  expect(calls).toBe(1);
});

test('listen addresses', () => {
  expect(parseListen('0.0.0.0:9101')).toEqual({ host: '0.0.0.0', port: 9101 });
  expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
  expect(parseListen('node-1.local:80')).toEqual({ host: 'node-1.local', port: 80 });
  expect(() => parseListen('9101')).toThrow(/host:port/);
  expect(() => parseListen('h:99999')).toThrow(/host:port/);
});

/** GET `path` with a chosen Host header (fetch does not let a page, or a test, set one). */
function getWithHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

test('a Host header that names another site (DNS rebinding) is refused with 421; IPs and the node\'s names work', async () => {
  const { url } = await serve({ allowedHosts: ['localhost', 'db1.internal'] });
  for (const host of ['evil.example', 'evil.example:80', 'db1.internal.evil.example', '[::1', 'a b']) {
    const r = await getWithHost(url, '/api/status', host);
    expect([host, r.status]).toEqual([host, 421]);
    expect(r.body).not.toContain('n1');
  }
  for (const host of ['127.0.0.1', '127.0.0.1:9101', '10.1.2.3:80', '[::1]:9101', 'localhost:9101', 'DB1.internal', 'db1.internal.']) {
    expect([host, (await getWithHost(url, '/api/status', host)).status]).toEqual([host, 200]);
  }
  expect(hostAllowed(undefined, new Set())).toBe(true);
});

test('every route is a read: GET and HEAD only, whatever the gate says, so no link or <img> can change anything', async () => {
  const gated: string[] = [];
  const { url } = await serve({
    history: async () => failoverHistory(),
    auth: { metrics: false, check: async (r) => (gated.push(r.path), { ok: true, user: null }) },
  });
  const paths = ((await (await fetch(`${url}/nope`)).json()) as { paths: string[] }).paths;
  // A new route must be added here on purpose, and must be a read like these.
  expect([...paths].sort()).toEqual(['/', '/api/history', '/api/series', '/api/status', '/healthz', '/metrics', '/readyz']);
  for (const path of paths) {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${url}${path}`, { method, body: method === 'DELETE' ? null : '{}' });
      expect([path, method, res.status]).toEqual([path, method, 405]);
    }
  }
  expect(gated).toEqual([]); // refused before the gate is asked
  for (const path of paths) expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 200]);
  // The gate guards the dashboard and its JSON; probes and (by default) /metrics are not asked.
  expect(gated.sort()).toEqual(['/', '/api/history', '/api/series', '/api/status']);
});

test('a gate that refuses: 401 with the Basic challenge, or 503 with Retry-After when busy', async () => {
  let answer: { ok: false; status: 401 | 503; error: string } = { ok: false, status: 401, error: 'who are you' };
  const { url } = await serve({ auth: { metrics: true, check: async () => answer } });
  let res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Basic realm="raftdb", charset="UTF-8"');
  expect(await res.json()).toEqual({ error: 'who are you' });
  answer = { ok: false, status: 503, error: 'busy' };
  res = await fetch(`${url}/api/status`);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
});
