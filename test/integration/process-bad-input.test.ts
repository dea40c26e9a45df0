// Bad input never crashes a node and never writes anything: each malformed request, sent raw
// (as a client in another language could) to the leader and to a follower, gets its status code
// naming the field, the processes keep running, and none of the keys it mentions appears.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { RawKv } from './fixtures/raw.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const KEY_LIMIT = 4096;
const VALUE_LIMIT = 1024 * 1024;
const b = (s: string): Buffer => Buffer.from(s);
const id = (seq: number, clientId = 'bad-input-test'): object => ({ clientId, seq });

interface BadCase {
  name: string;
  method: 'Put' | 'Get' | 'Delete' | 'Range' | 'Txn';
  request: object;
  code: 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED';
  /** The field the error must name. */
  field: string;
  /** Keys the request would have written: none may exist afterwards. */
  untouched?: string[];
}

const putOp = (key: string | Buffer, value: string | Buffer = 'v'): object => ({ put: { key: Buffer.from(key), value: Buffer.from(value) } });

const CASES: BadCase[] = [
  { name: 'put with an empty key', method: 'Put', request: { key: b(''), value: b('v') }, code: 'INVALID_ARGUMENT', field: 'key' },
  { name: 'get with an empty key', method: 'Get', request: { key: b('') }, code: 'INVALID_ARGUMENT', field: 'key' },
  { name: 'delete with an empty key', method: 'Delete', request: { key: b('') }, code: 'INVALID_ARGUMENT', field: 'key' },
  { name: 'put with a key over 4 KiB', method: 'Put', request: { key: Buffer.alloc(KEY_LIMIT + 1, 'k'), value: b('v') }, code: 'RESOURCE_EXHAUSTED', field: 'key' },
  { name: 'get with a key over 4 KiB', method: 'Get', request: { key: Buffer.alloc(KEY_LIMIT + 1, 'k') }, code: 'RESOURCE_EXHAUSTED', field: 'key' },
  { name: 'put with a value over 1 MiB', method: 'Put', request: { key: b('bad/big-value'), value: Buffer.alloc(VALUE_LIMIT + 1, 'v') }, code: 'RESOURCE_EXHAUSTED', field: 'value', untouched: ['bad/big-value'] },
  { name: 'get with an unknown consistency', method: 'Get', request: { key: b('bad/k'), consistency: 99 }, code: 'INVALID_ARGUMENT', field: 'consistency' },
  { name: 'range with an unknown consistency', method: 'Range', request: { key: b('bad/'), prefix: true, consistency: 7 }, code: 'INVALID_ARGUMENT', field: 'consistency' },
  { name: 'put with an unknown commit mode', method: 'Put', request: { key: b('bad/mode'), value: b('v'), commitMode: 42 }, code: 'INVALID_ARGUMENT', field: 'commit_mode', untouched: ['bad/mode'] },
  { name: 'put with an empty request client id', method: 'Put', request: { key: b('bad/id1'), value: b('v'), id: id(1, '') }, code: 'INVALID_ARGUMENT', field: 'id.client_id', untouched: ['bad/id1'] },
  { name: 'put with request seq 0', method: 'Put', request: { key: b('bad/id2'), value: b('v'), id: id(0) }, code: 'INVALID_ARGUMENT', field: 'id.seq', untouched: ['bad/id2'] },
  { name: 'put with a 129-character client id', method: 'Put', request: { key: b('bad/id3'), value: b('v'), id: id(1, 'c'.repeat(129)) }, code: 'INVALID_ARGUMENT', field: 'id.client_id', untouched: ['bad/id3'] },
  {
    name: 'txn with an unknown compare target',
    method: 'Txn',
    request: { compare: [{ key: b('bad/t'), target: 99, op: 'EQUAL', number: 0 }], success: [putOp('bad/txn1')], failure: [putOp('bad/txn1f')] },
    code: 'INVALID_ARGUMENT',
    field: 'compare[0].target',
    untouched: ['bad/txn1', 'bad/txn1f'],
  },
  {
    name: 'txn with an unknown compare op',
    method: 'Txn',
    request: { compare: [{ key: b('bad/t'), target: 'VERSION', op: 17, number: 0 }], success: [putOp('bad/txn2')] },
    code: 'INVALID_ARGUMENT',
    field: 'compare[0].op',
    untouched: ['bad/txn2'],
  },
  {
    name: 'txn with an empty compare key after a good one',
    method: 'Txn',
    request: { compare: [{ key: b('bad/t'), target: 'VERSION', op: 'EQUAL', number: 0 }, { key: b(''), target: 'VERSION', op: 'EQUAL', number: 0 }], success: [putOp('bad/txn3')] },
    code: 'INVALID_ARGUMENT',
    field: 'compare[1].key',
    untouched: ['bad/txn3'],
  },
  {
    name: 'txn whose second put is over the value limit (the first must not happen either)',
    method: 'Txn',
    request: { success: [putOp('bad/txn4a'), putOp('bad/txn4b', Buffer.alloc(VALUE_LIMIT + 1, 'v'))] },
    code: 'RESOURCE_EXHAUSTED',
    field: 'success[1].put.value',
    untouched: ['bad/txn4a', 'bad/txn4b'],
  },
  {
    name: 'txn with an op that sets nothing',
    method: 'Txn',
    request: { success: [putOp('bad/txn5'), {}] },
    code: 'INVALID_ARGUMENT',
    field: 'success[1]',
    untouched: ['bad/txn5'],
  },
  {
    name: 'txn with more than 128 operations',
    method: 'Txn',
    request: { success: Array.from({ length: 129 }, (_, i) => putOp(`bad/many${i}`)) },
    code: 'INVALID_ARGUMENT',
    field: 'success',
    untouched: ['bad/many0', 'bad/many128'],
  },
  {
    name: 'txn of three 1 MiB puts (each value within its limit, the whole above the request limit)',
    method: 'Txn',
    request: { success: [0, 1, 2].map((i) => putOp(`bad/huge${i}`, Buffer.alloc(VALUE_LIMIT, 'v'))) },
    code: 'RESOURCE_EXHAUSTED',
    field: '--max-request-bytes',
    untouched: ['bad/huge0', 'bad/huge2'],
  },
  { name: 'range with range_end before key', method: 'Range', request: { key: b('bad/b'), rangeEnd: b('bad/a') }, code: 'INVALID_ARGUMENT', field: 'range_end' },
  { name: 'range with range_end equal to key', method: 'Range', request: { key: b('bad/b'), rangeEnd: b('bad/b') }, code: 'INVALID_ARGUMENT', field: 'range_end' },
  { name: 'range with prefix and range_end', method: 'Range', request: { key: b('bad/'), prefix: true, rangeEnd: b('bad/z') }, code: 'INVALID_ARGUMENT', field: 'range_end' },
  { name: 'delete with range_end before key', method: 'Delete', request: { key: b('keep/b'), rangeEnd: b('keep/a') }, code: 'INVALID_ARGUMENT', field: 'range_end' },
  {
    name: 'txn delete with range_end before key',
    method: 'Txn',
    request: { success: [putOp('bad/txn6'), { delete: { key: b('keep/b'), rangeEnd: b('keep/a') } }] },
    code: 'INVALID_ARGUMENT',
    field: 'success[1].delete.range_end',
    untouched: ['bad/txn6'],
  },
];

