// The exactly-once table under the two attacks the security issue found, with real processes:
// 10,001 writes under fresh client ids no longer evict a live session (the new session is refused
// and the old one's retry still applies once), and with auth on, another user's write with your
// client id and the largest seq no longer makes your next write fail.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawKv } from './fixtures/raw.js';
import { RawAuth, RawPipeline } from './fixtures/raw-auth.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const b = (s: string): Buffer => Buffer.from(s);
const TABLE = 10_000; // the default dedupe maxClients

describe('exactly-once table, 3 processes, auth off', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('10,001 fresh client ids: the last is refused, and the first one\'s retry is applied once', async () => {
    const leader = (await cluster!.leader()).address;
    const kv = new RawKv(leader);
    const first = { key: b('eo/first'), value: b('1'), id: { clientId: 'first', seq: 1 } };
    const r1 = await kv.call('Put', first);
    expect(r1.code).toBe('OK');
    // 9,999 more sessions, one put each, retried with the same id on whoever leads if a leader
    // change (a loaded host) interrupts them: a retry is at most once, so the count stays exact.
    let pending = Array.from({ length: TABLE - 1 }, (_, i) => ({ key: b('eo/x'), value: b('v'), id: { clientId: `fresh-${i + 1}`, seq: 1 } }));
    const refusals = new Map<string, number>();
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      const p = new RawPipeline((await cluster!.leader()).address);
      const failed: typeof pending = [];
      for (let start = 0; start < pending.length; start += 1000) {
        const batch = pending.slice(start, start + 1000);
        const results = await Promise.all(batch.map((r) => p.call('put', r, 30_000)));
        results.forEach((r, i) => {
          if (r.code === 'OK') return;
          if (r.code === 'RESOURCE_EXHAUSTED' || r.code === 'INVALID_ARGUMENT') refusals.set(r.code, (refusals.get(r.code) ?? 0) + 1);
          else failed.push(batch[i]!);
        });
      }
      p.close();
      pending = failed;
    }
    expect({ refusals: Object.fromEntries(refusals), unfinished: pending.length }).toEqual({ refusals: {}, unfinished: 0 });
    const p = new RawPipeline((await cluster!.leader()).address);
    const over = await p.call('put', { key: b('eo/x'), value: b('v'), id: { clientId: 'one-too-many', seq: 1 } });
    expect(over).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: expect.stringContaining('exactly-once table is full') });
    p.close();
    const retryKv = new RawKv((await cluster!.leader()).address);
    const retry = await retryKv.call('Put', first);
    retryKv.close();
    expect(retry).toMatchObject({ code: 'OK' });
    expect((retry.response!.header as { revision: number }).revision).toBe((r1.response!.header as { revision: number }).revision);
    const got = await new RawKv((await cluster!.leader()).address).call('Get', { key: b('eo/first'), consistency: 'SERIALIZABLE' });
    expect(got.response).toMatchObject({ found: true, version: 1 });
    kv.close();
  });
});

describe('exactly-once sessions bound to users, 3 processes, auth on', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
    const admin = cluster.client();
    await admin.auth.userAdd('root', 'rootpw');
    await admin.auth.userGrantRole('root', 'root');
    for (const u of ['alice', 'bob']) {
      await admin.auth.userAdd(u, `${u}pw`);
      await admin.auth.roleAdd(u);
      await admin.auth.roleGrantPermission(u, 'readwrite', { key: `${u}/`, prefix: true });
      await admin.auth.userGrantRole(u, u);
    }
    await admin.auth.enable();
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test("another user's write under your client id with seq 2^53-1 does not spoil your next write", async () => {
    const leader = (await cluster!.leader()).address;
    const a = new RawAuth(leader);
    const [alice, bob] = [await a.token('alice', 'alicepw'), await a.token('bob', 'bobpw')];
    a.close();
    const kv = new RawKv(leader);
    const id = (seq: number): object => ({ clientId: 'alice-app', seq });
    expect(await kv.call('Put', { key: b('alice/k'), value: b('1'), id: id(10) }, 5000, { token: alice })).toMatchObject({ code: 'OK' });
    expect(await kv.call('Put', { key: b('bob/k'), value: b('x'), id: id(Number.MAX_SAFE_INTEGER) }, 5000, { token: bob })).toMatchObject({ code: 'OK' });
    expect(await kv.call('Put', { key: b('alice/k'), value: b('2'), id: id(11) }, 5000, { token: alice })).toMatchObject({ code: 'OK' });
    // And alice's retry of seq 11 is still recognised as one.
    const retry = await kv.call('Put', { key: b('alice/k'), value: b('2'), id: id(11) }, 5000, { token: alice });
    expect(retry.code).toBe('OK');
    expect((await kv.call('Get', { key: b('alice/k') }, 5000, { token: alice })).response).toMatchObject({ version: 2 });
    kv.close();
  });
});
