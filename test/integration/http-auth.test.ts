// --http-auth on a running node: once auth is enabled through the API, its dashboard JSON needs a
// raftdb user's password and its probes stay open.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { freePorts, InProcessCluster } from './in-process.js';

let cluster: InProcessCluster;
let root: RaftdbClient;
let http: string;

beforeAll(async () => {
  const [port] = await freePorts(1);
  http = `127.0.0.1:${port}`;
  cluster = await InProcessCluster.start(1, { http, httpAuth: { metrics: false } });
  await cluster.leader();
  root = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000, auth: { user: 'root', password: 'rootpw' } });
});
afterAll(async () => {
  root?.close();
  await cluster?.close();
});

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`http://${http}${path}`, { headers });
const basic = (user: string, pw: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

test('open while auth is off; after auth enable, a user and password are needed for the dashboard, not for probes', async () => {
  expect((await get('/api/status')).status).toBe(200);
  const admin = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000 });
  try {
    await admin.auth.userAdd('root', 'rootpw');
    await admin.auth.userGrantRole('root', 'root');
    await admin.auth.userAdd('ops', 'opspw');
    await admin.auth.enable();
  } finally {
    admin.close();
  }
  const refused = await get('/api/status');
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="raftdb"/);
  expect((await get('/', basic('ops', 'wrong'))).status).toBe(401);
  const ok = await get('/api/status', basic('ops', 'opspw'));
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { id: string }[]).map((m) => m.id)).toEqual(['n1']);
  for (const path of ['/healthz', '/readyz', '/metrics']) expect([path, (await get(path)).status]).toEqual([path, 200]);
  // Deleting the user ends its dashboard access at once.
  await root.auth.userDelete('ops');
  expect((await get('/api/status', basic('ops', 'opspw'))).status).toBe(401);
});
