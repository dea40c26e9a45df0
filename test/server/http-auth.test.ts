// --http-auth: the HTTP server's gate (src/server/http-auth.ts) over a real Authenticator on a real
// state machine, served by the real HTTP server: what is refused (401 with a Basic challenge), what
// stays open (/healthz, /readyz, /metrics unless gated), who is let in, and that a login is checked
// once, then again only when its user, the key or the password changes.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuditLog, Authenticator, hashPassword } from '../../src/auth/index.js';
import { NodeMetrics, startHttpServer, type HttpServerHandle } from '../../src/metrics/index.js';
import { HttpBasicAuth, MAX_HTTP_LOGINS, parseAuthorization } from '../../src/server/http-auth.js';
import type { AuthOp } from '../../src/state/auth-records.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { failoverHistory, snapshot, threeNodeStatus } from '../metrics/fixtures.js';
import { cleanup, entry, tempDir } from '../state/helpers.js';

let dir: string;
let sm: StateMachine;
let auth: Authenticator;
let audit: AuditLog;
let metrics: NodeMetrics;
let server: HttpServerHandle | null;
let url: string;

async function run(op: AuthOp): Promise<void> {
  const [r] = await sm.apply([entry(sm.appliedIndex() + 1, { type: 'auth', op, ...(sm.auth.enabled ? { auth: { user: 'root', revision: sm.auth.revision } } : {}) })]);
  expect(r!.result).toMatchObject({ type: 'auth' });
}

/** Cheap scrypt parameters: the gate's behaviour, not the hash's cost, is under test. */
const password = (pw: string): ReturnType<typeof hashPassword> => hashPassword(pw, { N: 1024, r: 1, p: 1 });

async function serve(gateMetrics: boolean): Promise<void> {
  const gate = new HttpBasicAuth({ auth, audit, nodeId: 'n1', metrics: gateMetrics });
  server = await startHttpServer({
    listen: '127.0.0.1:0',
    metrics,
    auth: gate,
    health: () => ({ status: 'healthy', checks: [] }),
    clusterStatus: async () => threeNodeStatus(),
    history: async () => failoverHistory(),
  });
  url = `http://127.0.0.1:${server.port}`;
}

