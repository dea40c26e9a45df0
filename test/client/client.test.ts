// The client against scripted fake nodes: leader tracking, retries with one request id per
// logical write, fail-fast on non-retriable errors, deadlines, and write sessions.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RaftdbError, compare, connect, op, type RaftdbClient } from '../../src/client/index.js';
import { FakeNode, deadEndpoint, fault, hdr, type Req } from './fake-server.js';

const nodes: FakeNode[] = [];
const clients: RaftdbClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.splice(0)) n.close();
});

/** Every test runs twice: operations over the KV.Pipeline stream (the default), and as unary calls. */
let transport: 'pipeline' | 'unary' = 'pipeline';

async function node(handlers: Record<string, (req: Req, n: FakeNode) => unknown> = {}): Promise<FakeNode> {
  const n = await FakeNode.start(handlers, { pipeline: transport === 'pipeline' });
  nodes.push(n);
  return n;
}

function client(endpoints: string[], extra: Partial<Parameters<typeof connect>[0]> = {}): RaftdbClient {
  const c = connect({ endpoints, clientId: 'test', retry: { maxAttempts: 5, baseMs: 5, maxMs: 20 }, pipeline: transport === 'pipeline', ...extra });
  clients.push(c);
  return c;
}

const ok = (): Req => ({ header: hdr(7) });
const idOf = (req: Req): unknown => req.id;

