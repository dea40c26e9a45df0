// The KV API against 3- and 5-node clusters of real processes: every consistency level, writes
// sent to a follower only (forwarded to the leader), ranges and prefixes, compare-and-set, deletes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compare, op, type RaftdbClient } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { RawKv } from './fixtures/raw.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

describe.each([3, 5])('%i-node cluster of processes: KV', (size) => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: size });
    client = cluster.client();
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('a write is read back at every consistency level, on every node', async () => {
    const put = await client.put('c/key', 'v1');
    expect(put.header.revision).toBeGreaterThan(0);
    expect(await client.getString('c/key')).toBe('v1');
    expect(await client.getString('c/key', { consistency: 'lease' })).toBe('v1');
    for (const id of cluster!.nodes.keys()) {
      const one = cluster!.client({ endpoints: cluster!.endpoints([id]) });
      expect(await one.getString('c/key', { consistency: 'linearizable' })).toBe('v1');
      expect(await one.getString('c/key', { consistency: 'lease' })).toBe('v1');
      // Serializable reads are served by this node from its own state: they may lag, never invent.
      let seen: string | null = null;
      const caughtUp = await eventually(async () => {
        const r = await one.get('c/key', { consistency: 'serializable' });
        expect(r.header.memberId).toBe(id);
        seen = r.kv?.valueString() ?? null;
        expect([null, 'v1']).toContain(seen);
        return seen === 'v1';
      }, 10_000, 20);
      expect(caughtUp, `${id} never applied the write`).toBe(true);
    }
  });

  test('a follower forwards writes and lease reads to the leader, and serves linearizable reads itself', async () => {
    const leader = await cluster!.leader();
    const followers = [...cluster!.nodes.keys()].filter((id) => id !== leader.id);
    for (const f of followers) {
      // Raw requests, so every one of them reaches the follower (the client would go to the
      // leader directly once a response named it).
      const raw = new RawKv(cluster!.endpoints([f])[0]!);
      try {
        const put = await raw.call('Put', { key: Buffer.from(`fwd/${f}`), value: Buffer.from(`from-${f}`) });
        expect(put.code).toBe('OK');
        expect((put.response!.header as { memberId: string }).memberId, 'the leader answered through the follower').toBe(leader.id);
        // Served by the follower after a read index from the leader (follower-reads.ts).
        const get = await raw.call('Get', { key: Buffer.from(`fwd/${f}`), consistency: 'LINEARIZABLE' });
        expect(get.response).toMatchObject({ found: true, value: Buffer.from(`from-${f}`), header: { memberId: f } });
        const lease = await raw.call('Get', { key: Buffer.from(`fwd/${f}`), consistency: 'LEASE' });
        expect(lease.response).toMatchObject({ found: true, value: Buffer.from(`from-${f}`), header: { memberId: leader.id } });
        const del = await raw.call('Delete', { key: Buffer.from(`fwd/${f}-absent`) });
        expect(del.response).toMatchObject({ deleted: 0 });
      } finally {
        raw.close();
      }
      // The client given only the follower's address works too.
      const only = cluster!.client({ endpoints: cluster!.endpoints([f]) });
      await only.put(`fwd/${f}/client`, 'ok');
      expect(await only.getString(`fwd/${f}/client`)).toBe('ok');
    }
    for (const f of followers) expect(await client.getString(`fwd/${f}`)).toBe(`from-${f}`);
  });

  test('a forwarded request that reaches a follower goes on to the leader, up to two forwards', async () => {
    // What an old leader sees just after a handover: a follower forwarded a request to it, and it
    // is no longer the leader. It forwards once more instead of refusing; a third forward is refused.
    const leader = await cluster!.leader();
    const f = [...cluster!.nodes.keys()].find((id) => id !== leader.id)!;
    const raw = new RawKv(cluster!.endpoints([f])[0]!);
    try {
      const once = await raw.call('Put', { key: Buffer.from('hop/1'), value: Buffer.from('v') }, 5000, { 'raftdb-forwarded': '1' });
      expect(once.code).toBe('OK');
      expect((once.response!.header as { memberId: string }).memberId).toBe(leader.id);
      for (const hops of ['2', '99', 'garbage']) {
        const twice = await raw.call('Put', { key: Buffer.from(`hop/${hops}`), value: Buffer.from('v') }, 5000, { 'raftdb-forwarded': hops });
        expect(twice.code, `raftdb-forwarded: ${hops}`).toBe('FAILED_PRECONDITION');
        expect(twice.leaderTrailer).toBe(cluster!.endpoints([leader.id])[0]);
      }
      // Leadership changed again while the request travelled: the previous hop knew a leader of
      // an earlier term than this node knows, so it goes on (an election right after a switchover).
      const term = Number((once.response!.header as { raftTerm: string | number }).raftTerm);
      const later = await raw.call('Put', { key: Buffer.from('hop/later'), value: Buffer.from('v') }, 5000, { 'raftdb-forwarded': '2', 'raftdb-forwarded-term': String(term - 1) });
      expect(later.code).toBe('OK');
      for (const [hops, seen] of [['2', String(term)], ['6', '0'], ['2', 'x']]) {
        const refused = await raw.call('Put', { key: Buffer.from(`hop/${hops}-${seen}`), value: Buffer.from('v') }, 5000, { 'raftdb-forwarded': hops, 'raftdb-forwarded-term': seen });
        expect(refused.code, `raftdb-forwarded: ${hops}, term ${seen}`).toBe('FAILED_PRECONDITION');
      }
    } finally {
      raw.close();
    }
    expect(await client.getString('hop/1')).toBe('v');
    expect(await client.getString('hop/2')).toBeNull();
    expect(await client.getString('hop/later')).toBe('v');
  });

  test('range by key span, by prefix, with limit and paging', async () => {
    for (const k of ['r/a', 'r/b', 'r/c', 'r/d', 'rx', 's/a']) await client.put(k, `val-${k}`);
    const prefix = await client.range({ key: 'r/', prefix: true });
    expect(prefix.kvs.map((kv) => kv.keyString())).toEqual(['r/a', 'r/b', 'r/c', 'r/d']);
    expect(prefix.kvs.map((kv) => kv.valueString())).toEqual(['val-r/a', 'val-r/b', 'val-r/c', 'val-r/d']);
    const span = await client.range({ key: 'r/b', rangeEnd: 'r/d' });
    expect(span.kvs.map((kv) => kv.keyString())).toEqual(['r/b', 'r/c']);
    const limited = await client.range({ key: 'r/', prefix: true, limit: 2 });
    expect(limited.kvs.map((kv) => kv.keyString())).toEqual(['r/a', 'r/b']);
    expect(limited.more).toBe(true);
    const pages: string[][] = [];
    for await (const page of client.rangeAll({ key: 'r', prefix: true, pageSize: 2 })) pages.push(page.kvs.map((kv) => kv.keyString()));
    expect(pages).toEqual([['r/a', 'r/b'], ['r/c', 'r/d'], ['rx']]);
    const serial = await client.range({ key: 'r/', prefix: true, consistency: 'serializable' });
    expect(serial.kvs.length).toBeLessThanOrEqual(4);
  });

  test('txn compare-and-set: the compare decides, atomically', async () => {
    await client.put('cas', '1');
    const first = await client.get('cas');
    const win = await client.txn({
      compare: [compare.value('cas', '=', '1'), compare.version('cas', '=', first.kv!.version)],
      success: [op.put('cas', '2'), op.put('cas-log', 'won')],
      failure: [op.get('cas')],
    });
    expect(win.succeeded).toBe(true);
    expect(await client.getString('cas')).toBe('2');
    expect(await client.getString('cas-log')).toBe('won');
    const lose = await client.txn({ compare: [compare.value('cas', '=', '1')], success: [op.put('cas', '3')], failure: [op.get('cas')] });
    expect(lose.succeeded).toBe(false);
    expect(await client.getString('cas')).toBe('2');
    const modRev = (await client.get('cas')).kv!.modRevision;
    const byRev = await client.txn({ compare: [compare.modRevision('cas', '=', modRev)], success: [op.delete('cas')] });
    expect(byRev.succeeded).toBe(true);
    expect(await client.getString('cas')).toBeNull();
  });

  test('delete one key, a range and a prefix', async () => {
    for (const k of ['d/1', 'd/2', 'd/3', 'd/4', 'e/1']) await client.put(k, 'x');
    expect((await client.delete('d/1')).deleted).toBe(1);
    expect((await client.delete('d/1')).deleted).toBe(0);
    expect((await client.delete({ key: 'd/2', rangeEnd: 'd/4' })).deleted).toBe(2);
    expect((await client.range({ key: 'd/', prefix: true })).kvs.map((kv) => kv.keyString())).toEqual(['d/4']);
    expect((await client.delete({ key: 'd/', prefix: true })).deleted).toBe(1);
    expect((await client.range({ key: 'd/', prefix: true })).kvs).toEqual([]);
    expect(await client.getString('e/1')).toBe('x');
  });
});
