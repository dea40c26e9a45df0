// Users and roles with real processes: every KV method as a unary call and as a pipeline
// operation, on the leader and through a follower (whose linearizable requests the leader checks,
// and whose serializable reads it checks itself), allowed, denied (naming the range) and without
// credentials; a watch that ends when its grant is revoked; a token that stops working after
// `user revoke-role`; root-only cluster verbs; the TypeScript client authenticating by itself.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { RawKv, type RawResult } from './fixtures/raw.js';
import { RawAuth, RawPipeline } from './fixtures/raw-auth.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';
import { raftdb } from '../cli/harness.js';

const b = (s: string): Buffer => Buffer.from(s);

/** How a stream ended, or TIMEOUT after `ms` (a test must fail, not hang, when a stream stays open). */
function within<T>(p: Promise<T>, ms = 10_000): Promise<T | 'TIMEOUT'> {
  return Promise.race([p, new Promise<'TIMEOUT'>((r) => setTimeout(() => r('TIMEOUT'), ms))]);
}

/** One request of a KV method, and what alice (role app) gets for it. */
interface Case {
  method: 'Put' | 'Get' | 'Delete' | 'Range' | 'Txn';
  request: object;
  /** null: allowed; else the PERMISSION_DENIED message. */
  denied: string | null;
}

const txn = (compareKey: string, failurePut: string): object => ({
  compare: [{ key: b(compareKey), target: 'VERSION', op: 'GREATER', number: 0 }],
  success: [{ put: { key: b('app/t'), value: b('1') } }],
  failure: [{ put: { key: b(failurePut), value: b('1') } }],
});

// Role app: readwrite on prefix app/, read on key shared, write on range [w/a, w/m).
const CASES: Case[] = [
  { method: 'Put', request: { key: b('app/k'), value: b('v') }, denied: null },
  { method: 'Put', request: { key: b('w/b'), value: b('v') }, denied: null },
  { method: 'Put', request: { key: b('shared'), value: b('v') }, denied: 'may not write key "shared"' },
  { method: 'Put', request: { key: b('w/m'), value: b('v') }, denied: 'may not write key "w/m"' },
  { method: 'Get', request: { key: b('shared') }, denied: null },
  { method: 'Get', request: { key: b('shared'), consistency: 'SERIALIZABLE' }, denied: null },
  { method: 'Get', request: { key: b('w/b') }, denied: 'may not read key "w/b"' },
  { method: 'Get', request: { key: b('w/b'), consistency: 'SERIALIZABLE' }, denied: 'may not read key "w/b"' },
  { method: 'Delete', request: { key: b('app/tmp/'), prefix: true }, denied: null },
  { method: 'Delete', request: { key: b('w/a'), rangeEnd: b('w/z') }, denied: 'may not write range ["w/a", "w/z")' },
  { method: 'Range', request: { key: b('app/'), prefix: true }, denied: null },
  { method: 'Range', request: { key: b('app/'), prefix: true, consistency: 'SERIALIZABLE' }, denied: null },
  { method: 'Range', request: { key: b('ap'), prefix: true }, denied: 'may not read prefix "ap"' },
  { method: 'Range', request: { key: b('a'), rangeEnd: Buffer.from([0]), consistency: 'SERIALIZABLE' }, denied: 'may not read keys from "a"' },
  { method: 'Txn', request: txn('shared', 'w/c'), denied: null },
  { method: 'Txn', request: txn('secret', 'w/c'), denied: 'may not read key "secret"' },
  // The failure branch would not run (shared exists after the puts above); it is checked all the same.
  { method: 'Txn', request: txn('shared', 'secret'), denied: 'may not write key "secret"' },
];