describe.each(['pipeline', 'unary'] as const)('over %s', (t) => {
  beforeAll(() => {
    transport = t;
  });

  it('sends KV operations the chosen way', async () => {
    const n = await node({ Put: ok, Get: () => ({ found: false, header: hdr(7) }) });
    const c = client([n.address]);
    await c.put('k', 'v');
    await c.get('k');
    expect(n.calls.map((x) => x.via)).toEqual([t, t]);
  });

  it('moves a write whose attempt ended DEADLINE_EXCEEDED before the call did to another node, with the same request id', async () => {
    // What a frozen node looks like when the attempt's timer fires a hair before Date.now() reaches
    // its deadline: the attempt is over, the call is not; the write must not end "outcome unknown".
    const frozen = await node({ Put: () => Promise.reject(fault(status.DEADLINE_EXCEEDED, 'deadline exceeded')) });
    const healthy = await node({ Put: ok });
    const c = client([frozen.address, healthy.address], { timeoutMs: 5000, writeAttemptTimeoutMs: 1000 });
    const r = await c.put('k', 'v');
    expect(r.header.revision).toBe(7);
    expect(idOf(healthy.requests('Put')[0]!)).toEqual(idOf(frozen.requests('Put')[0]!));
  });

  describe('leader tracking', () => {
    it('follows the raftdb-leader trailer of a follower and then writes to the leader directly', async () => {
      const leader = await node({ Put: ok });
      const follower = await node({ Put: () => Promise.reject(fault(status.FAILED_PRECONDITION, 'not leader', leader.address)) });
      const c = client([follower.address], { discoverEndpoints: true });
      const r = await c.put('k', 'v');
      expect(r.header.revision).toBe(7);
      expect(c.leader).toBe(leader.address);
      // The redirected attempt is the same logical write: same request id.
      expect(idOf(leader.requests('Put')[0]!)).toEqual(idOf(follower.requests('Put')[0]!));
      await c.put('k2', 'v');
      expect(follower.requests('Put')).toHaveLength(1);
      expect(leader.requests('Put')).toHaveLength(2);
    });

    it('rotates past an endpoint that refuses connections', async () => {
      const live = await node({ Get: () => ({ found: true, value: Buffer.from('x'), header: hdr(3) }) });
      const c = client([await deadEndpoint(), live.address]);
      const r = await c.get('k');
      expect(r.kv?.valueString()).toBe('x');
      expect(r.kv?.keyString()).toBe('k');
    });

    it('does not retry FAILED_PRECONDITION without a leader hint', async () => {
      const n = await node({ Put: () => Promise.reject(fault(status.FAILED_PRECONDITION, 'stale request')) });
      const err = await client([n.address]).put('k', 'v').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RaftdbError);
      expect((err as RaftdbError).code).toBe('FAILED_PRECONDITION');
      expect(n.requests('Put')).toHaveLength(1);
    });
  });

  describe('retries', () => {
    it('retries UNAVAILABLE and succeeds with the same request id', async () => {
      let failures = 2;
      const n = await node({ Put: () => (failures-- > 0 ? Promise.reject(fault(status.UNAVAILABLE, 'no quorum')) : ok()) });
      const c = client([n.address]);
      await c.put('k', 'v', { commitMode: 'sync' });
      const reqs = n.requests('Put');
      expect(reqs).toHaveLength(3);
      expect(new Set(reqs.map((r) => JSON.stringify(r.id))).size).toBe(1);
      expect(reqs[0]!.commitMode).toBe('SYNC');
      const first = reqs[0]!.id as { clientId: string; seq: number };
      expect(first.clientId).toBe('test/0');
      // The next logical write gets a new, higher seq.
      await c.put('k', 'w');
      const next = n.requests('Put')[3]!.id as { clientId: string; seq: number };
      expect(next.clientId).toBe(first.clientId);
      expect(next.seq).toBeGreaterThan(first.seq);
    });

    it.each([
      [status.INVALID_ARGUMENT, 'INVALID_ARGUMENT'],
      [status.RESOURCE_EXHAUSTED, 'RESOURCE_EXHAUSTED'],
      [status.OUT_OF_RANGE, 'OUT_OF_RANGE'],
    ])('surfaces %s at once as a typed error', async (code, name) => {
      const n = await node({ Put: () => Promise.reject(fault(code, 'key: too long')) });
      const err = (await client([n.address]).put('k', 'v').catch((e: unknown) => e)) as RaftdbError;
      expect(err).toBeInstanceOf(RaftdbError);
      expect(err.code).toBe(name);
      expect(err.details).toBe('key: too long');
      expect(err.attempts).toBe(1);
      expect(n.requests('Put')).toHaveLength(1);
    });

    it('gives up after maxAttempts with the last error', async () => {
      const n = await node({ Get: () => Promise.reject(fault(status.UNAVAILABLE, 'electing')) });
      const err = (await client([n.address]).get('k').catch((e: unknown) => e)) as RaftdbError;
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.attempts).toBe(5);
      expect(n.requests('Get')).toHaveLength(5);
    });

    it('retries ABORTED writes with the same id', async () => {
      let aborted = true;
      const n = await node({ Delete: () => (aborted ? ((aborted = false), Promise.reject(fault(status.ABORTED, 'switchover'))) : { deleted: 3, header: hdr(9) }) });
      const r = await client([n.address]).delete({ key: 'a/', prefix: true });
      expect(r.deleted).toBe(3);
      const [a, b] = n.requests('Delete');
      expect(a!.id).toEqual(b!.id);
      expect(a!.prefix).toBe(true);
    });
  });

  describe('membership changes (no request id)', () => {
    const members = (): Req => ({ header: hdr(2), members: [{ id: 'n4', address: '127.0.0.1:7004', isLearner: true }] });

    it('moves on from a node it cannot connect to, since nothing was sent', async () => {
      const live = await node({ MemberAdd: members });
      const r = await client([await deadEndpoint(), live.address]).cluster.memberAdd({ id: 'n4', address: '127.0.0.1:7004', learner: true });
      expect(r.members[0]).toEqual({ id: 'n4', address: '127.0.0.1:7004', isLearner: true });
    });

    it('does not repeat one that failed after it was sent', async () => {
      const n = await node({ MemberRemove: () => Promise.reject(fault(status.UNAVAILABLE, 'lost quorum')) });
      await expect(client([n.address]).cluster.memberRemove('n4')).rejects.toMatchObject({ code: 'UNAVAILABLE', attempts: 1 });
      expect(n.requests('MemberRemove')).toHaveLength(1);
    });

    it('follows a leader hint', async () => {
      const leader = await node({ MemberPromote: members });
      const follower = await node({ MemberPromote: () => Promise.reject(fault(status.FAILED_PRECONDITION, 'not leader', leader.address)) });
      await client([follower.address], { discoverEndpoints: true }).cluster.memberPromote('n4');
      expect(leader.requests('MemberPromote')).toEqual([{ id: 'n4' }]);
    });

    it('ignores a hint naming an address it was not given, unless mapped', async () => {
      const leader = await node({ Put: ok });
      const follower = await node({ Put: () => Promise.reject(fault(status.FAILED_PRECONDITION, 'not leader', 'n9:7001')) });
      await expect(client([follower.address]).put('k', 'v')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      const mapped = client([follower.address, leader.address], { addressMap: { 'n9:7001': leader.address } });
      await mapped.put('k', 'v');
      expect(leader.requests('Put')).toHaveLength(1);
    });
  });

  describe('deadlines', () => {
    const hang = (): Promise<never> => new Promise(() => {});

    it('fails a write that outlives its deadline without retrying it', async () => {
      const n = await node({ Put: hang });
      const started = Date.now();
      const err = (await client([n.address]).put('k', 'v', { timeoutMs: 300 }).catch((e: unknown) => e)) as RaftdbError;
      expect(err.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(n.requests('Put')).toHaveLength(1);
    });

    it('moves a timed-out read to another node within the total time', async () => {
      const slow = await node({ Get: hang });
      const fast = await node({ Get: () => ({ found: false, header: hdr(1) }) });
      const c = client([slow.address, fast.address], { timeoutMs: 2000, readAttemptTimeoutMs: 200 });
      const r = await c.get('k', { consistency: 'serializable' });
      expect(r.found).toBe(false);
      expect(r.kv).toBeNull();
      expect(fast.requests('Get')[0]!.consistency).toBe('SERIALIZABLE');
    });

    it('bounds a read by its total time even when every attempt hangs', async () => {
      const n = await node({ Get: hang });
      const started = Date.now();
      const err = (await client([n.address], { readAttemptTimeoutMs: 100 }).get('k', { timeoutMs: 400 }).catch((e: unknown) => e)) as RaftdbError;
      expect(err.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('writes', () => {
    it('keeps at most one write in flight per session', async () => {
      const inFlight = new Map<string, number>();
      let peak = 0;
      const n = await node({
        Put: async (req) => {
          const id = (req.id as { clientId: string }).clientId;
          const now = (inFlight.get(id) ?? 0) + 1;
          inFlight.set(id, now);
          peak = Math.max(peak, now);
          await new Promise((r) => setTimeout(r, 20));
          inFlight.set(id, now - 1);
          return ok();
        },
      });
      const c = client([n.address], { maxConcurrentWrites: 2 });
      await Promise.all(Array.from({ length: 6 }, (_, i) => c.put(`k${i}`, 'v')));
      expect(peak).toBe(1);
      expect(inFlight.size).toBe(2);
    });

    it('sends transactions built with compare and op', async () => {
      const n = await node({
        Txn: () => ({ succeeded: true, header: hdr(12), responses: [{ put: { header: hdr(12) } }, { range: { kvs: [{ key: Buffer.from('b'), value: Buffer.from('2'), createRevision: 1, modRevision: 2, version: 1 }], more: false, header: hdr(12) } }] }),
      });
      const r = await client([n.address]).txn({
        compare: [compare.value('a', '=', '1'), compare.missing('c')],
        success: [op.put('a', '2'), op.get('b')],
        failure: [op.delete({ key: 'p/', prefix: true })],
        commitMode: 'async',
      });
      expect(r.succeeded).toBe(true);
      expect(r.responses.map((x) => x.type)).toEqual(['put', 'range']);
      const second = r.responses[1]!;
      expect(second.type === 'range' && second.kvs[0]!.valueString()).toBe('2');
      const req = n.requests('Txn')[0]!;
      expect(req.compare).toMatchObject([{ target: 'VALUE', op: 'EQUAL' }, { target: 'VERSION', op: 'EQUAL', number: 0 }]);
      expect(req.commitMode).toBe('ASYNC');
      expect((req.id as { clientId: string }).clientId).toBe('test/0');
    });

    it('rejects bad arguments locally', async () => {
      const n = await node();
      const c = client([n.address]);
      await expect(c.range({ key: 'a', prefix: true, rangeEnd: 'b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(c.put('k', 'v', { commitMode: 'fast' as 'sync' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(() => connect({ endpoints: ['nope'] })).toThrow(/host:port/);
      expect(n.calls).toHaveLength(0);
    });

    it('fails calls after close()', async () => {
      const n = await node({ Put: ok });
      const c = client([n.address]);
      c.close();
      await expect(c.put('k', 'v')).rejects.toMatchObject({ code: 'CANCELLED' });
    });
  });
});

describe('pipeline fallback', () => {
  beforeAll(() => {
    transport = 'pipeline';
  });

  it('a node without KV.Pipeline is served with unary calls, the failed attempt included', async () => {
    const n = await FakeNode.start({ Put: ok }, { pipeline: false });
    nodes.push(n);
    const c = client([n.address], { pipeline: true });
    await c.put('k', 'v');
    await c.put('k', 'w');
    expect(n.calls.map((x) => x.via)).toEqual(['unary', 'unary']);
  });

  it('operations in flight when a pipeline breaks fail over to the next node with the same request id', async () => {
    let first = true;
    const dying: FakeNode = await node({
      Put: () => {
        if (first) {
          first = false;
          setImmediate(() => dying.close());
          return new Promise(() => {}); // never answered: the stream breaks first
        }
        return ok();
      },
    });
    const other = await node({ Put: ok });
    const c = client([dying.address, other.address], { pipeline: true });
    await c.put('k', 'v');
    expect(other.requests('Put')).toHaveLength(1);
    expect(idOf(other.requests('Put')[0]!)).toEqual(idOf(dying.requests('Put')[0]!));
  });
});
