// Raft.Forward between two real gRPC nodes: requests of one turn travel in one message and come
// back matched by id whatever order they finish in; the bounds refuse at once; a non-member's
// stream runs nothing; a peer without the method answers UNIMPLEMENTED before running anything.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardChannelError, MEMBERS_ONLY, type ForwardCall, type ForwardHandler, type ForwardServerLimits } from '../../src/transport/index.js';
import { connect, startNode, type TestNode } from './helpers.js';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

const LIMITS: ForwardServerLimits = { maxInFlight: 1000, maxInFlightBytes: 1 << 20, maxReplyBytes: 1 << 20, maxBatchBytes: 64 * 1024 };

const call = (i: number, extra: Partial<ForwardCall> = {}): ForwardCall => ({
  method: 'Put',
  request: Buffer.from(`req-${i}`),
  timeoutMs: 5000,
  hops: 1,
  token: '',
  user: '',
  clientAddress: `client-${i}`,
  leaderTerm: 0,
  ...extra,
});

/** Echoes the request after `delayMs(i)`, so replies can finish out of order. */
function echo(seen: string[], delayMs: (req: string) => number = () => 0): ForwardHandler {
  return async (req, sender) => {
    const text = Buffer.from(req.request).toString();
    seen.push(`${sender.from}:${text}:${req.clientAddress}`);
    await new Promise((r) => setTimeout(r, delayMs(text)));
    return { code: 0, message: '', leaderAddress: '', response: Buffer.from(`res-${text}`), readIndex: 0 };
  };
}

async function pair(leader: Parameters<typeof startNode>[0], follower: Parameters<typeof startNode>[0] = { id: 'f' }): Promise<[TestNode, TestNode]> {
  const l = await startNode(leader);
  const f = await startNode(follower);
  nodes.push(l, f);
  connect([l, f]);
  return [l, f];
}

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof ForwardChannelError ? `${grpc.status[e.code]}/${e.executed}` : String(e)),
  );

describe('Raft.Forward', () => {
  it('sends the requests of one turn in one message and matches replies by id', async () => {
    const seen: string[] = [];
    // Later requests finish first: replies must still reach their own callers.
    const [l, f] = await pair({ id: 'l', forward: { handler: echo(seen, (t) => 50 - Number(t.slice(4))), limits: LIMITS } });
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => f.transport.forward('l', call(i))));
    expect(replies.map((r) => Buffer.from(r.response).toString())).toEqual(Array.from({ length: 50 }, (_, i) => `res-req-${i}`));
    // In sending order, with the caller's fields, from the proven sender.
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `f:req-${i}:client-${i}`));
    const stats = f.transport.stats().peers.get('l')!.forward;
    expect(stats).toMatchObject({ requests: 50, batches: 1, inFlight: 0, inFlightBytes: 0 });
    expect(l.service.stats().forwardedReceived).toBe(50);
  });

  it('refuses past the bounds at once: in flight on the sender, executing on the receiver', async () => {
    const seen: string[] = [];
    const [l, f] = await pair(
      { id: 'l', forward: { handler: echo(seen, () => 200), limits: { ...LIMITS, maxInFlight: 2 } } },
      { id: 'f', options: { maxForwardInFlight: 3, maxMessageBytes: 10_000 } },
    );
    const outcomes = await Promise.all([0, 1, 2, 3].map((i) => codeOf(f.transport.forward('l', call(i)))));
    // The 4th is over the sender's bound; the 3rd reached the receiver but 2 were executing.
    expect(outcomes).toEqual(['OK', 'OK', 'OK', 'UNAVAILABLE/no']);
    // Room again once the first ones were answered.
    expect(await codeOf(f.transport.forward('l', call(9)))).toBe('OK');
    expect(await codeOf(f.transport.forward('l', call(5, { request: Buffer.alloc(20_000) })))).toBe('RESOURCE_EXHAUSTED/no');
    expect(f.transport.stats().peers.get('l')!.forward.refused).toBe(2);
    expect(l.service.stats().forwardedRefused).toBe(1);
    expect(seen).toHaveLength(3);
  });

  it('answers RESOURCE_EXHAUSTED for the requests beyond what the receiver executes at once', async () => {
    const seen: string[] = [];
    const [l, f] = await pair({ id: 'l', forward: { handler: echo(seen, () => 100), limits: { ...LIMITS, maxInFlight: 2 } } });
    const replies = await Promise.all([0, 1, 2].map((i) => f.transport.forward('l', call(i))));
    expect(replies.map((r) => grpc.status[r.code])).toEqual(['OK', 'OK', 'RESOURCE_EXHAUSTED']);
    expect(seen).toHaveLength(2);
    expect(l.service.stats().forwardedRefused).toBe(1);
  });

  it('a non-member cannot use it: the stream ends PERMISSION_DENIED and nothing runs', async () => {
    const seen: string[] = [];
    const [l, f] = await pair({ id: 'l', forward: { handler: echo(seen), limits: LIMITS }, authorizer: MEMBERS_ONLY((id) => id === 'l') });
    // f is not a member of l's cluster: its stream is refused, as its Raft messages would be.
    const err = await f.transport.forward('l', call(1)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ForwardChannelError);
    expect((err as ForwardChannelError).message).toMatch(/PERMISSION_DENIED|not a member/);
    expect(seen).toEqual([]);
    expect(l.service.stats().forwardedReceived).toBe(0);
    expect(l.logger.lines.some((x) => x.msg === 'rejected forward batch')).toBe(true);
  });

  it('a peer without Raft.Forward answers UNIMPLEMENTED: nothing ran, the caller may send it another way', async () => {
    const [, f] = await pair({ id: 'l' });
    expect(await codeOf(f.transport.forward('l', call(1)))).toBe('UNIMPLEMENTED/no');
  });

  it('a broken stream fails what it carried as unknown, and the next request opens a new one', async () => {
    const seen: string[] = [];
    let release: () => void = () => {};
    const [l, f] = await pair({
      id: 'l',
      forward: {
        handler: async (req, sender) => {
          if (Buffer.from(req.request).toString() === 'req-1') await new Promise<void>((r) => (release = r));
          return echo(seen)(req, sender);
        },
        limits: LIMITS,
      },
    });
    const stuck = codeOf(f.transport.forward('l', call(1)));
    await new Promise((r) => setTimeout(r, 100));
    l.service.close(); // ends every open peer call with UNAVAILABLE
    expect(await stuck).toBe('UNAVAILABLE/unknown');
    release();
    expect(f.transport.stats().peers.get('l')!.forward).toMatchObject({ failed: 1, inFlight: 0 });
  });
});
