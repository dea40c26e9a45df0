// The watch history's byte bound (watchHistoryMaxBytes): the history never holds more than the
// bound, drops exactly the oldest revisions needed (a watch or a past read below them gets
// CompactedError naming the oldest kept revision), and its accounting survives a reopen, a
// smaller bound at open, a compact command, and a single record larger than the bound.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/types.js';
import { CompactedError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, prng, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

/** The oldest revision the history still holds, as a watcher finds it. */
async function oldestRevision(sm: StateMachine): Promise<number> {
  const err = await sm.changesSince(1, undefined, 1).then(
    () => null,
    (e: unknown) => e,
  );
  if (err === null) return 1;
  expect(err).toBeInstanceOf(CompactedError);
  return (err as CompactedError).oldestRevision;
}

/** Puts (some overwriting, so records also carry previous values) of 100 B to 3 KiB values, one revision each. */
function workload(count: number, seed: number): Entry[] {
  const r = prng(seed);
  return Array.from({ length: count }, (_, i) =>
    entry(i + 1, { type: 'put', key: b(`k/${r.int(40)}`), value: Buffer.alloc(100 + r.int(3000), i % 251) }),
  );
}

/**
 * Each revision's record size, as an unbounded history counts it (one revision per apply, so
 * the growth of watchHistoryBytes() is that record).
 */
async function recordSizes(entries: Entry[]): Promise<number[]> {
  const sm = await StateMachine.open(`${dir}/reference`, { watchHistoryMaxBytes: Number.MAX_SAFE_INTEGER });
  const sizes = [0]; // revision 0 has no record
  for (const e of entries) {
    const before = sm.watchHistoryBytes();
    await sm.apply([e]);
    sizes.push(sm.watchHistoryBytes() - before);
  }
  await sm.close();
  return sizes;
}

/** The oldest revision a history bounded by `maxBytes` must keep at `revision`: the longest suffix that fits. */
function expectedOldest(sizes: number[], revision: number, maxBytes: number): number {
  let first = revision + 1;
  let bytes = 0;
  while (first > 1 && bytes + sizes[first - 1]! <= maxBytes) bytes += sizes[--first]!;
  return first;
}

function sum(sizes: number[], from: number, to: number): number {
  let s = 0;
  for (let r = from; r <= to; r++) s += sizes[r]!;
  return s;
}

describe('watch history byte bound', () => {
  it('keeps the longest suffix of revisions within the bound, after every batch, and refuses watches and reads below it', async () => {
    const entries = workload(300, 7);
    const sizes = await recordSizes(entries);
    const maxBytes = 40_000;
    const sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: maxBytes });
    const r = prng(11);
    for (let i = 0; i < entries.length; ) {
      const n = 1 + r.int(12);
      await sm.apply(entries.slice(i, i + n));
      i += n;
      const revision = sm.revision();
      const first = expectedOldest(sizes, revision, maxBytes);
      expect(await oldestRevision(sm)).toBe(first);
      expect(sm.watchHistoryBytes()).toBe(sum(sizes, first, revision));
      expect(sm.watchHistoryBytes()).toBeLessThanOrEqual(maxBytes);
    }
    const first = await oldestRevision(sm);
    expect(first).toBeGreaterThan(200); // the bound, not the 100,000 revisions, dropped them
    const page = await sm.changesSince(first, undefined, 10_000);
    expect(page.events.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 300 - first + 1 }, (_, k) => first + k));
    await expect(sm.changesSince(first - 1)).rejects.toMatchObject({ oldestRevision: first });
    await expect(sm.range({ prefix: b('k/') }, { revision: first - 2 })).rejects.toBeInstanceOf(CompactedError);
    expect((await sm.range({ prefix: b('k/') }, { revision: first - 1 })).revision).toBe(300);
    await sm.close();
  });

  it('recounts the history at open: the same bytes after a restart, and a smaller bound trims exactly at open', async () => {
    const entries = workload(200, 3);
    const sizes = await recordSizes(entries);
    let sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: 60_000 });
    await sm.apply(entries.slice(0, 150));
    const bytes = sm.watchHistoryBytes();
    const first = await oldestRevision(sm);
    await sm.close();

    sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: 60_000 });
    expect([sm.watchHistoryBytes(), await oldestRevision(sm)]).toEqual([bytes, first]);
    await sm.apply(entries.slice(150, 200));
    expect(await oldestRevision(sm)).toBe(expectedOldest(sizes, 200, 60_000));
    expect(sm.watchHistoryBytes()).toBe(sum(sizes, expectedOldest(sizes, 200, 60_000), 200));
    await sm.close();

    sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: 10_000 });
    const trimmed = expectedOldest(sizes, 200, 10_000);
    expect([await oldestRevision(sm), sm.watchHistoryBytes()]).toEqual([trimmed, sum(sizes, trimmed, 200)]);
    await sm.close();
    // The trim was written: a reopen with a large bound does not find the dropped records again.
    sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: 1e9 });
    expect([await oldestRevision(sm), sm.watchHistoryBytes()]).toEqual([trimmed, sum(sizes, trimmed, 200)]);
    await sm.close();
  });

  it('a compact command and a record larger than the bound leave the accounting exact', async () => {
    const sm = await StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: 20_000 });
    const small = (i: number) => entry(i, { type: 'put', key: b(`s/${i}`), value: Buffer.alloc(500) });
    await sm.apply([small(1), small(2), small(3), small(4)]);
    const perRecord = sm.watchHistoryBytes() / 4;
    await sm.apply([entry(5, { type: 'compact', revision: 3 })]);
    expect([await oldestRevision(sm), sm.watchHistoryBytes()]).toEqual([3, 2 * perRecord]);
    // One revision bigger than the whole bound: nothing of the history is kept, not even it.
    await sm.apply([entry(6, { type: 'put', key: b('big'), value: Buffer.alloc(30_000) })]);
    expect([sm.revision(), await oldestRevision(sm), sm.watchHistoryBytes()]).toEqual([5, 6, 0]);
    expect((await sm.changesSince(6)).events).toEqual([]);
    await expect(sm.changesSince(5)).rejects.toMatchObject({ oldestRevision: 6 });
    await sm.apply([small(7)]);
    expect([await oldestRevision(sm), sm.watchHistoryBytes()]).toEqual([6, perRecord]);
    await sm.close();
  });

  it('refuses a negative bound', async () => {
    await expect(StateMachine.open(`${dir}/db`, { watchHistoryMaxBytes: -1 })).rejects.toThrow(/watchHistoryMaxBytes/);
  });
});
