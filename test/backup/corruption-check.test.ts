// The corruption check: its verdicts from the members' answers (unit), then on three in-process
// nodes, one of which has a value altered in its LevelDB while stopped: that member, and only it,
// raises CORRUPT through the log like NOSPACE (every member lists it; the odd one is not ready,
// its Status names the others, raftdb_hash_mismatch_total counts it); a disarm clears it and a
// member still different raises it again.
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptionCheck, type HashPeer } from '../../src/backup/corruption-check.js';
import { connect } from '../../src/client/index.js';
import { startNode } from '../../src/server/index.js';
import { eventually } from '../integration/fixtures/load.js';
import { freePorts, InProcessCluster } from '../integration/in-process.js';

const log = pino({ level: 'silent' });

/** A check whose alarm table is `table.raised` (raise() sets it, as the log would apply it). */
function check(mine: string, peers: Record<string, string | null>): { c: CorruptionCheck; mismatches: () => number; table: { raised: boolean; raises: number } } {
  let mismatches = 0;
  const table = { raised: false, raises: 0 };
  const hashPeers: HashPeer[] = Object.entries(peers).map(([id, h]) => ({ id, hashKv: async () => (h === null ? Promise.reject(new Error('down')) : h) }));
  const c = new CorruptionCheck({
    selfId: 'me',
    revision: () => 7,
    localHash: async () => mine,
    peers: () => hashPeers,
    log,
    onMismatch: () => mismatches++,
    raised: () => table.raised,
    raise: async () => {
      table.raises++;
      table.raised = true;
    },
  });
  return { c, mismatches: () => mismatches, table };
}

describe('corruption check verdicts', () => {
  it('ok when all agree or this member is with the majority; corrupt when a strict majority differs; else inconclusive', async () => {
    expect((await check('a', { x: 'a', y: 'a' }).c.runOnce()).verdict).toBe('ok');
    expect((await check('a', { x: 'a', y: 'b' }).c.runOnce()).verdict).toBe('ok');
    const bad = check('b', { x: 'a', y: 'a' });
    expect((await bad.c.runOnce()).verdict).toBe('corrupt');
    expect(bad.mismatches()).toBe(1);
    expect(bad.c.detail()).toMatch(/^CORRUPT: HashKV at revision 7 differs from x, y/);
    // Raised through the log once; a second round finds it there and does not propose again.
    expect(bad.table.raises).toBe(1);
    await bad.c.runOnce();
    expect(bad.table.raises).toBe(1);
    // Two members that differ, or three that all differ: nobody can tell which is right.
    expect((await check('a', { x: 'b' }).c.runOnce()).verdict).toBe('inconclusive');
    expect((await check('a', { x: 'b', y: 'c' }).c.runOnce()).verdict).toBe('inconclusive');
    // Unreachable members do not count; alone, a member cannot judge itself.
    const alone = check('a', { x: null, y: null });
    expect((await alone.c.runOnce()).verdict).toBe('inconclusive');
    expect(alone.c.alarm).toBeNull();
    // A member that has applied nothing (revision 0, "now" to HashKV) compares nothing.
    const empty = check('a', { x: 'b', y: 'b' });
    (empty.c as unknown as { deps: { revision: () => number } }).deps.revision = () => 0;
    expect((await empty.c.runOnce()).verdict).toBe('inconclusive');
    expect(empty.table.raises).toBe(0);
    // 5 members: 3 against 2, this one in the 2.
    expect((await check('b', { w: 'b', x: 'a', y: 'a', z: 'a' }).c.runOnce()).verdict).toBe('corrupt');
  });

  it('a disarm clears the finding; a member still different raises the alarm again; a failed raise is retried', async () => {
    const bad = check('b', { x: 'a', y: 'a' });
    await bad.c.runOnce();
    expect(bad.c.detail()).not.toBeNull();
    bad.table.raised = false; // an operator's disarm, applied
    expect(bad.c.detail()).toBeNull();
    await bad.c.runOnce();
    expect(bad.table.raises).toBe(2);
    expect(bad.c.detail()).toMatch(/^CORRUPT/);

    // No leader to raise it with: not ready all the same (detail), and the next round tries again.
    const noLeader = check('b', { x: 'a', y: 'a' });
    let attempts = 0;
    (noLeader.c as unknown as { deps: { raise: () => Promise<void> } }).deps.raise = async () => {
      attempts++;
      throw new Error('no leader');
    };
    await noLeader.c.runOnce();
    expect(noLeader.c.detail()).toMatch(/^CORRUPT/);
    await noLeader.c.runOnce();
    expect(attempts).toBe(2);
  });
});

