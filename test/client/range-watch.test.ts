// Range pagination and watches against a fake node: pages pinned to one revision, the limit
// honoured across pages, and a watch that resumes from the last revision after a stream error.
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type RaftdbClient, WATCH_HIGH_WATER, type WatchEvent } from '../../src/client/index.js';
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

/** A wire change: `index` in its revision, `last` when no later change of it follows. */
function event(revision: number, key: string, index = 0, last = true, type: 'PUT' | 'DELETE' = 'PUT'): Req {
  const kv = { key: Buffer.from(key), value: Buffer.from(`v${revision}`), createRevision: 1, modRevision: revision, version: 1 };
  return { type, revision, kv, indexInRevision: index, lastInRevision: last, header: hdr(revision) };
}

/** Up to `count` events; fewer if the watch ends or none arrives for `idleMs` (a lost event). */
async function take(it: AsyncIterator<WatchEvent>, count: number, idleMs = 3000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < count) {
    let timer!: NodeJS.Timeout;
    const idle = new Promise<null>((r) => (timer = setTimeout(() => r(null), idleMs)));
    const r = await Promise.race([it.next(), idle]).finally(() => clearTimeout(timer));
    if (r === null || r.done) break;
    out.push(r.value);
  }
  return out;
}

const brief = (events: WatchEvent[]): string[] => events.map((e) => `${e.revision}:${e.type}:${e.kv.keyString()}`);

/** A fake node whose n-th Watch stream (from 0) writes streams[n] and then, if `breaks`, fails UNAVAILABLE. */
function scripted(n: FakeNode, streams: Req[][], breaks = streams.length - 1): void {
  let count = 0;
  n.watch = (_req, call) => {
    const i = count++;
    for (const e of streams[i] ?? []) call.write(e);
    if (i < breaks) setTimeout(() => call.emit('error', fault(status.UNAVAILABLE, 'leader lost')), 20);
  };
}

describe('watch', () => {
  it('resumes at a partly delivered revision after a stream error, dropping only the changes it has', async () => {
    const { n, c } = await setup();
    // Revision 4 carries two changes; the stream breaks between them.
    scripted(n, [
      [event(3, 'a'), event(4, 'b', 0, false)],
      [event(4, 'b', 0, false), event(4, 'c', 1, true, 'DELETE'), event(5, 'd')],
    ]);
    const w = c.watch({ key: 'a', rangeEnd: 'z', startRevision: 3 });
    const events = await take(w, 4);
    expect(brief(events)).toEqual(['3:put:a', '4:put:b', '4:delete:c', '5:put:d']);
    expect(events.map((e) => [e.indexInRevision, e.lastInRevision])).toEqual([[0, true], [0, false], [1, true], [0, true]]);
    expect(n.requests('Watch').map((r) => r.startRevision)).toEqual([3, 4]);
    expect(await w.return()).toEqual({ value: undefined, done: true });
    expect(await w.next()).toEqual({ value: undefined, done: true });
  });

  it('resumes at the next revision when the last one delivered was complete', async () => {
    const { n, c } = await setup();
    scripted(n, [[event(3, 'a'), event(4, 'b', 0, false), event(4, 'c', 1, true)], [event(5, 'd')]]);
    const w = c.watch({ key: 'a', rangeEnd: 'z', startRevision: 3 });
    expect(brief(await take(w, 4))).toEqual(['3:put:a', '4:put:b', '4:put:c', '5:put:d']);
    expect(n.requests('Watch').map((r) => r.startRevision)).toEqual([3, 5]);
    await w.return();
  });

  it('loses and repeats nothing when a resumed stream breaks again while repeating a revision', async () => {
    const { n, c } = await setup();
    // The watch's filter skips changes 1 and 3 of revision 4: indexes have gaps.
    const rev4 = [event(4, 'a', 0, false), event(4, 'c', 2, false), event(4, 'e', 4, true)];
    scripted(n, [rev4.slice(0, 2), rev4.slice(0, 1), [...rev4, event(5, 'f')]]);
    const w = c.watch({ key: 'a', rangeEnd: 'z', startRevision: 4 });
    expect(brief(await take(w, 4))).toEqual(['4:put:a', '4:put:c', '4:put:e', '5:put:f']);
    expect(n.requests('Watch').map((r) => r.startRevision)).toEqual([4, 4, 4]);
    await w.return();
  });

  it('delivers every change a stream carried before a non-retriable error, also when the reader was paused', async () => {
    const { n, c } = await setup();
    // More than the client buffers before it pauses the stream, then the slow-watcher cut-off:
    // the error arrives while changes still wait in the paused stream.
    const count = WATCH_HIGH_WATER + 10;
    n.watch = (_req, call) => {
      for (let i = 0; i < count; i++) call.write(event(10 + i, `k${i}`));
      call.emit('error', fault(status.RESOURCE_EXHAUSTED, `watcher fell behind; resume from revision ${10 + count}`));
    };
    const w = c.watch({ key: 'a', rangeEnd: 'z', startRevision: 10 });
    await new Promise((r) => setTimeout(r, 300)); // the client pauses at WATCH_HIGH_WATER; the error arrives
    const got = await take(w, count);
    expect(got.length).toBe(count);
    expect(got[count - 1]!.revision).toBe(10 + count - 1);
    await expect(w.next()).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
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
