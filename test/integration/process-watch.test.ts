// Watches against real server processes when one revision holds several changes (a txn, a prefix
// delete, a range delete): every change reaches a watch on each node exactly once, in order, with
// prev_kv; a watch started at such a revision gets all of it; a TypeScript watch whose stream
// breaks between two changes of a revision resumes on another node without loss or duplicate;
// a watcher cut off for being slow is told a revision to resume from that loses nothing.
// Raw gRPC stubs (fixtures/raw.ts) check the server without our client's resume logic.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { op, type RaftdbClient, type Watch, type WatchEvent } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { RawKv, type RawWatchEvent } from './fixtures/raw.js';
import { WatchRelay } from './fixtures/watch-relay.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

/** A change as a comparable line: revision, index, type, key, value, previous value. */
function line(e: { revision: number; type: string; kv: { key: Buffer | Uint8Array; value: Buffer | Uint8Array } | null; prevKv: { value: Buffer | Uint8Array } | null }): string {
  const s = (b: Buffer | Uint8Array | undefined): string => (b ? Buffer.from(b).toString() : '');
  return `${e.revision} ${e.type.toLowerCase()} ${s(e.kv?.key)}=${s(e.kv?.value)} prev=${e.prevKv ? s(e.prevKv.value) : '-'}`;
}

/** Index and completion flag of each change, per revision: "r:0 r:1 r:2!" (! = last in revision). */
function positions(events: Array<{ revision: number; indexInRevision: number; lastInRevision: boolean }>): string {
  return events.map((e) => `${e.revision}:${e.indexInRevision}${e.lastInRevision ? '!' : ''}`).join(' ');
}

/** A TypeScript client watch collected in the background; stop() ends it and reports its error. */
interface Collected {
  events: WatchEvent[];
  stop(): Promise<unknown>;
}

function collect(w: Watch): Collected {
  const events: WatchEvent[] = [];
  const done = (async () => {
    for await (const e of w) events.push(e);
  })().then(
    () => null,
    (err: unknown) => err,
  );
  return { events, stop: () => (w.cancel(), done) };
}

const PREFIX = 'm/';