describe('corruption check on a cluster', () => {
  let cluster: InProcessCluster | undefined;
  afterAll(async () => cluster?.close());

  it('the member with an altered value raises CORRUPT; the others do not', async () => {
    cluster = await InProcessCluster.start(3, { corruptionCheckIntervalMs: 300 });
    await cluster.leader();
    const client = connect({ endpoints: cluster.endpoints() });
    try {
      for (let i = 0; i < 100; i++) await client.put(`k/${i}`, `value ${i}`);
      // Nobody differs: a few rounds pass without an alarm anywhere.
      await new Promise((r) => setTimeout(r, 1200));
      for (const e of cluster.endpoints()) expect((await client.cluster.status({ endpoint: e })).alarms).toEqual([]);

      // n3's copy of k/7 is altered while it is stopped (a bad disk, a bad restore, a bug).
      await cluster.stopNode('n3');
      const db = new Level<Buffer, Buffer>(join(cluster.dir, 'n3', 'state'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const dbKey = Buffer.from('kk/7'); // the 'k' record prefix, then the key k/7
      const v = (await db.get(dbKey))!;
      v[v.length - 1]! ^= 0x01;
      await db.put(dbKey, v);
      await db.close();
      const [httpPort] = await freePorts(1);
      const n3 = await startNode({
        id: 'n3',
        listen: cluster.peers.get('n3')!,
        http: `127.0.0.1:${httpPort}`,
        peers: cluster.peers,
        dataDir: join(cluster.dir, 'n3'),
        join: false,
        priority: 1,
        clusterId: 'test',
        logLevel: 'silent',
        logger: log,
        corruptionCheckIntervalMs: 300,
      });
      cluster.nodes.set('n3', n3);
      const n3Address = cluster.peers.get('n3')!;
      // Through the log: AlarmList (from any member) holds n3's CORRUPT, and only that.
      const listed = await eventually(async () => (await client.cluster.alarmList()).alarms.some((a) => a.memberId === 'n3' && a.alarm === 'CORRUPT'), 15_000);
      expect(listed).toBe(true);
      expect((await client.cluster.alarmList()).alarms).toEqual([{ memberId: 'n3', alarm: 'CORRUPT' }]);
      const alarm = (await client.cluster.status({ endpoint: n3Address })).alarms.find((a) => a.startsWith('CORRUPT'))!;
      expect(alarm).toMatch(/CORRUPT: HashKV at revision \d+ differs from n[12], n[12]/);
      for (const id of ['n1', 'n2']) expect((await client.cluster.status({ endpoint: cluster.peers.get(id)! })).alarms).toEqual([expect.stringMatching(/^CORRUPT raised by n3/)]);
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('corruption');
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(Number(/raftdb_hash_mismatch_total\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      // The gauge follows n3's own applied alarm table (it may apply the alarm just after the leader answered).
      const gauge = async (): Promise<string> => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(await eventually(async () => /raftdb_alarm_active\{[^}]*alarm="CORRUPT"[^}]*\} 1/.test(await gauge()), 5000)).toBe(true);
      expect(await gauge()).toMatch(/raftdb_alarm_active\{[^}]*alarm="NOSPACE"[^}]*\} 0/);
      // CORRUPT does not refuse writes (unlike NOSPACE): the cluster goes on; n3 is only out of rotation.
      await client.put('after', 'corrupt');

      // Disarmed while n3 still differs: the next rounds raise it again.
      const disarmed = await client.cluster.alarmDisarm({ alarm: 'CORRUPT' });
      expect(disarmed.disarmed).toEqual([{ memberId: 'n3', alarm: 'CORRUPT' }]);
      const again = await eventually(async () => (await client.cluster.alarmList()).alarms.some((a) => a.memberId === 'n3' && a.alarm === 'CORRUPT'), 15_000);
      expect(again).toBe(true);
    } finally {
      client.close();
    }
  });
});
