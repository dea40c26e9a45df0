// Fair shares on real nodes (in one process), spoken to with bare gRPC stubs, each on a
// connection of its own: past a connection's share of watches, a user's share, the calls one
// connection may run at once, or the connections one address may hold, only the offender's
// request fails, with RESOURCE_EXHAUSTED naming the limit, and everyone else goes on. Before
// these limits the node had one shared bound of 1,024 watches: one client opening 1,030 made
// every other client's new watch fail.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CLIENT_LIMITS } from '../../src/server/client-limits.js';
import { eventually } from './fixtures/load.js';
import { RawAuth } from './fixtures/raw-auth.js';
import { RawKv, type RawWatch } from './fixtures/raw.js';
import { InProcessCluster } from './in-process.js';

const key = (s: string): Buffer => Buffer.from(s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The watches among `ws` that ended, with their status. */
function ended(ws: RawWatch[]): Map<RawWatch, { code: string; details: string }> {
  const out = new Map<RawWatch, { code: string; details: string }>();
  for (const w of ws) void w.ended.then((st) => out.set(w, st));
  return out;
}

describe('watches per connection (the defaults), one node', () => {
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(1);
  });
  afterAll(async () => cluster?.close());

  test('1,030 watches on one connection: only that connection is refused past its share; another client opens watches and all of them work', async () => {
    const node = await cluster.leader();
    const greedy = new RawKv(node.address, undefined, true);
    const other = new RawKv(node.address, undefined, true);
    const share = DEFAULT_CLIENT_LIMITS.maxWatchesPerConnection;
    try {
      const mine = Array.from({ length: 1030 }, () => greedy.watch({ key: key('fair/k') }));
      const done = ended(mine);
      expect(await eventually(() => done.size >= 1030 - share, 15_000, 20)).toBe(true);
      await sleep(200);
      expect(done.size).toBe(1030 - share);
      const statuses = [...done.values()];
      expect(statuses.every((s) => s.code === 'RESOURCE_EXHAUSTED')).toBe(true);
      // 1,030 calls also pass the connection's 1,024 calls at once while the refused ones end: a
      // few may be refused by that limit instead.
      const byShare = statuses.filter((st) => st.details.includes(`too many watches on this connection: ${share} open, at most ${share} (--max-watches-per-connection)`));
      expect(byShare.length).toBeGreaterThan(1030 - share - 10);
      expect(statuses.every((st) => /--max-watches-per-connection|--max-concurrent-streams/.test(st.details))).toBe(true);
      // Another client is not affected.
      const theirs = Array.from({ length: 20 }, () => other.watch({ key: key('fair/k') }));
      const theirEnds = ended(theirs);
      await sleep(300);
      expect(theirEnds.size).toBe(0);
      expect((await other.call('Put', { key: key('fair/k'), value: key('v') })).code).toBe('OK');
      const live = mine.filter((w) => !done.has(w));
      expect(live.length).toBe(share);
      expect(await eventually(() => [...live, ...theirs].every((w) => w.events.length === 1), 10_000, 20)).toBe(true);
      for (const w of [...mine, ...theirs]) w.cancel();
    } finally {
      greedy.close();
      other.close();
    }
  });
});

