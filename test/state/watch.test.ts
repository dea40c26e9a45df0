// Watch history: resume from a revision, bounded history with CompactedError naming the oldest
// available revision, live notification of each applied batch and of a snapshot restore, and
// revisions holding several changes (txn, range delete) kept whole, each change with its index.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import type { Command, TxnOp } from '../../src/state/commands.js';
import type { AppliedBatch, WatchEvent } from '../../src/state/types.js';
import { b, cleanup, entry, plain, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const puts = (from: number, to: number, key = (i: number) => `k/${i % 3}`) =>
  Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, { type: 'put', key: b(key(from + k)), value: b(`v${from + k}`) }));

describe('watch history', () => {
  it('resumes from any revision, in pages, filtered by prefix', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(puts(1, 20, (i) => (i % 2 ? `odd/${i}` : `even/${i}`)));
    await sm.apply([entry(21, { type: 'deleteRange', key: b('odd/'), rangeEnd: b('odd0') })]);
    const page = await sm.changesSince(5, b('even/'), 3);
    expect(page.events.map((e) => e.kv.modRevision)).toEqual([6, 8, 10]);
    expect([page.nextRevision, page.revision]).toEqual([11, 21]);
    const rest = await sm.changesSince(page.nextRevision, undefined, 1000);
    const del = rest.events.filter((e) => e.type === 'delete');
    expect(del).toHaveLength(10);
    expect(del.every((e) => e.kv.modRevision === 21 && e.prevKv !== null)).toBe(true);
    expect((await sm.changesSince(22)).events).toEqual([]);
    await sm.close();
  });

  it('keeps the last N revisions and reports the oldest available one, also after reopen', async () => {
    let sm = await StateMachine.open(`${dir}/db`, { watchHistoryRevisions: 10 });
    for (let i = 1; i <= 50; i += 7) await sm.apply(puts(i, i + 6));
    expect(sm.revision()).toBe(56);
    const err = await sm.changesSince(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).oldestRevision).toBe(47);
    expect((await sm.changesSince(47)).events).toHaveLength(10);
    await expect(sm.range({ prefix: b('k/') }, { revision: 45 })).rejects.toBeInstanceOf(CompactedError);
    expect((await sm.range({ prefix: b('k/') }, { revision: 46 })).kvs).toHaveLength(3);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, { watchHistoryRevisions: 4 });
    const later = await sm.changesSince(50).catch((e: unknown) => e);
    expect((later as CompactedError).oldestRevision).toBe(53);
    await sm.close();
  });

  it('notifies listeners of each applied batch after it is written; a listener that throws is told to onListenerError', async () => {
    const told: [string, string][] = [];
    const sm = await StateMachine.open(`${dir}/db`, { onListenerError: (err, source) => told.push([source, (err as Error).message]) });
    const seen: AppliedBatch[] = [];
    // What a watcher could read when told: the batch must already be written and applied, or a
    // client that reads on seeing an event would get the value from before it.
    const appliedWhenTold: number[] = [];
    const off = sm.onApplied((batch) => {
      seen.push(batch);
      appliedWhenTold.push(sm.appliedIndex());
    });
    sm.onApplied(() => {
      throw new Error('a broken watcher');
    });
    await sm.apply(puts(1, 3));
    await sm.apply([entry(4, { type: 'delete', key: b('k/1') })]);
    off();
    await sm.apply(puts(5, 5));
    expect(seen.map((s) => (s.type === 'applied' ? [s.firstIndex, s.lastIndex, s.revision, s.events.length] : s.type))).toEqual([
      [1, 3, 3, 3],
      [4, 4, 4, 1],
    ]);
    expect(plain(seen[1]!.type === 'applied' && seen[1]!.events[0])).toEqual(
      plain({
        type: 'delete',
        kv: { key: b('k/1'), value: new Uint8Array(0), createRevision: 0, modRevision: 4, version: 0 },
        prevKv: { key: b('k/1'), value: b('v1'), createRevision: 1, modRevision: 1, version: 1 },
        index: 0,
      }),
    );
    expect(appliedWhenTold).toEqual([3, 4]);
    expect(sm.listenerErrors).toBe(3);
    expect(told).toEqual([
      ['applied', 'a broken watcher'],
      ['applied', 'a broken watcher'],
      ['applied', 'a broken watcher'],
    ]);
    await sm.close();
  });

  it('keeps every change of a multi-key revision with prev_kv and its index; a page never splits a revision', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    const live: WatchEvent[] = [];
    sm.onApplied((batch) => batch.type === 'applied' && live.push(...batch.events));
    const setup = [b('a'), b('d/1'), b('d/2'), b('d/3'), b('d/4')].map((key, i) => entry(i + 1, { type: 'put', key, value: b(`v${i}`) }));
    const txn = (...ops: TxnOp[]): Command => ({ type: 'txn', compare: [], success: ops, failure: [] });
    await sm.apply([
      ...setup,
      entry(6, txn({ type: 'put', key: b('a'), value: b('a1') }, { type: 'put', key: b('b'), value: b('b1') }, { type: 'put', key: b('c'), value: b('c1') })),
      entry(7, { type: 'deleteRange', key: b('d/'), rangeEnd: b('d0') }),
      entry(8, txn({ type: 'put', key: b('e'), value: b('e1') }, { type: 'put', key: b('e'), value: b('e2') }, { type: 'delete', key: b('b') })),
    ]);
    const line = (e: WatchEvent): string =>
      `${e.kv.modRevision}.${e.index} ${e.type} ${Buffer.from(e.kv.key).toString()}=${Buffer.from(e.kv.value).toString()} prev=${e.prevKv ? Buffer.from(e.prevKv.value).toString() : '-'}`;
    const expected = [
      '6.0 put a=a1 prev=v0',
      '6.1 put b=b1 prev=-',
      '6.2 put c=c1 prev=-',
      '7.0 delete d/1= prev=v1',
      '7.1 delete d/2= prev=v2',
      '7.2 delete d/3= prev=v3',
      '7.3 delete d/4= prev=v4',
      '8.0 put e=e1 prev=-',
      '8.1 put e=e2 prev=e1',
      '8.2 delete b= prev=b1',
    ];
    // A page of limit 1 still holds its whole revision, and resumes at the next one.
    const pages: string[][] = [];
    for (let from = 6; from <= 8; ) {
      const page = await sm.changesSince(from, undefined, 1);
      pages.push(page.events.map(line));
      from = page.nextRevision;
    }
    expect(pages).toEqual([expected.slice(0, 3), expected.slice(3, 7), expected.slice(7)]);
    // A prefix keeps the indexes of the whole revision.
    expect((await sm.changesSince(8, b('b'), 1)).events.map(line)).toEqual(['8.2 delete b= prev=b1']);
    expect(live.slice(5).map(line)).toEqual(expected);
    expect(plain(live.slice(5))).toEqual(plain((await sm.changesSince(6)).events));
    await sm.close();
  });

  it('tells listeners when a snapshot replaces the state, with the snapshot revision', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await source.apply(puts(1, 5));
    const target = await StateMachine.open(`${dir}/target`);
    const seen: AppliedBatch[] = [];
    target.onApplied((batch) => seen.push(batch));
    await target.restoreSnapshot(await source.createSnapshot());
    expect(seen).toEqual([{ type: 'restored', lastIndex: 5, revision: 5 }]);
    await source.close();
    await target.close();
  });
});
