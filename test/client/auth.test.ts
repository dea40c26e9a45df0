// connect({ auth }) against a scripted node: one authentication for many calls, the token on unary
// calls, pipeline streams and watches, a new token (and a new pipeline stream) after a refusal or
// near expiry, and no token at all while the cluster has auth off.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { FakeNode, fault, hdr } from './fake-server.js';

let n: FakeNode;
let issued = 0;
const clients: RaftdbClient[] = [];
beforeEach(async () => {
  issued = 0;
  n = await FakeNode.start({
    Authenticate: () => ({ header: hdr(1), token: `t${++issued}`, ttlMs: 60_000 }),
    Put: () => ({ header: hdr(2) }),
    Get: () => ({ found: false, header: hdr(2) }),
  });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  n.close();
});
const client = (extra: Parameters<typeof connect>[0] extends infer O ? Partial<O> : never = {}): RaftdbClient => {
  const c = connect({ endpoints: [n.address], auth: { user: 'alice', password: 'pw' }, ...extra });
  clients.push(c);
  return c;
};

describe('connect({ auth })', () => {
  it('authenticates once for many concurrent calls and sends the token on each, unary and pipelined', async () => {
    for (const pipeline of [true, false]) {
      const c = client({ pipeline });
      await Promise.all(Array.from({ length: 20 }, (_, i) => c.put(`k${i}`, 'v')));
      await c.get('k0');
    }
    expect(n.requests('Authenticate')).toEqual([{ name: 'alice', password: 'pw' }, { name: 'alice', password: 'pw' }]);
    const puts = n.calls.filter((c) => c.method === 'Put');
    expect(puts.filter((c) => c.via === 'pipeline' && c.token === 't1')).toHaveLength(20);
    expect(puts.filter((c) => c.via === 'unary' && c.token === 't2')).toHaveLength(20);
    // Authenticate itself carries no token.
    expect(n.calls.filter((c) => c.method === 'Authenticate').every((c) => c.token === undefined)).toBe(true);
  });

  it('authenticates again once when a node refuses the token, and moves the pipeline to a new stream', async () => {
    let refuse = true;
    n.handlers.set('Put', (_req) => {
      const last = n.calls.at(-1)!;
      if (last.token === 't1' && refuse) {
        refuse = false;
        throw fault(status.UNAUTHENTICATED, 'user "alice" changed after the token was issued; authenticate again');
      }
      return { header: hdr(3) };
    });
    const c = client();
    await c.put('a', '1');
    expect(n.calls.filter((x) => x.method === 'Put').map((x) => x.token)).toEqual(['t1', 't2']);
    await c.put('b', '2');
    expect(n.calls.filter((x) => x.method === 'Put').map((x) => x.token)).toEqual(['t1', 't2', 't2']);
  });

  it('does not loop when the new token is refused too', async () => {
    n.handlers.set('Put', () => Promise.reject(fault(status.UNAUTHENTICATED, 'no')));
    const err = await client().put('a', '1').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(n.requests('Authenticate')).toHaveLength(2);
    expect(n.requests('Put')).toHaveLength(2);
  });

  it('renews a token near its expiry before using it', async () => {
    n.handlers.set('Authenticate', () => ({ header: hdr(1), token: `t${++issued}`, ttlMs: 100 }));
    const c = client();
    await c.put('a', '1');
    await new Promise((r) => setTimeout(r, 120));
    await c.put('b', '1');
    expect(n.calls.filter((x) => x.method === 'Put').map((x) => x.token)).toEqual(['t1', 't2']);
  });

  it('sends no token while the cluster has auth off, and authenticates once it is turned on', async () => {
    let enabled = false;
    n.handlers.set('Authenticate', () => {
      if (!enabled) throw fault(status.FAILED_PRECONDITION, 'auth is not enabled: requests need no token');
      return { header: hdr(1), token: 'on', ttlMs: 60_000 };
    });
    n.handlers.set('Put', () => {
      if (enabled && n.calls.at(-1)!.token === undefined) throw fault(status.UNAUTHENTICATED, 'authentication required');
      return { header: hdr(3) };
    });
    const c = client({ pipeline: false });
    await c.put('a', '1');
    expect(n.calls.find((x) => x.method === 'Put')!.token).toBeUndefined();
    enabled = true;
    await c.put('b', '1');
    expect(n.calls.filter((x) => x.method === 'Put').map((x) => x.token)).toEqual([undefined, undefined, 'on']);
  });

  it('opens watches with the token', async () => {
    n.handlers.set('Range', () => ({ header: hdr(5), kvs: [], more: false }));
    n.watch = (_req, call) => call.end();
    const w = client().watch({ key: 'k' });
    await new Promise((r) => setTimeout(r, 200));
    w.cancel();
    expect(n.calls.find((x) => x.method === 'Watch')).toMatchObject({ token: 't1' });
  });
});

describe('connect({ auth }) without a leader', () => {
  it('a call whose authentication finds no leader fails within its timeout instead of waiting on itself', async () => {
    // Explaining a failed Authenticate asked each node's Status with a token, and the token was
    // the very authentication that had failed: the call waited on itself forever (a Docker drill
    // hung after its leader was removed, until the test's 420 s timeout).
    n.handlers.set('Authenticate', () => {
      throw fault(status.UNAVAILABLE, 'no leader is known; try again later');
    });
    n.handlers.set('Status', () => ({ header: hdr(1), id: 'n1', role: 'ROLE_FOLLOWER', leader: '', term: 3 }));
    const c = client({ timeoutMs: 1500 });
    const t0 = Date.now();
    const outcome = await Promise.race([
      c.put('k', 'v').then(
        () => 'ok',
        (e: Error) => `failed: ${e.message}`,
      ),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 10 s'), 10_000)),
    ]);
    expect(outcome).toMatch(/^failed: /);
    expect(Date.now() - t0).toBeLessThan(8_000);
  }, 20_000);
});
