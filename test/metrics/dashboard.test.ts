// Loads the dashboard in headless Chromium against a real HTTP server fed a fake 3-node cluster
// (and, for --http-auth, a real Authenticator on a real state machine with auth enabled).
// Chromium is required, not optional: CI installs it (apt-get install -y chromium), and a missing
// browser fails this test with that instruction rather than skipping the only check of the page.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { NodeMetrics, startHttpServer, type HttpServerHandle, type MemberStatus } from '../../src/metrics/index.js';
import { Authenticator, hashPassword } from '../../src/auth/index.js';
import { HttpBasicAuth } from '../../src/server/http-auth.js';
import type { AuthOp } from '../../src/state/auth-records.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { cleanup, entry, tempDir } from '../state/helpers.js';
import type { CommitMode } from '../../src/common/vocabulary.js';
import { failoverHistory, snapshot, threeNodeStatus } from './fixtures.js';

const CHROMIUM = process.env.RAFTDB_CHROMIUM ?? '/usr/bin/chromium';
/** Samples in the node's history ring before the page opens (one a second). */
const SEEDED_SAMPLES = 300;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let server: HttpServerHandle;
let metrics: NodeMetrics;
/** The fixture cluster, with a NOSPACE alarm on the leader. */
function withAlarm(members: MemberStatus[]): MemberStatus[] {
  members[1]!.status!.alarms = ['NOSPACE raised by n2: database space exceeded'];
  return members;
}
let cluster: MemberStatus[] = withAlarm(threeNodeStatus());

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set RAFTDB_CHROMIUM)`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  // The node's history ring (historyIntervalMs 0: no timer adds samples behind the test's back)
  // holds 5 minutes of scripted samples before the page opens.
  let current = snapshot({ id: 'n2' });
  let clockMs = 0;
  metrics = new NodeMetrics({ nodeId: 'n2', snapshot: () => current, sampleIntervalMs: 0, historyIntervalMs: 0, defaultMetrics: false, nowMs: () => clockMs });
  const startMs = Date.now() - SEEDED_SAMPLES * 1000;
  for (let i = 0; i < SEEDED_SAMPLES; i++) {
    const followers = [
      { id: 'n1', matchIndex: 1000 + 10 * i, lagEntries: i % 5, lastContactMs: 10, connected: true },
      { id: 'n3', matchIndex: 1000, lagEntries: i, lastContactMs: 10, connected: true },
    ];
    current = snapshot({ id: 'n2', role: 'leader', appliedIndex: 1000 + 10 * i, followers });
    for (let r = 0; r < 20; r++) metrics.observeRequest('Put', 'OK', r === 19 ? 0.04 : 0.003);
    metrics.observeFsync(0.0015);
    clockMs = startMs + i * 1000;
    metrics.sampleHistory();
  }
  server = await startHttpServer({
    listen: '127.0.0.1:0',
    metrics,
    health: () => ({ status: 'healthy', checks: [] }),
    clusterStatus: async () => cluster,
    history: async () => failoverHistory(),
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  metrics?.close();
});

test('the dashboard shows three nodes, marks the leader, lag, history and the lag chart', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));
  page.on('request', (req) => !req.url().startsWith(`http://127.0.0.1:${server.port}/`) && problems.push(`external request: ${req.url()}`));
  let seriesRequests = 0;
  await page.route('**/api/series*', (route) => (++seriesRequests === 1 ? route.continue() : route.fulfill({ json: { node: 'n2', samples: [] } })));

  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.locator('#nodes .node').nth(2).waitFor();
  expect(await page.locator('#nodes .node').count()).toBe(3);
  expect(await page.locator('#nodes .node.leader').count()).toBe(1);
  expect(await page.locator('#nodes .node.leader').getAttribute('data-node-id')).toBe('n2');
  expect(await page.locator('.node[data-node-id="n2"] .badge').textContent()).toBe('leader');
  expect(await page.locator('#summary').textContent()).toBe('leader n2 · term 7 · mode semi-sync · quorum yes');
  // The leader archives and ran the last scheduled backup; the followers show neither.
  const leaderCard = (await page.locator('.node[data-node-id="n2"]').textContent()) ?? '';
  expect(leaderCard).toContain('archive: revision 1000, lag 0.4 s');
  expect(leaderCard).toContain('last backup: 2025-01-01 06:00:00, revision 990');
  expect(await page.locator('.node[data-node-id="n1"]').textContent()).not.toContain('archive');

  // Storage against the quota on each card (a warning past 80%), and the NOSPACE alarm.
  expect(await page.locator('.node[data-node-id="n1"]').textContent()).toContain('storage 1.0 MiB of 4.0 MiB quota (25%)');
  const n2Storage = page.locator('.node[data-node-id="n2"] .warn', { hasText: 'storage' });
  expect(await n2Storage.textContent()).toBe('storage 3.5 MiB of 4.0 MiB quota (88%)');
  expect(await page.locator('#alarms').textContent()).toContain('n2: NOSPACE raised by n2: database space exceeded');

  const lagRows = page.locator('#lag-rows tr');
  expect(await lagRows.count()).toBe(2);
  expect(await lagRows.nth(1).locator('td').nth(2).textContent()).toBe('300');
  const barWidth = await lagRows.nth(1).locator('.bar-fill').evaluate((e) => (e as HTMLElement).style.width);
  expect(barWidth).toBe('100%');

  await page.locator('#history-rows tr td', { hasText: 'switchover' }).waitFor();
  expect(await page.locator('#history-rows tr').count()).toBe(3);
  // A period without a quorum is a row of its own: the lost leader, the cause, how long.
  const lost = page.locator('#history-rows tr').nth(1).locator('td');
  expect(await lost.allTextContents()).toMatchObject(['6', 'n1 → (no quorum)', 'quorum lost (check-quorum)', expect.any(String), '4200 ms']);

  // The node's last minutes are drawn from its first /api/series answer: every later poll of the
  // series is answered with no samples, so points on the charts can only have come from that first answer.
  await page.locator('#lag-chart polyline').nth(1).waitFor();
  expect(seriesRequests).toBeGreaterThanOrEqual(1);
  const points = (sel: string) => page.locator(sel).evaluateAll((els) => els.map((e) => (e.getAttribute('points') ?? '').split(' ').filter(Boolean).length));
  expect(await points('#lag-chart polyline')).toEqual([SEEDED_SAMPLES, SEEDED_SAMPLES]);
  expect(await page.locator('#lag-legend .legend').allTextContents()).toEqual(['n1', 'n3']);
  // Throughput starts at the second sample (a rate needs two); requests and their p99 at the first.
  expect(await points('#throughput-chart polyline')).toEqual([SEEDED_SAMPLES - 1]);
  expect(await points('#requests-chart polyline')).toEqual([SEEDED_SAMPLES]);
  expect(await points('#latency-chart polyline')).toEqual([SEEDED_SAMPLES]);
  // 20 requests a second, one of them 40 ms: the p99 is that one's bucket (50 ms), the axis tops at 55.
  expect(await page.locator('#latency-chart text').allTextContents()).toContain('55');
  expect(await page.locator('#requests-chart text').allTextContents()).toContain('22');
  // Disk use and fsync p99 per node, from each member's Status.
  expect(await page.locator('.node[data-node-id="n2"] .disk').textContent()).toBe('disk: data 3.5 MiB, WAL 0.5 MiB · fsync p99 2 ms');
  expect(await page.locator('.node[data-node-id="n1"] .disk').textContent()).toBe('disk: data 1.0 MiB, WAL 0.0 MiB · fsync p99 –');
  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: join('test-artifacts', 'dashboard.png'), fullPage: true });

  cluster = threeNodeStatus();
  cluster[2] = { id: 'n3', address: '127.0.0.1:7003', status: null, error: 'deadline exceeded' };
  await page.locator('.node[data-node-id="n3"].down').waitFor();
  // An unreachable member's card is one line: its id and why.
  expect(await page.locator('.node[data-node-id="n3"]').innerText()).toMatch(/^n3\s+unreachable \(deadline exceeded\)$/);
  expect(await page.locator('.node[data-node-id="n3"] .err').textContent()).toBe('unreachable (deadline exceeded)');
  expect(problems).toEqual([]);
  await page.close();
});