const basic = (user: string, pw: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
const status = async (path: string, headers: Record<string, string> = {}): Promise<number> => (await fetch(`${url}${path}`, { headers })).status;

beforeEach(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/sm`);
  auth = new Authenticator(sm.auth, { tokenTtlMs: 60_000 });
  audit = await AuditLog.open(`${dir}/audit.jsonl`);
  metrics = new NodeMetrics({ nodeId: 'n1', snapshot: () => snapshot(), sampleIntervalMs: 0, defaultMetrics: false });
  await run({ op: 'userAdd', name: 'root', password: await password('rootpw') });
  await run({ op: 'userGrant', name: 'root', role: 'root' });
  // alice holds no role at all: the dashboard shows what Status shows any caller.
  await run({ op: 'userAdd', name: 'alice', password: await password('alicepw') });
  server = null;
});
afterEach(async () => {
  await server?.close();
  metrics.close();
  await audit.close();
  await sm.close();
  await cleanup(dir);
});

describe('--http-auth', () => {
  it('while auth is off, everything is open', async () => {
    await serve(true);
    for (const path of ['/', '/api/status', '/api/history', '/metrics', '/healthz']) expect([path, await status(path)]).toEqual([path, 200]);
  });

  it('with auth on: the dashboard and its JSON need credentials (401 + Basic challenge); probes and /metrics stay open', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    for (const path of ['/', '/api/status', '/api/history']) {
      const res = await fetch(`${url}${path}`);
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="raftdb", charset="UTF-8"');
      const body = await res.text();
      expect(body).toContain('authentication required');
      expect(body).not.toContain('n2'); // nothing of the cluster leaks
      expect((await fetch(`${url}${path}`, { method: 'HEAD' })).status).toBe(401);
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) expect([path, await status(path)]).toEqual([path, 200]);
  });

  it('--http-auth-metrics gates /metrics too', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(true);
    expect(await status('/metrics')).toBe(401);
    expect(await status('/metrics', basic('alice', 'alicepw'))).toBe(200);
    expect(await status('/healthz')).toBe(200);
  });

  it('any user with the right password gets in; a wrong password or an unknown user does not', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    const res = await fetch(`${url}/api/status`, { headers: basic('alice', 'alicepw') });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(threeNodeStatus());
    expect(await status('/', basic('root', 'rootpw'))).toBe(200);
    const wrong = await fetch(`${url}/api/status`, { headers: basic('alice', 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const unknown = await fetch(`${url}/api/status`, { headers: basic('mallory', 'alicepw') });
    expect(await unknown.json()).toEqual(await wrong.json());
  });

  it('a login costs one password check; the next requests reuse it until the user changes', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    const checks = vi.spyOn(auth, 'authenticate');
    for (let i = 0; i < 5; i++) expect(await status('/api/status', basic('alice', 'alicepw'))).toBe(200);
    expect(checks).toHaveBeenCalledTimes(1);
    // A key rotation ends every token: the same password logs in again, once.
    await run({ op: 'rotateKey', tokenKey: Buffer.alloc(32, 2) });
    expect(await status('/api/status', basic('alice', 'alicepw'))).toBe(200);
    expect(await status('/api/status', basic('alice', 'alicepw'))).toBe(200);
    expect(checks).toHaveBeenCalledTimes(2);
    // A new password: the remembered login is stale and the old password no longer works.
    await run({ op: 'userPassword', name: 'alice', password: await password('newpw') });
    expect(await status('/api/status', basic('alice', 'alicepw'))).toBe(401);
    expect(await status('/api/status', basic('alice', 'newpw'))).toBe(200);
    // A deleted user is out at once, remembered login or not.
    await run({ op: 'userDelete', name: 'alice' });
    expect(await status('/api/status', basic('alice', 'newpw'))).toBe(401);
  });

  it('a token from Authenticate works as a Bearer credential; a forged one does not', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    const { token } = await auth.authenticate('alice', 'alicepw');
    expect(await status('/api/history', { authorization: `Bearer ${token}` })).toBe(200);
    expect(await status('/api/history', { authorization: `Bearer ${token.slice(0, -2)}xx` })).toBe(401);
  });

  it('malformed or hostile Authorization headers are a 401 with the reason, never a 500', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    const cases = ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Digest x', `Basic ${'A'.repeat(10_000)}`, 'Bearer ', 'Bearer a.b.c'];
    for (const h of cases) {
      const res = await fetch(`${url}/api/status`, { headers: { authorization: h } });
      expect([h.slice(0, 20), res.status]).toEqual([h.slice(0, 20), 401]);
    }
    expect(parseAuthorization('bAsIc ' + Buffer.from('a:b:c').toString('base64'))).toEqual({ kind: 'basic', user: 'a', password: 'b:c' });
  });

  it('refusals go to the audit log, without the password', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    await serve(false);
    expect(await status('/api/status', basic('alice', 'secret-guess'))).toBe(401);
    await audit.close();
    const lines = readFileSync(`${dir}/audit.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ node: 'n1', user: null, method: 'HTTP GET /api/status', outcome: 'UNAUTHENTICATED', client: expect.stringMatching(/^ipv4:127\.0\.0\.1:\d+$/) })]);
    expect(JSON.stringify(lines)).not.toContain('secret-guess');
    audit = await AuditLog.open(`${dir}/audit2.jsonl`);
  });

  it('remembers a bounded number of logins: past the bound it starts over', async () => {
    await run({ op: 'enable', tokenKey: Buffer.alloc(32, 1) });
    const gate = new HttpBasicAuth({ auth, audit, nodeId: 'n1', metrics: false });
    const checks = vi.spyOn(auth, 'authenticate');
    // Distinct headers with the same credentials (trailing blanks): each a login of its own.
    const header = (i: number): string => basic('alice', 'alicepw').authorization! + ' '.repeat(i);
    const check = (i: number): ReturnType<HttpBasicAuth['check']> => gate.check({ authorization: header(i), client: 'x', method: 'GET', path: '/' });
    for (let i = 0; i < MAX_HTTP_LOGINS; i++) expect(await check(i)).toEqual({ ok: true, user: 'alice' });
    await check(0);
    expect(checks).toHaveBeenCalledTimes(MAX_HTTP_LOGINS); // the first is still remembered
    await check(MAX_HTTP_LOGINS); // one more than the bound: the table starts over
    await check(0);
    expect(checks).toHaveBeenCalledTimes(MAX_HTTP_LOGINS + 2);
  });
});
