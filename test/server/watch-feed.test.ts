// One watch's feed over a real state machine: every change of multi-key revisions exactly once,
// from history and live; the hand-over while batches are applied during the history read (also
// past the bounds of held live changes, in count and in bytes); history windows without a match;
// history read at the watcher's pace; the slow live watcher cut off between revisions once its
// backlog passes the bound in bytes; a snapshot restore under a live watch.
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestError } from '../../src/server/errors.js';
import { MAX_PENDING_EVENTS, WatchFeed, type WatchSink, type WatchSource } from '../../src/server/watch-feed.js';
import type { Command, TxnOp } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/state-machine.js';
import type { WatchEvent } from '../../src/state/types.js';
import { MAX_SCAN_REVISIONS } from '../../src/state/watch-log.js';
import { b, cleanup, entry, tempDir } from '../state/helpers.js';

let dir: string;
let sm: StateMachine;
let index: number;
beforeEach(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/db`);
  index = 0;
});
afterEach(async () => {
  await sm.close();
  await cleanup(dir);
});

/** Applies one entry per command, all in one batch; returns the store revision after it. */
async function apply(...cmds: Command[]): Promise<number> {
  await sm.apply(cmds.map((c) => entry(++index, c)));
  return sm.revision();
}

const put = (key: string, value: string): TxnOp => ({ type: 'put', key: b(key), value: b(value) });
const txn = (...ops: TxnOp[]): Command => ({ type: 'txn', compare: [], success: ops, failure: [] });
/** A txn putting `count` keys `${prefix}0..` to `value`. */
const wide = (prefix: string, count: number, value: string): Command => txn(...Array.from({ length: count }, (_, i) => put(`${prefix}${i}`, value)));

/** What the watcher received, as "revision.index key=value" (+ "!" on the last of a revision). */
class ArraySink implements WatchSink {
  readonly lines: string[] = [];
  failure: unknown = null;
  /** The transport takes nothing while set (a client not reading); takeAll() takes what it holds. */
  holding = false;
  private readonly held: (() => void)[] = [];
  write(e: WatchEvent, last: boolean, taken: () => void): void {
    this.lines.push(`${e.kv.modRevision}.${e.index} ${Buffer.from(e.kv.key).toString()}=${Buffer.from(e.kv.value).toString()}${last ? '!' : ''}`);
    if (this.holding) this.held.push(taken);
    else taken();
  }
  fail(err: unknown): void {
    this.failure = err;
  }
  takeAll(): void {
    for (const t of this.held.splice(0)) t();
  }
}

/** The node's default bound (16 MiB): nothing in these tests comes near it unless it says so. */
const LIMITS = { maxBacklogBytes: 16 * 1024 * 1024 };
const SMALL = { maxBacklogBytes: 64 * 1024 };
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/**
 * The sink's line count once it stops moving: each history read is a trip to the thread pool
 * (history-log.ts), which takes more than a few turns of the event loop on a busy machine.
 */
async function settled(sink: { lines: unknown[] }): Promise<number> {
  let last = -1;
  for (let i = 0; i < 200 && sink.lines.length !== last; i++) {
    last = sink.lines.length;
    await turns(20);
    await sleep(5);
  }
  return sink.lines.length;
}

const everything = { matches: () => true, prefix: undefined };
const under = (prefix: string) => ({ matches: (k: Uint8Array) => Buffer.from(k).toString().startsWith(prefix), prefix: b(prefix) });

/** The changes of every revision from `from` on, as the feed should send them to `spec`. */
async function expectedFrom(from: number, spec: { matches(k: Uint8Array): boolean }): Promise<string[]> {
  const out: string[] = [];
  for (let next = from; next <= sm.revision(); ) {
    const page = await sm.changesSince(next, undefined, 10_000);
    const wanted = page.events.filter((e) => spec.matches(e.kv.key));
    wanted.forEach((e, i) => {
      const last = wanted[i + 1]?.kv.modRevision !== e.kv.modRevision;
      out.push(`${e.kv.modRevision}.${e.index} ${Buffer.from(e.kv.key).toString()}=${Buffer.from(e.kv.value).toString()}${last ? '!' : ''}`);
    });
    next = page.nextRevision;
  }
  return out;
}

/** The state machine with a hook run inside each history read, after its snapshot is taken. */
function interleaved(duringRead: (call: number) => Promise<void>): WatchSource {
  let calls = 0;
  return {
    revision: () => sm.revision(),
    onApplied: (listener) => sm.onApplied(listener),
    changesSince: async (from, prefix, limit) => {
      const page = await sm.changesSince(from, prefix, limit);
      await duringRead(calls++);
      return page;
    },
  };
}

describe('WatchFeed', () => {
  it('sends every change of multi-key revisions once, from history then live, the last of each revision flagged', async () => {
    await apply(put1('w/a', '0'));
    const start = await apply(txn(put('w/a', '1'), put('w/b', '1'), put('x/c', '1')));
    await apply({ type: 'deleteRange', key: b('w/'), rangeEnd: b('w0') });
    const sink = new ArraySink();
    const feed = new WatchFeed(sm, sink, { ...under('w/'), startRevision: start }, LIMITS);
    await feed.start();
    await apply(txn(put('w/e', '1'), put('w/e', '2'), put('x/f', '1')), wide('w/g', 3, 'g'));
    expect(sink.lines).toEqual([
      `${start}.0 w/a=1`,
      `${start}.1 w/b=1!`, // x/c (index 2) is not watched: w/b is the last change this watch gets
      `${start + 1}.0 w/a=`,
      `${start + 1}.1 w/b=!`,
      `${start + 2}.0 w/e=1`,
      `${start + 2}.1 w/e=2!`,
      `${start + 3}.0 w/g0=g`,
      `${start + 3}.1 w/g1=g`,
      `${start + 3}.2 w/g2=g!`,
    ]);
    expect(feed.deliveredRevision).toBe(start + 3);
    feed.close();
  });

  it('hands over from history to live without loss or duplicate while batches are applied during the read', async () => {
    for (let i = 0; i < 40; i++) await apply(...Array.from({ length: 10 }, (_, j) => wide(`k/${i}.${j}.`, 3, 'h')));
    // A batch applied after subscribing and before the first read is both in the history and
    // held live; the batches applied during each read (1,200 changes: two pages) are held live
    // and, but for the last one, in the next page too.
    const source = interleaved(async (call) => {
      await apply(wide(`live/${call}.`, 4, 'l'), wide(`live/${call}b.`, 2, 'l'));
    });
    const sink = new ArraySink();
    const feed = new WatchFeed(source, sink, { ...everything, startRevision: 1 }, LIMITS);
    await apply(wide('before-read/', 3, 'x'));
    await feed.start();
    await apply(wide('after/', 5, 'y'));
    expect(sink.lines).toEqual(await expectedFrom(1, everything));
    expect(sink.lines.length).toBe(1200 + 3 + 2 * 6 + 5);
    feed.close();
  });

  it(`reads further history instead when more than ${MAX_PENDING_EVENTS} live changes pile up during the read`, async () => {
    await apply(wide('h/', 100, 'h'));
    const source = interleaved(async (call) => {
      if (call === 0) for (let i = 0; i < 12; i++) await apply(...Array.from({ length: 8 }, (_, j) => wide(`p/${i}.${j}.`, 120, 'p')));
    });
    const sink = new ArraySink();
    const feed = new WatchFeed(source, sink, { ...everything, startRevision: 1 }, LIMITS);
    await feed.start();
    await apply(wide('after/', 2, 'y'));
    expect(sink.lines.length).toBe(100 + 12 * 8 * 120 + 2);
    expect(sink.lines).toEqual(await expectedFrom(1, everything));
    feed.close();
  });

  it(`keeps reading past ${MAX_SCAN_REVISIONS} revisions of history without a watched change`, async () => {
    for (let r = 0; r < MAX_SCAN_REVISIONS + 500; r += 1000) await apply(...Array.from({ length: 1000 }, (_, i) => put1(`other/${r + i}`, 'o')));
    const at = await apply(txn(put('w/x', '1'), put('w/y', '1')));
    const sink = new ArraySink();
    const feed = new WatchFeed(sm, sink, { ...under('w/'), startRevision: 1 }, LIMITS);
    await feed.start();
    expect(sink.lines).toEqual([`${at}.0 w/x=1`, `${at}.1 w/y=1!`]);
    feed.close();
  });

  it('cuts a live watcher off between revisions once its backlog passes the bound in bytes, naming a revision that loses and repeats nothing', async () => {
    const start = (await apply(put1('s/start', '0'))) + 1;
    const sink = new ArraySink();
    let cutOffs = 0;
    const feed = new WatchFeed(sm, sink, { ...under('s/'), startRevision: 0 }, { ...SMALL, onCutOff: () => cutOffs++ });
    await feed.start();
    sink.holding = true; // the client stops reading
    let backlogAtCut = 0;
    for (let t = 0; t < 90 && sink.failure === null; t++) {
      backlogAtCut = feed.backlogBytes;
      await apply(wide('s/', 125, `t${t}`));
    }
    expect(sink.failure).toBeInstanceOf(RequestError);
    const err = sink.failure as RequestError;
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err.message).toMatch(/bytes behind \(--max-stream-bytes 65536\)/);
    expect(cutOffs).toBe(1);
    const resume = Number(/resume from revision (\d+)$/.exec(err.message)?.[1]);
    expect(resume).toBe(feed.deliveredRevision + 1);
    // Whole revisions (checked between revisions), past the bound by less than one, nothing of `resume`.
    expect(sink.lines.length).toBe((resume - start) * 125);
    expect(backlogAtCut).toBeGreaterThan(SMALL.maxBacklogBytes);
    expect(backlogAtCut).toBeLessThan(SMALL.maxBacklogBytes + 125 * 200);
    await apply(wide('s/', 3, 'late'));
    const rest = new ArraySink();
    const again = new WatchFeed(sm, rest, { ...under('s/'), startRevision: resume }, LIMITS);
    await again.start();
    expect([...sink.lines, ...rest.lines]).toEqual(await expectedFrom(start, under('s/')));
    again.close();
  });

  it("reads history at the watcher's pace: a client that does not read stops the reading, and is not cut off", async () => {
    for (let t = 0; t < 90; t++) await apply(wide('s/', 125, `t${t}`));
    const sink = new ArraySink();
    sink.holding = true;
    const feed = new WatchFeed(sm, sink, { ...under('s/'), startRevision: 1 }, SMALL);
    const started = feed.start();
    const stalled = await settled(sink);
    await turns(20);
    await sleep(20);
    expect(sink.lines.length).toBe(stalled); // waiting for the client, not reading on
    expect(stalled).toBeLessThan(90 * 125 / 4);
    expect(feed.backlogBytes).toBeLessThan(4 * SMALL.maxBacklogBytes);
    let done = false;
    void started.then(() => (done = true));
    while (!done) {
      sink.takeAll();
      await turns(2);
    }
    sink.holding = false;
    sink.takeAll();
    expect(sink.failure).toBeNull();
    await apply(wide('s/', 2, 'live'));
    expect(sink.lines).toEqual(await expectedFrom(1, under('s/')));
    feed.close();
  });

  it('reads further history instead when the live changes held during the read pass the bound in bytes', async () => {
    await apply(wide('h/', 100, 'h'));
    let reads = 0;
    const source = interleaved(async (call) => {
      reads = call + 1;
      // ~1,900 changes of ~150 bytes: far fewer than MAX_PENDING_EVENTS, more than 64 KiB.
      if (call === 0) for (let i = 0; i < 12; i++) await apply(...Array.from({ length: 8 }, (_, j) => wide(`p/${i}.${j}.`, 20, 'p')));
    });
    const sink = new ArraySink();
    const feed = new WatchFeed(source, sink, { ...everything, startRevision: 1 }, SMALL);
    await feed.start();
    await apply(wide('after/', 2, 'y'));
    expect(reads).toBeGreaterThanOrEqual(2); // the held changes were dropped and read from history
    expect(sink.lines.length).toBe(100 + 12 * 8 * 20 + 2);
    expect(sink.lines).toEqual(await expectedFrom(1, everything));
    expect(sink.failure).toBeNull();
    feed.close();
  });

  it('ends the watch when writing a change throws, rather than skipping the rest of the revision', async () => {
    const sink = new ArraySink();
    const broken = new Error('cannot encode');
    const write = sink.write.bind(sink);
    sink.write = (e, last, taken) => {
      if (Buffer.from(e.kv.key).toString() === 'w/1') throw broken;
      write(e, last, taken);
    };
    const feed = new WatchFeed(sm, sink, { ...under('w/'), startRevision: 0 }, LIMITS);
    await feed.start();
    await apply(wide('w/', 3, 'a'));
    await apply(wide('w/', 3, 'b'));
    expect(sink.failure).toBe(broken);
    expect(sink.lines).toEqual(['1.0 w/0=a']);
  });

  it('ends a watch that has not seen the changes a snapshot restore skips; one from after the snapshot continues', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await source.apply(Array.from({ length: 8 }, (_, i) => entry(i + 1, { type: 'put', key: b(`w/${i}`), value: b('s') })));
    await apply(put1('w/0', 'mine'));
    const behind = new ArraySink();
    const ahead = new ArraySink();
    const feedBehind = new WatchFeed(sm, behind, { ...under('w/'), startRevision: 0 }, LIMITS);
    const feedAhead = new WatchFeed(sm, ahead, { ...under('w/'), startRevision: 9 }, LIMITS);
    await Promise.all([feedBehind.start(), feedAhead.start()]);
    await sm.restoreSnapshot(await source.createSnapshot());
    expect(behind.failure).toBeInstanceOf(RequestError);
    expect((behind.failure as RequestError).code).toBe(grpc.status.UNAVAILABLE);
    expect((behind.failure as RequestError).message).toMatch(/snapshot at revision 8 .* resume from revision 2 on another node/);
    expect(ahead.failure).toBeNull();
    index = 8;
    await apply(put1('w/9', 'after'));
    expect(ahead.lines).toEqual(['9.0 w/9=after!']);
    expect(behind.lines).toEqual([]);
    feedAhead.close();
    await source.close();
  });
});

function put1(key: string, value: string): Command {
  return { type: 'put', key: b(key), value: b(value) };
}
