// The corruption check with auth on and TLS with peer certificates, with real processes: the
// members ask each other for HashKV with their peer certificates (HashKV otherwise needs root),
// and the member whose keyspace was altered behind its back raises CORRUPT through the log (a
// follower's AlarmActivate reaches the leader with its peer certificate too). Every member then
// lists it; writes go on; a disarm by root clears it and the still-different member raises it again.
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

describe('corruption check with auth and peer TLS, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  let root: RaftdbClient;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, tls: { clientCertAuth: true }, nodeArgs: () => ['--corruption-check-interval', '1000'] });
    root = cluster.client(); // the root certificate
    await root.auth.userAdd('root', null);
    await root.auth.userGrantRole('root', 'root');
    await root.auth.enable();
  });
  afterAll(async () => {
    root?.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  test('the altered member, and only it, raises CORRUPT; listed everywhere; disarmed, it comes back', async () => {
    for (let i = 0; i < 50; i++) await root.put(`k/${i}`, `value ${i}`);
    // Healthy members agree for a few rounds: no alarm.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await root.cluster.alarmList()).alarms).toEqual([]);

    // n3's copy of k/7 is altered while it is stopped (a bad disk, a bad restore, a bug).
    const leader = (await cluster!.leader()).id;
    const odd = leader === 'n3' ? 'n2' : 'n3';
    expect(await cluster!.sigterm(odd)).toBe(0);
    const db = new Level<Buffer, Buffer>(join(cluster!.nodes.get(odd)!.dataDir, 'state'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const dbKey = Buffer.from('kk/7'); // the 'k' record prefix, then the key k/7
    const v = (await db.get(dbKey))!;
    v[v.length - 1]! ^= 0x01;
    await db.put(dbKey, v);
    await db.close();
    await cluster!.restart(odd);

    const raised = await eventually(async () => (await root.cluster.alarmList()).alarms.some((a) => a.memberId === odd && a.alarm === 'CORRUPT'), 20_000);
    expect(raised).toBe(true);
    expect((await root.cluster.alarmList()).alarms).toEqual([{ memberId: odd, alarm: 'CORRUPT' }]);
    for (const [id, n] of cluster!.nodes) {
      const s = await root.cluster.status({ endpoint: n.address });
      if (id === odd) expect(s.alarms).toEqual([expect.stringMatching(/^CORRUPT: HashKV at revision \d+ differs from n\d, n\d/)]);
      else expect(await eventually(async () => (await root.cluster.status({ endpoint: n.address })).alarms.some((a) => a.startsWith(`CORRUPT raised by ${odd}`)), 5000), id).toBe(true);
    }
    await root.put('after', 'x'); // CORRUPT refuses no write

    const disarmed = await root.cluster.alarmDisarm({ alarm: 'CORRUPT' });
    expect(disarmed.disarmed).toEqual([{ memberId: odd, alarm: 'CORRUPT' }]);
    expect(await eventually(async () => (await root.cluster.alarmList()).alarms.length === 1, 20_000)).toBe(true);
  });
});