describe('3-node cluster of processes: watches deliver every change of multi-key revisions', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  let unaryClient: RaftdbClient;
  const raws: RawKv[] = [];
  /** The revisions of the multi-key writes and the changes they made, as line()s. */
  let revs: { txn: number; prefixDelete: number; rangeDelete: number; sameKey: number };
  let expected: string[] = [];
  let expectedPositions = '';

  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
    client = cluster.client(); // KV.Pipeline
    unaryClient = cluster.client({ pipeline: false });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  function raw(id: string): RawKv {
    const r = new RawKv(cluster!.endpoints([id])[0]!);
    raws.push(r);
    return r;
  }

  /** Writes the multi-key revisions: by pipeline, by unary client and by a raw unary call. */
  async function writeMultiKeyRevisions(): Promise<void> {
    const txn = await client.txn({ success: [op.put('m/a', 'a1'), op.put('m/b', 'b1'), op.put('m/c', 'c1')] });
    const del = await unaryClient.delete({ key: 'm/d/', prefix: true });
    expect(del.deleted).toBe(4);
    const rangeDel = await raw(cluster!.live()[0]!).call('Delete', { key: Buffer.from('m/r/1'), rangeEnd: Buffer.from('m/r/9') });
    expect(rangeDel.response).toMatchObject({ deleted: 3 });
    const same = await client.txn({ success: [op.put('m/e', 'e1'), op.put('m/e', 'e2'), op.delete('m/b')] });
    revs = {
      txn: txn.header.revision,
      prefixDelete: del.header.revision,
      rangeDelete: Number((rangeDel.response!.header as { revision: number }).revision),
      sameKey: same.header.revision,
    };
    const { txn: t, prefixDelete: p, rangeDelete: r, sameKey: s } = revs;
    expected = [
      `${t} put m/a=a1 prev=a0`,
      `${t} put m/b=b1 prev=-`,
      `${t} put m/c=c1 prev=-`,
      ...[1, 2, 3, 4].map((i) => `${p} delete m/d/${i}= prev=d${i}`),
      ...[1, 2, 3].map((i) => `${r} delete m/r/${i}= prev=r${i}`),
      `${s} put m/e=e1 prev=-`,
      `${s} put m/e=e2 prev=e1`,
      `${s} delete m/b= prev=b1`,
    ];
    expectedPositions = `${t}:0 ${t}:1 ${t}:2! ${p}:0 ${p}:1 ${p}:2 ${p}:3! ${r}:0 ${r}:1 ${r}:2! ${s}:0 ${s}:1 ${s}:2!`;
  }

  test('a live prefix watch on each node (leader and followers) gets every change once, in order, with prev_kv', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const ids = [leader.id, ...[...c.nodes.keys()].filter((id) => id !== leader.id)];
    await client.put('m/a', 'a0');
    for (const i of [1, 2, 3, 4]) await client.put(`m/d/${i}`, `d${i}`);
    for (const i of [1, 2, 3]) await client.put(`m/r/${i}`, `r${i}`);
    await client.put('m/r/9', 'outside the range delete');
    // Raw watches "from now" (start_revision 0): no history, every change comes live. A watch is
    // live once a marker written after it was opened reaches it.
    const rawWatches = new Map(ids.map((id) => [id, raw(id).watch({ key: Buffer.from(PREFIX), prefix: true })]));
    const tsWatches = new Map(ids.map((id) => [id, collect(c.client({ endpoints: c.endpoints([id]) }).watch({ key: PREFIX, prefix: true }))]));
    let marker = 0;
    const allLive = await eventually(async () => {
      await client.put(`m/marker/${marker++}`, 'x');
      return [...rawWatches.values()].every((w) => w.events.length > 0) && [...tsWatches.values()].every((w) => w.events.length > 0);
    }, 15_000, 200);
    expect(allLive, 'every watch saw a marker').toBe(true);
    await writeMultiKeyRevisions();
    for (const id of ids) {
      const w = rawWatches.get(id)!;
      const t = tsWatches.get(id)!;
      // Wait for all of them (on a failure, the comparison below shows what is missing). What
      // came before is not compared: a follower's "now" may precede the last setup write.
      const rawChanges = (): RawWatchEvent[] => w.events.filter((e) => e.revision >= revs.txn);
      const tsChanges = (): WatchEvent[] => t.events.filter((e) => e.revision >= revs.txn);
      await eventually(() => rawChanges().length >= expected.length && tsChanges().length >= expected.length, 10_000, 20);
      await settle();
      expect(rawChanges().map(line), `raw watch on ${id}`).toEqual(expected);
      expect(positions(rawChanges()), `raw watch on ${id}: index in revision, last flag`).toBe(expectedPositions);
      expect(new Set(w.events.map((e) => e.header.memberId)), `raw watch served by ${id}`).toEqual(new Set([id]));
      expect(tsChanges().map(line), `TypeScript watch on ${id}`).toEqual(expected);
      expect(positions(tsChanges()), `TypeScript watch on ${id}`).toBe(expectedPositions);
    }
    for (const w of rawWatches.values()) w.cancel();
    for (const t of tsWatches.values()) expect(await t.stop()).toBeNull();
  });

  test('a watch started at a multi-key revision gets all of its changes, on every node', async () => {
    const c = cluster!;
    expect(expected.length, 'the previous test wrote the revisions').toBeGreaterThan(0);
    const from = expected.findIndex((l) => l.startsWith(`${revs.prefixDelete} `));
    for (const id of c.nodes.keys()) {
      for (const start of [revs.txn, revs.prefixDelete]) {
        const w = raw(id).watch({ key: Buffer.from(PREFIX), prefix: true, startRevision: start });
        const want = start === revs.txn ? expected : expected.slice(from);
        await w.waitFor(want.length);
        await settle();
        expect(w.events.map(line), `raw watch on ${id} from revision ${start}`).toEqual(want);
        w.cancel();
      }
      const ts = collect(c.client({ endpoints: c.endpoints([id]) }).watch({ key: 'm/d/', prefix: true, startRevision: revs.prefixDelete }));
      await eventually(() => ts.events.length >= 4, 10_000, 20);
      await settle();
      expect(ts.events.map(line), `TypeScript watch on ${id} from revision ${revs.prefixDelete}`).toEqual(expected.slice(from, from + 4));
      expect(await ts.stop()).toBeNull();
    }
  });

  for (const cutAfter of [2, 3, 5, 12]) {
    test(`a TypeScript watch whose stream breaks after ${cutAfter} changes resumes on another node: no loss, no duplicate`, async () => {
      const c = cluster!;
      expect(expected.length, 'the first test wrote the revisions').toBeGreaterThan(0);
      const [first, second] = [...c.nodes.keys()];
      const relay = await WatchRelay.start(c.endpoints([first!, second!]), cutAfter);
      try {
        const viaRelay = c.client({ endpoints: [relay.address], retry: { maxAttempts: 4, baseMs: 5, maxMs: 20 } });
        const w = collect(viaRelay.watch({ key: PREFIX, prefix: true, startRevision: revs.txn }));
        await eventually(() => w.events.length >= expected.length, 10_000, 20);
        await settle();
        expect(w.events.map(line)).toEqual(expected);
        // The second stream starts where the first broke: at the revision of a partly delivered
        // one, or after a complete one.
        const lastSeen = w.events[cutAfter - 1]!;
        const resumeAt = lastSeen.lastInRevision ? lastSeen.revision + 1 : lastSeen.revision;
        expect(relay.requests.map((r) => r.startRevision)).toEqual([revs.txn, resumeAt]);
        expect(relay.requests[1]!.target).not.toBe(relay.requests[0]!.target);
        expect(new Set(w.events.slice(cutAfter).map((e) => e.header.memberId))).toEqual(new Set([second]));
        expect(await w.stop()).toBeNull();
      } finally {
        relay.close();
      }
    });
  }

  test('a slow watcher is cut off between revisions, told a revision from which resuming loses and repeats nothing', async () => {
    const c = cluster!;
    const leader = (await c.leader()).id;
    const follower = [...c.nodes.keys()].find((id) => id !== leader)!;
    const start = (await client.put('slow/start', '0')).header.revision + 1;
    const w = raw(follower).watch({ key: Buffer.from('slow/'), prefix: true, startRevision: start });
    w.call.pause(); // the client stops reading: HTTP/2 flow control fills and the server queues
    // 100 revisions of 125 changes of 1 KiB values (and their previous values): ~29 MB, past the
    // server's bound of 16 MiB not taken by the client (--max-stream-bytes). (While the client
    // does not read, the server's status waits behind the queued changes too.)
    const PUTS = 125;
    let last = 0;
    for (let t = 0; t < 100; t++) {
      const success = Array.from({ length: PUTS }, (_, i) => op.put(`slow/${String(i).padStart(3, '0')}`, `t${t}`.padEnd(1024, '.')));
      last = (await client.txn({ success })).header.revision;
    }
    w.call.resume();
    const end = await Promise.race([w.ended, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(end, 'the server cut the watcher off').not.toBeNull();
    expect(end!.code).toBe('RESOURCE_EXHAUSTED');
    const resumeFrom = Number(/resume from revision (\d+)/.exec(end!.details)?.[1]);
    expect(resumeFrom).toBeGreaterThan(start);
    // Everything before resumeFrom arrived, complete; nothing of resumeFrom or later.
    const got = w.events;
    expect(got.length).toBe((resumeFrom - start) * PUTS);
    expect(got.every((e, i) => e.revision === start + Math.floor(i / PUTS) && e.indexInRevision === i % PUTS)).toBe(true);
    const rest = raw(follower).watch({ key: Buffer.from('slow/'), prefix: true, startRevision: resumeFrom });
    await rest.waitFor((last - resumeFrom + 1) * PUTS, 20_000);
    const all = [...got, ...rest.events];
    expect(all.length).toBe((last - start + 1) * PUTS);
    expect(all.every((e, i) => e.revision === start + Math.floor(i / PUTS) && e.indexInRevision === i % PUTS)).toBe(true);
    rest.cancel();
    console.log(`[watch] slow watcher on ${follower} cut off after ${got.length} changes; resumed from revision ${resumeFrom} (${end!.details})`);
  });

  test('a TypeScript watch that does not keep up gets every change before the cut-off, then the error naming where to resume', async () => {
    const c = cluster!;
    const start = (await client.put('slowts/start', '0')).header.revision + 1;
    const watch = c.client().watch({ key: 'slowts/', prefix: true, startRevision: start });
    // Nobody reads: the client's queue fills and pauses the stream, then the server's (120
    // revisions of 125 changes of 1 KiB values: ~35 MB, past the server's 16 MiB bound).
    const PUTS = 125;
    let last = 0;
    for (let t = 0; t < 120; t++) {
      const success = Array.from({ length: PUTS }, (_, i) => op.put(`slowts/${String(i).padStart(3, '0')}`, `t${t}`.padEnd(1024, '.')));
      last = (await client.txn({ success })).header.revision;
    }
    // Read until the error, or until nothing came for 10 s (a server that never cuts off).
    const got: WatchEvent[] = [];
    let err: { code: string; details: string } | null = null;
    for (;;) {
      let timer!: NodeJS.Timeout;
      const idle = new Promise<'idle'>((r) => (timer = setTimeout(() => r('idle'), 10_000)));
      const next = await Promise.race([watch.next(), idle]).catch((e: unknown) => e as { code: string; details: string }).finally(() => clearTimeout(timer));
      if (next === 'idle' || 'code' in next || next.done) {
        if (next !== 'idle' && 'code' in next) err = next;
        break;
      }
      got.push(next.value);
    }
    watch.cancel();
    expect(err?.code, `the server cut the reader off (${got.length} changes read)`).toBe('RESOURCE_EXHAUSTED');
    const resumeFrom = Number(/resume from revision (\d+)/.exec(err!.details)?.[1]);
    expect(resumeFrom).toBeLessThanOrEqual(last);
    expect(got.length).toBe((resumeFrom - start) * PUTS);
    expect(got.every((e, i) => e.revision === start + Math.floor(i / PUTS) && e.indexInRevision === i % PUTS)).toBe(true);
    const rest = collect(c.client().watch({ key: 'slowts/', prefix: true, startRevision: resumeFrom }));
    await eventually(() => rest.events.length >= (last - resumeFrom + 1) * PUTS, 20_000, 50);
    expect(await rest.stop()).toBeNull();
    const all = [...got, ...rest.events];
    expect(all.length).toBe((last - start + 1) * PUTS);
    expect(all.every((e, i) => e.revision === start + Math.floor(i / PUTS) && e.indexInRevision === i % PUTS)).toBe(true);
    console.log(`[watch] slow TypeScript reader: ${got.length} changes, then ${err!.details}`);
  });
});

/** Gives a stream a moment to show a duplicate or a change beyond what was awaited. */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 200));
}