describe('watches per user (auth on, a share of 3), one node', () => {
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(1, { clientLimits: { maxWatchesPerUser: 3 } });
  });
  afterAll(async () => cluster?.close());

  test("a user past its share is refused on any connection; another user's watches open", async () => {
    const node = await cluster.leader();
    const admin = new RawAuth(node.address);
    const ok = async (method: string, req: object): Promise<void> => expect((await admin.call(method, req)).code, method).toBe('OK');
    await ok('UserAdd', { name: 'root', password: 'rootpw' });
    await ok('UserGrantRole', { user: 'root', role: 'root' });
    await ok('RoleAdd', { name: 'reader' });
    await ok('RoleGrantPermission', { name: 'reader', permission: { type: 'READ', key: key('u/'), rangeEnd: key('u0') } });
    for (const name of ['alice', 'bob']) {
      await ok('UserAdd', { name, password: `${name}pw` });
      await ok('UserGrantRole', { user: name, role: 'reader' });
    }
    await ok('AuthEnable', {});
    const alice = await admin.token('alice', 'alicepw');
    const bob = await admin.token('bob', 'bobpw');
    const conns = [0, 1, 2].map(() => new RawKv(node.address, undefined, true));
    try {
      const a = [conns[0]!.watch({ key: key('u/a') }, { token: alice }), conns[0]!.watch({ key: key('u/a') }, { token: alice }), conns[1]!.watch({ key: key('u/a') }, { token: alice })];
      const aEnds = ended(a);
      await sleep(300);
      expect(aEnds.size).toBe(0);
      const fourth = conns[1]!.watch({ key: key('u/a') }, { token: alice });
      expect(await Promise.race([fourth.ended, sleep(5000).then(() => ({ code: 'still open after 5 s' }))])).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: expect.stringContaining('too many watches for user "alice" on this node: 3 open, at most 3 (--max-watches-per-user)') });
      const b = [0, 1, 2].map(() => conns[2]!.watch({ key: key('u/a') }, { token: bob }));
      const bEnds = ended(b);
      await sleep(300);
      expect(bEnds.size).toBe(0);
      // A watch given back makes room again.
      a[0]!.cancel();
      expect(await eventually(async () => {
        const w = conns[0]!.watch({ key: key('u/a') }, { token: alice });
        return (await Promise.race([w.ended, sleep(300).then(() => null)])) === null; // still open
      }, 5000, 50)).toBe(true);
      for (const w of [...a, ...b]) w.cancel();
    } finally {
      for (const c of conns) c.close();
      admin.close();
    }
  });
});

describe('calls at once per connection (16) and connections per address (8), one node', () => {
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(1, { clientLimits: { maxConcurrentStreams: 16, maxConnectionsPerAddress: 8 } });
  });
  afterAll(async () => cluster?.close());

  test('the call past 16 at once on a connection is refused; other connections are served; a finished call makes room', async () => {
    const node = await cluster.leader();
    const busy = new RawKv(node.address, undefined, true);
    const calm = new RawKv(node.address, undefined, true);
    try {
      const watches = Array.from({ length: 16 }, () => busy.watch({ key: key('c/k') }));
      const ends = ended(watches);
      await sleep(300);
      expect(ends.size).toBe(0);
      const refused = await busy.call('Get', { key: key('c/k') });
      expect(refused).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: expect.stringContaining('too many calls at once on this connection: 16 running, at most 16 (--max-concurrent-streams)') });
      expect((await calm.call('Get', { key: key('c/k') })).code).toBe('OK');
      watches[0]!.cancel();
      expect(await eventually(async () => (await busy.call('Get', { key: key('c/k') })).code === 'OK', 5000, 50)).toBe(true);
      for (const w of watches) w.cancel();
    } finally {
      busy.close();
      calm.close();
    }
  });

  test('the connection past 8 from one address is refused and closed; the others are served; a closed one makes room', async () => {
    const node = await cluster.leader();
    // Each stub has a connection of its own; a call opens it.
    const conns = Array.from({ length: 8 }, () => new RawKv(node.address, undefined, true));
    const extra: RawKv[] = [];
    try {
      for (const c of conns) expect((await c.call('Get', { key: key('c/k') })).code).toBe('OK');
      const ninth = new RawKv(node.address, undefined, true);
      extra.push(ninth);
      const refused = await ninth.call('Get', { key: key('c/k') });
      expect(refused).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: expect.stringMatching(/too many connections from 127\.0\.0\.1: 8 open, at most 8 \(--max-connections-per-address\)/) });
      for (const c of conns) expect((await c.call('Get', { key: key('c/k') })).code).toBe('OK');
      conns.pop()!.close();
      expect(await eventually(async () => {
        const fresh = new RawKv(node.address, undefined, true);
        extra.push(fresh);
        return (await fresh.call('Get', { key: key('c/k') }, 1000)).code === 'OK';
      }, 10_000, 200)).toBe(true);
    } finally {
      for (const c of [...conns, ...extra]) c.close();
    }
  });
});