describe('bad input against a 3-node cluster of processes', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  const raw = new Map<string, RawKv>();
  const pids = new Map<string, number | undefined>();
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
    client = cluster.client();
    const leader = await cluster.leader();
    const follower = [...cluster.nodes.keys()].find((n) => n !== leader.id)!;
    raw.set('leader', new RawKv(cluster.endpoints([leader.id])[0]!));
    raw.set('follower', new RawKv(cluster.endpoints([follower])[0]!));
    for (const n of cluster.nodes.keys()) pids.set(n, cluster.pid(n));
    // Keys the bad range deletes would remove if they were applied anyway.
    for (const k of ['keep/a', 'keep/ab', 'keep/b', 'keep/c']) await client.put(k, 'kept');
  });
  afterAll(async () => {
    raw.forEach((r) => r.close());
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  describe.each(['leader', 'follower'])('sent to the %s', (target) => {
    test.each(CASES)('$name → $code naming $field', async (c) => {
      const r = await raw.get(target)!.call(c.method, c.request);
      expect({ code: r.code, details: r.details }).toMatchObject({ code: c.code });
      expect(r.details, `details "${r.details}" name ${c.field}`).toContain(c.field);
    });
  });

  test('txns too big to replicate are refused before they are proposed: no election, whatever the client repeats', async () => {
    const before = await cluster!.leader();
    const five = { success: [0, 1, 2, 3, 4].map((i) => putOp(`bad/five${i}`, Buffer.alloc(1_000_000, 'v'))) };
    for (let i = 0; i < 3; i++) {
      // 5 MB in one gRPC message: above what the node accepts at all (refused by gRPC, undecoded).
      expect((await raw.get('leader')!.call('Txn', five)).code).toBe('RESOURCE_EXHAUSTED');
      expect((await raw.get('follower')!.call('Txn', five)).code).toBe('RESOURCE_EXHAUSTED');
    }
    const after = await cluster!.leader();
    expect({ id: after.id, term: after.term }).toEqual({ id: before.id, term: before.term });
    expect(await client.getString('bad/five0')).toBeNull();
  });

  test('bytes that are not a protobuf message get INVALID_ARGUMENT, not INTERNAL', async () => {
    // Field 1 announced 16 bytes long with one following; wire type 7, which does not exist.
    const cut = Buffer.from([0x0a, 0x10, 0x41]);
    const wireType7 = Buffer.from([0x0f, 0x01]);
    const cases: [string, Buffer][] = [['/raftdb.v1.KV/Put', cut], ['/raftdb.v1.KV/Txn', cut], ['/raftdb.v1.KV/Range', cut], ['/raftdb.v1.Cluster/Status', wireType7]];
    for (const target of ['leader', 'follower']) {
      for (const [path, garbage] of cases) {
        const r = await raw.get(target)!.callBytes(path, garbage);
        expect([path, r.code]).toEqual([path, 'INVALID_ARGUMENT']);
        expect(r.details).toMatch(/request is not a valid protobuf message/);
      }
    }
  });

  test('the boundaries themselves are accepted: a 4 KiB key, a 1 MiB value', async () => {
    const r = raw.get('follower')!;
    expect((await r.call('Put', { key: Buffer.alloc(KEY_LIMIT, 'k'), value: b('edge') })).code).toBe('OK');
    expect((await r.call('Put', { key: b('edge/value'), value: Buffer.alloc(VALUE_LIMIT, 'v') })).code).toBe('OK');
    expect((await client.get('edge/value')).kv?.value.length).toBe(VALUE_LIMIT);
  });

  test('afterwards: every node is the same process, answers, and nothing bad was written', async () => {
    for (const n of cluster!.nodes.keys()) {
      expect(cluster!.pid(n), `${n} was not restarted`).toBe(pids.get(n));
      expect((await cluster!.status(n))?.id).toBe(n);
    }
    const touched = CASES.flatMap((c) => c.untouched ?? []);
    for (const k of touched) expect(await client.getString(k), `${k} must not exist`).toBeNull();
    const bad = await client.range({ key: 'bad/', prefix: true });
    expect(bad.kvs.map((kv) => kv.keyString())).toEqual([]);
    const kept = await client.range({ key: 'keep/', prefix: true });
    expect(kept.kvs.map((kv) => kv.keyString())).toEqual(['keep/a', 'keep/ab', 'keep/b', 'keep/c']);
    await client.put('after-bad-input', 'ok');
    expect(await client.getString('after-bad-input')).toBe('ok');
  });
});