test('node ids and errors are shown as text, never as markup', async () => {
  cluster = threeNodeStatus();
  cluster[2] = { id: '<img src=x onerror="window.pwned=1">', address: '', status: null, error: '<b>boom</b>' };
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.locator('.node.down .err').waitFor();
  expect(await page.locator('.node.down .err').textContent()).toBe('unreachable (<b>boom</b>)');
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await page.locator('#nodes img').count()).toBe(0);
  await page.close();
});

test('hostile strings in every field the page shows stay text: ids, addresses, leader, modes, alarms, errors, history', async () => {
  const payloads = ['<script>window.pwned=1</script>', `"'><img src=x onerror="window.pwned=2">`, '</td></tr><svg onload="window.pwned=3">'];
  const [p1, p2, p3] = payloads as [string, string, string];
  const base = threeNodeStatus();
  const leaderStatus = base[1]!.status!;
  cluster = [
    { id: p1, address: p2, status: { ...base[0]!.status!, id: p1, leader: p2, commitMode: p3 as CommitMode, effectiveCommitMode: p1 as CommitMode, alarms: [p2, p3] } },
    {
      id: p2,
      address: p3,
      status: { ...leaderStatus, id: p2, leader: p2, commitMode: p1 as CommitMode, effectiveCommitMode: p2 as CommitMode, alarms: [p1], lastBackupError: p3, followers: leaderStatus.followers.map((f, i) => ({ ...f, id: payloads[i]! })) },
    },
    { id: p3, address: p1, status: null, error: p2 },
  ];
  const hostileHistory = failoverHistory().map((e) => ('kind' in e && e.kind === 'quorum-loss' ? { ...e, lastLeader: p1, cause: p2 } : { ...e, from: p1, to: p2, reason: p3 }));
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.route('**/api/history', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(hostileHistory) }));
  // The series too: follower ids become chart legends, the node id the charts' caption.
  const hostileSeries = { node: p1, samples: [{ t: Date.now() - 1000, role: 'leader', appliedIndex: 1, appliedPerSecond: 1, requestsPerSecond: 1, requestP99Ms: 1, fsyncP99Ms: 1, backendBytes: 1, walBytes: 1, lagEntries: { [p2]: 1, [p3]: 2 } }] };
  await page.route('**/api/series*', (route) => route.fulfill({ json: hostileSeries }));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.locator('.node.down .err').waitFor();
  await page.locator('#history-rows tr').first().waitFor();
  await page.locator('#lag-legend .legend').nth(1).waitFor();
  await page.waitForTimeout(300); // a second poll renders everything again
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  // Nothing the payloads carry became an element.
  expect(await page.locator('img, svg[onload], script:not(:empty):has-text("pwned")').count()).toBe(0);
  expect(await page.locator('[onerror], [onload]').count()).toBe(0);
  const text = (await page.locator('body').textContent()) ?? '';
  for (const p of payloads) expect(text, `shown as text: ${p}`).toContain(p);
  cluster = threeNodeStatus();
  await page.close();
});