describe('users and roles, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  let leader: string;
  let follower: string;
  let aliceToken: string;
  let rootToken: string;
  let root: RaftdbClient;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, nodeArgs: (id, dir) => ['--audit-log', join(dir, `${id}.audit.jsonl`)] });
    const admin = cluster.client();
    await admin.auth.userAdd('root', 'rootpw');
    await admin.auth.userGrantRole('root', 'root');
    await admin.auth.userAdd('alice', 'alicepw');
    await admin.auth.userAdd('bob', 'bobpw');
    await admin.auth.roleAdd('app');
    await admin.auth.roleGrantPermission('app', 'readwrite', { key: 'app/', prefix: true });
    await admin.auth.roleGrantPermission('app', 'read', { key: 'shared' });
    await admin.auth.roleGrantPermission('app', 'write', { key: 'w/a', rangeEnd: 'w/m' });
    await admin.auth.userGrantRole('alice', 'app');
    await admin.auth.enable();
    const l = await cluster.leader();
    leader = l.address;
    follower = cluster.endpoints().find((e) => e !== leader)!;
    const a = new RawAuth(follower);
    aliceToken = await a.token('alice', 'alicepw');
    rootToken = await a.token('root', 'rootpw');
    a.close();
    root = cluster.client({ auth: { user: 'root', password: 'rootpw' } });
    await root.put('shared', 'x');
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  async function send(node: string, mode: 'unary' | 'pipeline', c: Case, token?: string): Promise<RawResult> {
    if (mode === 'unary') {
      const kv = new RawKv(node);
      try {
        return await kv.call(c.method, c.request, 5000, token ? { token } : {});
      } finally {
        kv.close();
      }
    }
    const p = new RawPipeline(node, token);
    try {
      return await p.call(c.method.toLowerCase(), c.request);
    } finally {
      p.close();
    }
  }

  for (const where of ['leader', 'follower'] as const) {
    for (const mode of ['unary', 'pipeline'] as const) {
      test(`each KV method, ${mode}, on the ${where}: allowed, denied naming the range, no credentials`, async () => {
        const node = where === 'leader' ? leader : follower;
        const seen: string[] = [];
        for (const c of CASES) {
          const r = await send(node, mode, c, aliceToken);
          const what = `${c.method} ${JSON.stringify(c.request).slice(0, 80)}`;
          if (c.denied === null) seen.push(`${what}: ${r.code === 'OK' ? 'OK' : `${r.code} ${r.details}`}`);
          else seen.push(`${what}: ${r.code === 'PERMISSION_DENIED' && r.details === `permission denied: user "alice" ${c.denied}` ? 'denied' : `${r.code} ${r.details}`}`);
        }
        expect(seen).toEqual(CASES.map((c) => `${c.method} ${JSON.stringify(c.request).slice(0, 80)}: ${c.denied === null ? 'OK' : 'denied'}`));
        for (const method of ['Put', 'Get', 'Delete', 'Range', 'Txn'] as const) {
          const c = CASES.find((x) => x.method === method && x.denied === null)!;
          const r = await send(node, mode, c);
          expect(r, `${method} without a token`).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('authentication required') });
        }
        // A user without roles may do nothing; a forged token is refused.
        expect(await send(node, mode, CASES[0]!, await new RawAuth(node).token('bob', 'bobpw'))).toMatchObject({ code: 'PERMISSION_DENIED' });
        expect(await send(node, mode, CASES[0]!, `${aliceToken.slice(0, -4)}AAAA`)).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('invalid token') });
      });
    }
  }

  test('nothing a denied request asked for was written', async () => {
    for (const k of ['secret', 'w/m']) expect((await root.get(k)).kv).toBeNull();
    expect(await root.getString('shared')).toBe('x');
  });

  test('the TypeScript client authenticates by itself, over pipelines and unary calls', async () => {
    for (const pipeline of [true, false]) {
      const alice = cluster!.client({ auth: { user: 'alice', password: 'alicepw' }, pipeline, endpoints: [follower] });
      await alice.put('app/ts', String(pipeline));
      expect(await alice.getString('app/ts')).toBe(String(pipeline));
      const err = await alice.put('secret', 'x').catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'PERMISSION_DENIED', details: 'permission denied: user "alice" may not write key "secret"' });
    }
    const wrong = cluster!.client({ auth: { user: 'alice', password: 'nope' } });
    expect(await wrong.get('app/ts').catch((e: Error) => e)).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('wrong user name or password') });
  });

  test('the CLI with --user: allowed, denied, and administration as root', async () => {
    const ep = ['--endpoints', cluster!.endpoints().join(',')];
    expect(await raftdb(['put', 'app/cli', 'v', '--user', 'alice:alicepw', ...ep])).toMatchObject({ code: 0 });
    expect(await raftdb(['get', 'app/cli', ...ep], { env: { RAFTDB_USER: 'alice:alicepw' } })).toMatchObject({ code: 0, stdout: 'v\n' });
    expect(await raftdb(['put', 'secret', 'v', '--user', 'alice:alicepw', ...ep])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'raftdb: PERMISSION_DENIED: permission denied: user "alice" may not write key "secret"\n',
    });
    expect(await raftdb(['get', 'app/cli', ...ep])).toMatchObject({ code: 1, stderr: expect.stringContaining('UNAUTHENTICATED') });
    expect(await raftdb(['role', 'get', 'app', '--user', 'root', ...ep], { stdin: 'rootpw\n' })).toMatchObject({ code: 0, stdout: expect.stringContaining('KV Write:') });
    expect(await raftdb(['user', 'list', '--user', 'alice:alicepw', ...ep])).toMatchObject({ code: 1, stderr: expect.stringContaining('PERMISSION_DENIED') });
    expect(await raftdb(['auth', 'status', ...ep])).toMatchObject({ code: 0, stdout: expect.stringContaining('Authentication Status: true') });
  });

  test('cluster verbs need root; status stays open', async () => {
    const raw = new RawAuth(follower);
    for (const [method, request] of [
      ['SetCommitMode', { mode: 'SEMI_SYNC' }],
      ['MemberRemove', { id: 'n9' }],
      ['MemberAdd', { id: 'n9', address: '127.0.0.1:1' }],
      ['TransferLeadership', { to: 'n9' }],
      ['AlarmDisarm', {}],
      ['AlarmActivate', { memberId: 'n1', alarm: 'NOSPACE' }],
      // A member's report of a quorum loss: a client that is not root cannot forge one.
      ['ReportQuorumLoss', { event: { startedAtMs: Date.now() - 5000, endedAtMs: Date.now() - 1000, durationMs: 4000, detectedAtMs: Date.now() - 4900, cause: 'check-quorum', lastLeader: 'n1', lastLeaderTerm: 1, regainedTerm: 2, observedBy: ['n1'] } }],
      ['Compact', { revision: 0 }],
      ['Defragment', {}],
    ] as const) {
      expect(await raw.call(method, request, aliceToken, { cluster: true }), method).toMatchObject({ code: 'PERMISSION_DENIED', details: expect.stringContaining('needs the root role') });
      expect(await raw.call(method, request, undefined, { cluster: true }), method).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(await raw.call('SetCommitMode', { mode: 'SEMI_SYNC' }, rootToken, { cluster: true })).toMatchObject({ code: 'OK' });
    expect(await raw.call('MemberRemove', { id: 'n9' }, rootToken, { cluster: true })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await raw.call('Status', {}, undefined, { cluster: true })).toMatchObject({ code: 'OK' });
    expect(await raw.call('AlarmList', {}, undefined, { cluster: true })).toMatchObject({ code: 'OK' });
    expect(await raw.call('Compact', { revision: 0 }, rootToken, { cluster: true })).toMatchObject({ code: 'OK' });
    raw.close();
  });

  test('maintenance verbs (Backup, HashKV) need root, like etcd\'s Snapshot and HashKV', async () => {
    const raw = new RawAuth(follower);
    expect(await raw.call('HashKV', { revision: 0 }, aliceToken, { maintenance: true })).toMatchObject({ code: 'PERMISSION_DENIED', details: expect.stringContaining('needs the root role') });
    expect(await raw.call('HashKV', { revision: 0 }, undefined, { maintenance: true })).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await raw.backup(aliceToken)).toMatchObject({ code: 'PERMISSION_DENIED', details: expect.stringContaining('needs the root role') });
    expect(await raw.backup()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await raw.call('HashKV', { revision: 0 }, rootToken, { maintenance: true })).toMatchObject({ code: 'OK', response: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(await raw.backup(rootToken)).toMatchObject({ code: 'OK', response: { messages: expect.any(Number) } });
    raw.close();
    // The CLI passes the user's token on the backup stream and on HashKV.
    const ep = ['--endpoints', cluster!.endpoints().join(',')];
    const out = join(cluster!.dir, 'auth-backups');
    expect(await raftdb(['backup', 'create', '--out', out, '--json', ...ep])).toMatchObject({ code: 1, stderr: expect.stringContaining('UNAUTHENTICATED') });
    const made = await raftdb(['backup', 'create', '--out', out, '--json', '--user', 'root:rootpw', ...ep]);
    expect(made, made.stderr).toMatchObject({ code: 0 });
    expect(await raftdb(['backup', 'verify', out, '--json'])).toMatchObject({ code: 0 });
    expect(await raftdb(['check', 'hash', '--user', 'root:rootpw', ...ep])).toMatchObject({ code: 0 });
  });

  test('a watch ends with PERMISSION_DENIED when its grant is revoked, on the leader and a follower', async () => {
    const watches = [leader, follower].map((n) => new RawKv(n).watch({ key: b('app/w/'), prefix: true }, { token: aliceToken }));
    const ts = cluster!.client({ auth: { user: 'alice', password: 'alicepw' } }).watch({ key: 'app/w/', prefix: true });
    const tsEvents: string[] = [];
    const tsEnded = (async () => {
      try {
        for await (const e of ts) tsEvents.push(e.kv.keyString());
        return 'done';
      } catch (err) {
        return (err as { code: string }).code;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await root.put('app/w/1', 'a');
    for (const w of watches) await w.waitFor(1);
    await root.auth.roleRevokePermission('app', { key: 'app/', prefix: true });
    for (const w of watches) expect(await within(w.ended)).toEqual({ code: 'PERMISSION_DENIED', details: 'permission denied: user "alice" may no longer read prefix "app/w/"' });
    await root.put('app/w/2', 'b');
    for (const w of watches) expect(w.events.map((e) => e.kv.key.toString())).toEqual(['app/w/1']);
    expect(await within(tsEnded)).toBe('PERMISSION_DENIED');
    expect(tsEvents).toEqual(['app/w/1']);
    // Opening one now is refused at once.
    const late = new RawKv(follower).watch({ key: b('app/w/'), prefix: true }, { token: aliceToken });
    expect(await within(late.ended)).toMatchObject({ code: 'PERMISSION_DENIED' });
    await root.auth.roleGrantPermission('app', 'readwrite', { key: 'app/', prefix: true });
  });

  test('a token stops working after user revoke-role, on every node; a new one is denied', async () => {
    const a = new RawAuth(leader);
    const token = await a.token('alice', 'alicepw');
    const get = { method: 'Get' as const, request: { key: b('app/k'), consistency: 'SERIALIZABLE' }, denied: null };
    for (const n of cluster!.endpoints()) expect(await send(n, 'unary', get, token)).toMatchObject({ code: 'OK' });
    await root.auth.userRevokeRole('alice', 'app');
    // Every node has applied the revocation once the leader has answered and a write after it
    // was applied everywhere: wait for that, then the old token is refused on each of them.
    await root.put('app/after', 'x');
    for (const n of cluster!.endpoints()) {
      let r = await send(n, 'unary', get, token);
      for (let i = 0; i < 50 && r.code === 'OK'; i++) {
        await new Promise((res) => setTimeout(res, 20));
        r = await send(n, 'unary', get, token);
      }
      expect(r, n).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('authenticate again') });
    }
    const fresh = await a.token('alice', 'alicepw');
    expect(await send(follower, 'unary', get, fresh)).toMatchObject({ code: 'PERMISSION_DENIED' });
    a.close();
    await root.auth.userGrantRole('alice', 'app');
  });

  test('the audit log has a line for each kind: write, admin action, auth change, refusal; never a value or password', async () => {
    const id = (await cluster!.leader()).id;
    const leaderNode = cluster!.nodes.get(id)!;
    const followerNode = [...cluster!.nodes.values()].find((n) => n.id !== id)!;
    // alice changed in the test before (revoke-role, grant-role): her first token is stale.
    const aliceToken = await new RawAuth(leaderNode.address).token('alice', 'alicepw');
    const viaFollower = new RawKv(followerNode.address);
    await viaFollower.call('Put', { key: b('app/audited'), value: b('VALUE-NOT-LOGGED') }, 5000, { token: aliceToken });
    await viaFollower.call('Get', { key: b('secret'), consistency: 'SERIALIZABLE' }, 5000, { token: aliceToken });
    await viaFollower.call('Put', { key: b('app/anon'), value: b('x') });
    viaFollower.close();
    await root.cluster.setCommitMode({ mode: 'semi-sync' });
    await root.auth.userAdd('carol', 'PASSWORD-NOT-LOGGED');
    const read = (n: { id: string }): Record<string, unknown>[] => {
      const file = join(cluster!.dir, `${n.id}.audit.jsonl`);
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    };
    // Lines are written asynchronously: wait until the last one is there.
    for (let i = 0; i < 100 && !read(leaderNode).some((r) => r.method === 'UserAdd' && r.subject === 'carol'); i++) await new Promise((r) => setTimeout(r, 20));
    const lead = read(leaderNode);
    const follow = read(followerNode);
    // A write forwarded by the follower: logged by the leader, with the client's address and the follower's.
    expect(lead).toContainEqual(expect.objectContaining({ method: 'Put', user: 'alice', ranges: ['key "app/audited"'], outcome: 'OK', revision: expect.any(Number), client: expect.stringMatching(/^(ipv4:)?127\.0\.0\.1:\d+$/), via: expect.stringMatching(/127\.0\.0\.1/), node: id }));
    // A refused serializable read: logged by the follower that refused it.
    expect(follow).toContainEqual(expect.objectContaining({ method: 'Get', user: 'alice', ranges: ['key "secret"'], outcome: 'PERMISSION_DENIED', error: expect.stringContaining('may not read') }));
    expect(lead).toContainEqual(expect.objectContaining({ method: 'Put', user: null, outcome: 'UNAUTHENTICATED', ranges: ['key "app/anon"'] }));
    expect(lead).toContainEqual(expect.objectContaining({ method: 'SetCommitMode', user: 'root', subject: 'semi-sync', outcome: 'OK' }));
    expect(lead).toContainEqual(expect.objectContaining({ method: 'UserAdd', user: 'root', subject: 'carol', outcome: 'OK' }));
    expect(lead.some((r) => r.method === 'Authenticate' && r.subject === 'root' && r.outcome === 'OK')).toBe(true);
    expect(lead).toContainEqual(expect.objectContaining({ method: 'RoleRevokePermission', subject: 'app', ranges: ['prefix "app/"'], outcome: 'OK' }));
    expect(lead.concat(follow).some((r) => r.method === 'Watch' && r.outcome === 'PERMISSION_DENIED')).toBe(true);
    for (const n of cluster!.nodes.values()) {
      const text = existsSync(join(cluster!.dir, `${n.id}.audit.jsonl`)) ? readFileSync(join(cluster!.dir, `${n.id}.audit.jsonl`), 'utf8') : '';
      for (const secret of ['VALUE-NOT-LOGGED', 'PASSWORD-NOT-LOGGED', 'alicepw', 'rootpw', aliceToken]) expect(text).not.toContain(secret);
    }
  });
});
