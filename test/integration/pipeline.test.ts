// KV.Pipeline on real nodes, spoken to with a plain gRPC stub (as a client in another language
// would): each operation answers like its unary call, bad operations fail alone, followers
// forward, the in-flight bound holds, and shutdown ends the stream instead of hanging on it.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from '../../src/client/index.js';
import { loadRaftdbProto } from '../../src/proto/load.js';
import { MAX_PIPELINE_IN_FLIGHT, MAX_RESULT_MESSAGE_BYTES } from '../../src/server/pipeline.js';
import { InProcessCluster } from './in-process.js';

type Wire = Record<string, unknown>;
type Result = { seq: number; result: string; error?: { code: number; message: string; leaderAddress: string } } & Wire;
type Duplex = grpc.ClientDuplexStream<Wire, { results: Result[] }>;

function openPipeline(address: string, ownConnection = false): { stream: Duplex; results: Map<number, Result>; ended: Promise<grpc.StatusObject>; close(): void } {
  const pkg = loadRaftdbProto();
  const kv = new pkg.KV(address, grpc.credentials.createInsecure(), ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {});
  const stream = (kv as unknown as { Pipeline(): Duplex }).Pipeline();
  const results = new Map<number, Result>();
  stream.on('data', (res: { results: Result[] }) => {
    for (const r of res.results) results.set(r.seq, r);
  });
  stream.on('error', () => undefined);
  const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
  return { stream, results, ended, close: () => (stream.cancel(), kv.close()) };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const key = (s: string): Buffer => Buffer.from(s);

describe('KV.Pipeline on a 3-node cluster', () => {
  let cluster: InProcessCluster;
  let leaderAddress: string;
  let followerAddress: string;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    leaderAddress = leader.address;
    followerAddress = [...cluster.nodes.values()].find((n) => n !== leader)!.address;
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test('every kind of operation in one message, each answered by seq; a bad one fails alone', async () => {
    const p = openPipeline(leaderAddress);
    p.stream.write({
      ops: [
        { seq: 1, put: { key: key('p/a'), value: key('1') } },
        { seq: 2, put: { key: key('p/b'), value: key('2') } },
        { seq: 3, put: { key: Buffer.alloc(0), value: key('x') } }, // empty key
        { seq: 4 }, // no operation at all
        { seq: 5, put: { key: Buffer.alloc(5000, 1), value: key('x') } }, // key over 4 KiB
      ],
    });
    await until(() => p.results.size === 5);
    expect(p.results.get(1)!.result).toBe('put');
    expect(p.results.get(2)!.result).toBe('put');
    expect(p.results.get(3)!.error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(p.results.get(3)!.error!.message).toMatch(/key/);
    expect(p.results.get(4)!.error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(p.results.get(5)!.error!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    p.stream.write({
      ops: [
        { seq: 6, get: { key: key('p/a') } },
        { seq: 7, get: { key: key('p/a'), consistency: 'LEASE' } },
        { seq: 8, range: { key: key('p/'), prefix: true } },
      ],
    });
    await until(() => p.results.size === 8);
    // Operations sent together run concurrently, like concurrent unary calls: the writes go in
    // a later message so that the reads above cannot see them.
    p.stream.write({
      ops: [
        { seq: 9, txn: { compare: [{ key: key('p/a'), target: 'VALUE', op: 'EQUAL', value: key('1') }], success: [{ put: { key: key('p/c'), value: key('3') } }] } },
        { seq: 10, delete: { key: key('p/b') } },
        { seq: 11, get: { key: key('p/missing'), consistency: 'SERIALIZABLE' } },
      ],
    });
    await until(() => p.results.size === 11);
    const get = p.results.get(6)!.get as Wire;
    expect(get.found).toBe(true);
    expect((get.value as Buffer).toString()).toBe('1');
    expect(((p.results.get(7)!.get as Wire).value as Buffer).toString()).toBe('1');
    expect(((p.results.get(8)!.range as Wire).kvs as Wire[]).map((kv) => (kv.key as Buffer).toString())).toEqual(['p/a', 'p/b']);
    expect((p.results.get(9)!.txn as Wire).succeeded).toBe(true);
    expect(Number((p.results.get(10)!.delete as Wire).deleted)).toBe(1);
    expect((p.results.get(11)!.get as Wire).found).toBe(false);
    p.close();
  });

  test('on a follower, writes and linearizable reads are forwarded to the leader', async () => {
    const p = openPipeline(followerAddress);
    p.stream.write({ ops: [{ seq: 1, put: { key: key('f/a'), value: key('via-follower') } }] });
    await until(() => p.results.size === 1);
    expect(p.results.get(1)!.result).toBe('put');
    expect(((p.results.get(1)!.put as Wire).header as Wire).leaderAddress).toBe(leaderAddress);
    p.stream.write({ ops: [{ seq: 2, get: { key: key('f/a') } }] });
    await until(() => p.results.size === 2);
    expect(((p.results.get(2)!.get as Wire).value as Buffer).toString()).toBe('via-follower');
    p.close();
  });

  test('the TypeScript client splits what it queues in one turn into messages a node accepts', async () => {
    // 12 writers' megabyte values queued together would be one 12 MiB message, far above what a
    // node accepts (its request limit plus room for a peer message): the client sends several.
    const client = connect({ endpoints: [leaderAddress], timeoutMs: 20_000, maxConcurrentWrites: 12 });
    try {
      const value = Buffer.alloc(1024 * 1024, 7);
      await Promise.all(Array.from({ length: 12 }, (_, i) => client.put(`big/${i}`, value)));
      for (const i of [0, 11]) expect((await client.get(`big/${i}`)).kv?.value.equals(value)).toBe(true);
    } finally {
      client.close();
    }
  });

  test(`more than ${MAX_PIPELINE_IN_FLIGHT} operations in flight end the stream with RESOURCE_EXHAUSTED`, async () => {
    const p = openPipeline(leaderAddress);
    const ops = Array.from({ length: MAX_PIPELINE_IN_FLIGHT + 1 }, (_, i) => ({ seq: i + 1, get: { key: key('p/a') } }));
    p.stream.write({ ops });
    const status = await p.ended;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/in flight/);
    p.close();
  });

  test('a node shutting down ends its open pipelines with UNAVAILABLE instead of waiting for them', async () => {
    const p = openPipeline(followerAddress);
    p.stream.write({ ops: [{ seq: 1, get: { key: key('p/a'), consistency: 'SERIALIZABLE' } }] });
    await until(() => p.results.size === 1);
    const id = [...cluster.nodes.entries()].find(([, n]) => n.address === followerAddress)![0];
    await cluster.stopNode(id);
    const status = await p.ended;
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    // Ended by the node's own shutdown, not cut by the forced shutdown after the grace period.
    expect(status.details).toMatch(/shutting down/);
    p.close();
  });
});

describe('KV.Pipeline backpressure (one node, 512 KiB a stream)', () => {
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(1, { clientLimits: { maxStreamBytes: 512 * 1024 } });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  test('a client that does not read: the node stops reading its stream, then answers every operation once it reads', async () => {
    const leader = await cluster.leader();
    // Long keys make each operation ~3 KB, so the client's HTTP/2 windows and socket buffers hold
    // a few thousand of them at most; a node that kept reading would take any number.
    const longKey = key(`bp/${'k'.repeat(3000)}`);
    const value = Buffer.alloc(16 * 1024, 3);
    const client = connect({ endpoints: [leader.address] });
    await client.put(longKey, value);
    client.close();
    const p = openPipeline(leader.address, true);
    p.stream.pause(); // not reading: what the node sends stays in the client's window
    let sent = 0;
    const GUARD = 20_000;
    for (;;) {
      const ops = Array.from({ length: 16 }, () => ({ seq: ++sent, get: { key: longKey, consistency: 'SERIALIZABLE' } }));
      if (p.stream.write({ ops })) continue;
      if (sent >= GUARD) break;
      const drained = await Promise.race([
        new Promise<boolean>((r) => p.stream.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
      ]);
      if (!drained) break;
    }
    console.log(`[pipeline backpressure] the client could send ${sent} operations before the node stopped reading`);
    expect(sent).toBeLessThan(GUARD);
    // Reading again: every operation is answered exactly once, in messages of bounded size.
    const seen = new Map<number, number>();
    let largest = 0;
    p.stream.removeAllListeners('data');
    p.stream.on('data', (res: { results: Result[] }) => {
      largest = Math.max(largest, res.results.reduce((n, r) => n + (((r.get as Wire | undefined)?.value as Buffer | undefined)?.length ?? 0), 0));
      for (const r of res.results) seen.set(r.seq, (seen.get(r.seq) ?? 0) + 1);
    });
    p.stream.resume();
    await until(() => seen.size === sent, 30_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(largest).toBeLessThanOrEqual(MAX_RESULT_MESSAGE_BYTES);
    p.close();
  });
});