test('with --http-auth and auth on: the browser is asked to log in, and a raftdb user sees the dashboard', async () => {
  const dir = await tempDir();
  const sm = await StateMachine.open(`${dir}/sm`);
  const metricsB = new NodeMetrics({ nodeId: 'n2', snapshot: () => snapshot({ id: 'n2' }), sampleIntervalMs: 0, defaultMetrics: false });
  let gated: HttpServerHandle | null = null;
  try {
    const apply = async (op: AuthOp): Promise<void> => {
      await sm.apply([entry(sm.appliedIndex() + 1, { type: 'auth', op, ...(sm.auth.enabled ? { auth: { user: 'root', revision: sm.auth.revision } } : {}) })]);
    };
    const cheap = { N: 1024, r: 1, p: 1 };
    await apply({ op: 'userAdd', name: 'root', password: await hashPassword('rootpw', cheap) });
    await apply({ op: 'userGrant', name: 'root', role: 'root' });
    await apply({ op: 'userAdd', name: 'viewer', password: await hashPassword('viewerpw', cheap) });
    await apply({ op: 'enable', tokenKey: Buffer.alloc(32, 7) });
    const auth = new Authenticator(sm.auth, { tokenTtlMs: 60_000 });
    cluster = threeNodeStatus();
    gated = await startHttpServer({
      listen: '127.0.0.1:0',
      metrics: metricsB,
      auth: new HttpBasicAuth({ auth, audit: null, nodeId: 'n2', metrics: false }),
      health: () => ({ status: 'healthy', checks: [] }),
      clusterStatus: async () => cluster,
      history: async () => failoverHistory(),
    });
    const url = `http://127.0.0.1:${gated.port}/`;

    // No credentials: the server answers 401 with a Basic challenge; headless Chromium, having no
    // prompt to show, gives up on the page with ERR_INVALID_AUTH_CREDENTIALS.
    const direct = await fetch(url);
    expect(direct.status).toBe(401);
    expect(direct.headers.get('www-authenticate')).toMatch(/^Basic realm="raftdb"/);
    const anonymous = await browser.newPage();
    await expect(anonymous.goto(url)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    await anonymous.close();

    // A wrong password: the challenge comes back, the browser shows the 401 and no dashboard.
    const wrongCtx = await browser.newContext({ httpCredentials: { username: 'viewer', password: 'nope' } });
    const wrongPage = await wrongCtx.newPage();
    expect((await wrongPage.goto(url))?.status()).toBe(401);
    expect(await wrongPage.locator('#nodes').count()).toBe(0);
    await wrongCtx.close();

    // A user without any role logs in through the browser's Basic prompt; the page's own polls
    // of /api/status and /api/history carry the credentials and render.
    const ctx = await browser.newContext({ httpCredentials: { username: 'viewer', password: 'viewerpw' } });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('response', (r) => r.status() !== 200 && r.url().includes('/api/') && problems.push(`${r.url()} ${r.status()}`));
    expect((await page.goto(url))?.status()).toBe(200);
    await page.locator('#nodes .node').nth(2).waitFor();
    expect(await page.locator('#nodes .node.leader').getAttribute('data-node-id')).toBe('n2');
    await page.locator('#history-rows tr td', { hasText: 'switchover' }).waitFor();
    await page.waitForFunction(() => (document.querySelector('#lag-chart polyline')?.getAttribute('points') ?? '').split(' ').length >= 2);
    expect(problems).toEqual([]);
    await ctx.close();
  } finally {
    await gated?.close();
    metricsB.close();
    await sm.close();
    await cleanup(dir);
  }
});
