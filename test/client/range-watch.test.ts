// Range pagination and watches against a fake node: pages pinned to one revision, the limit
// honoured across pages, and a watch that resumes from the last revision after a stream error.
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type RaftdbClient, type WatchEvent } from '../../src/client/index.js';
import { FakeNode, fault, hdr, type Req } from './fake-server.js';

const nodes: FakeNode[] = [];
const clients: RaftdbClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const n of nodes.splice(0)) n.close();
});

async function setup(): Promise<{ n: FakeNode; c: RaftdbClient }> {
  const n = await FakeNode.start();
  nodes.push(n);
  const c = connect({ endpoints: [n.address], retry: { maxAttempts: 4, baseMs: 5, maxMs: 20 } });
  clients.push(c);
  return { n, c };
}

const KEYS = ['a', 'p/1', 'p/2', 'p/3', 'p/4', 'p/5', 'q'];

/** Range over KEYS with the server's semantics (prefix, [key, rangeEnd), limit). */
function fakeRange(req: Req): Req {
  const key = (req.key as Buffer).toString();
  const end = (req.rangeEnd as Buffer).toString();
  const inRange = (k: string): boolean =>
    req.prefix ? k.startsWith(key) : end.length > 0 ? k >= key && (end === '\0' || k < end) : k === key;
  const all = KEYS.filter(inRange);
  const limit = Number(req.limit) || 10_000;
  const kvs = all.slice(0, limit).map((k, i) => ({ key: Buffer.from(k), value: Buffer.from(`v${k}`), createRevision: 1, modRevision: 2 + i, version: 1 }));
  return { kvs, more: all.length > limit, header: hdr(42) };
}

describe('range', () => {
  it('returns one page with `more`', async () => {
    const { n, c } = await setup();
    n.handlers.set('Range', fakeRange);
    const r = await c.range({ key: 'p/', prefix: true, limit: 2 });
    expect(r.kvs.map((kv) => kv.keyString())).toEqual(['p/1', 'p/2']);
    expect(r.more).toBe(true);
  });

  it('pages through a prefix at the first page revision', async () => {
    const { n, c } = await setup();
    n.handlers.set('Range', fakeRange);
    const pages: string[][] = [];
    for await (const page of c.rangeAll({ key: 'p/', prefix: true, pageSize: 2 })) pages.push(page.kvs.map((kv) => kv.keyString()));
    expect(pages).toEqual([['p/1', 'p/2'], ['p/3', 'p/4'], ['p/5']]);
    const reqs = n.requests('Range');
    expect(reqs.map((r) => r.revision)).toEqual([0, 42, 42]);
    expect((reqs[1]!.key as Buffer).toString()).toBe('p/2\0');
    expect((reqs[1]!.rangeEnd as Buffer).toString()).toBe('p0');
  });

  it('stops after `limit` keys in all', async () => {
    const { n, c } = await setup();
    n.handlers.set('Range', fakeRange);
    const keys: string[] = [];
    for await (const page of c.rangeAll({ key: 'a', rangeEnd: 'z', pageSize: 2, limit: 5 })) keys.push(...page.kvs.map((kv) => kv.keyString()));
    expect(keys).toEqual(['a', 'p/1', 'p/2', 'p/3', 'p/4']);
    expect(n.requests('Range').map((r) => r.limit)).toEqual([2, 2, 1]);
  });
});

function event(revision: number, key: string, type: 'PUT' | 'DELETE' = 'PUT'): Req {
  return { type, revision, kv: { key: Buffer.from(key), value: Buffer.from(`v${revision}`), createRevision: 1, modRevision: revision, version: 1 }, header: hdr(revision) };
}

async function take(it: AsyncIterator<WatchEvent>, count: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < count) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('watch', () => {
  it('resumes after a stream error from the last revision, without repeating events', async () => {
    const { n, c } = await setup();
    let streams = 0;
    n.watch = (req, call) => {
      streams++;
      if (streams === 1) {
        // Revision 4 carries two events; the stream breaks between them.
        for (const e of [event(3, 'a'), event(4, 'b')]) call.write(e);
        setTimeout(() => call.emit('error', fault(status.UNAVAILABLE, 'leader lost')), 20);
      } else {
        expect(req.startRevision).toBe(4);
        for (const e of [event(4, 'b'), event(4, 'c', 'DELETE'), event(5, 'd')]) call.write(e);
      }
    };
    const w = c.watch({ key: 'a', rangeEnd: 'z', startRevision: 3 });
    const events = await take(w, 4);
    expect(events.map((e) => `${e.revision}:${e.type}:${e.kv.keyString()}`)).toEqual(['3:put:a', '4:put:b', '4:delete:c', '5:put:d']);
    expect(n.requests('Watch').map((r) => r.startRevision)).toEqual([3, 4]);
    expect(await w.return()).toEqual({ value: undefined, done: true });
    expect(await w.next()).toEqual({ value: undefined, done: true });
  });

  it('starts "from now" at the revision after the current one', async () => {
    const { n, c } = await setup();
    n.handlers.set('Range', () => ({ kvs: [], more: false, header: hdr(41) }));
    n.watch = (_req, call) => call.write(event(42, 'p/x'));
    const w = c.watch({ key: 'p/', prefix: true });
    const [e] = await take(w, 1);
    expect(e!.kv.valueString()).toBe('v42');
    expect(n.requests('Watch')[0]).toMatchObject({ startRevision: 42, prefix: true });
    await w.return();
  });

  it('cancels the server stream on return(), even while waiting for an event', async () => {
    const { n, c } = await setup();
    let cancelled!: () => void;
    const sawCancel = new Promise<void>((r) => (cancelled = r));
    n.watch = (_req, call) => call.on('cancelled', () => cancelled());
    const w = c.watch({ key: 'k', startRevision: 1 });
    const pending = w.next();
    await new Promise((r) => setTimeout(r, 100));
    await w.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    await sawCancel;
  });

  it('surfaces OUT_OF_RANGE (compacted history) without retrying', async () => {
    const { n, c } = await setup();
    n.watch = (_req, call) => call.emit('error', fault(status.OUT_OF_RANGE, 'oldest revision is 100'));
    const w = c.watch({ key: 'k', startRevision: 1 });
    await expect(w.next()).rejects.toMatchObject({ code: 'OUT_OF_RANGE', details: 'oldest revision is 100' });
    expect(n.requests('Watch')).toHaveLength(1);
  });
});
