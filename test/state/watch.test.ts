// Watch history: resume from a revision, bounded history with CompactedError naming the oldest
// available revision, and live notification of each applied batch.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import type { AppliedBatch } from '../../src/state/types.js';
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

  it('notifies listeners of each applied batch after it is written', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    const seen: AppliedBatch[] = [];
    const off = sm.onApplied((batch) => seen.push(batch));
    sm.onApplied(() => {
      throw new Error('a broken watcher');
    });
    await sm.apply(puts(1, 3));
    await sm.apply([entry(4, { type: 'delete', key: b('k/1') })]);
    off();
    await sm.apply(puts(5, 5));
    expect(seen.map((s) => [s.firstIndex, s.lastIndex, s.revision, s.events.length])).toEqual([
      [1, 3, 3, 3],
      [4, 4, 4, 1],
    ]);
    expect(plain(seen[1]!.events[0])).toEqual(
      plain({
        type: 'delete',
        kv: { key: b('k/1'), value: new Uint8Array(0), createRevision: 0, modRevision: 4, version: 0 },
        prevKv: { key: b('k/1'), value: b('v1'), createRevision: 1, modRevision: 1, version: 1 },
      }),
    );
    expect(sm.listenerErrors).toBe(3);
    await sm.close();
  });
});
