// Scenarios for the WAL's API contract, each named after the rule it checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  Wal,
  WalClosedError,
  WalCompactedError,
  WalFailedError,
  WalUnavailableError,
  WalUsageError,
} from '../../src/wal/index.js';
import type { ConfState } from '../../src/raft/types.js';
import { entry, range, rmDir, sameEntry, segmentFiles, tmpDir } from './helpers.js';

const conf: ConfState = { voters: ['n1', 'n2', 'n3'], votersOutgoing: [], learners: [], learnersNext: [] };
let dir: string;

beforeEach(async () => {
  dir = await tmpDir();
});
afterEach(async () => {
  await rmDir(dir);
});

describe('Wal', () => {
  it('starts empty at index 1 with the initial hard state', async () => {
    const wal = await Wal.open(dir);
    expect(wal.firstIndex()).toBe(1);
    expect(wal.lastIndex()).toBe(0);
    expect(wal.term(0)).toBe(0);
    const r = await wal.recover();
    expect(r).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], repairs: [] });
    await wal.close();
  });

  it('returns appended entries after reopen, with terms and conf changes intact', async () => {
    let wal = await Wal.open(dir, { segmentBytes: 4096 });
    const es = range(1, 100, 1);
    es.push({ index: 101, term: 2, type: 1, data: new Uint8Array(), conf: { type: 'leaveJoint' } });
    for (let i = 0; i < es.length; i += 10) await wal.append(es.slice(i, i + 10));
    await wal.saveHardState({ term: 2, vote: 'n2', commit: 90 });
    await wal.close();
    wal = await Wal.open(dir, { segmentBytes: 4096 });
    const r = await wal.recover();
    expect(r.hardState).toEqual({ term: 2, vote: 'n2', commit: 90 });
    expect(r.entries.length).toBe(101);
    for (let i = 0; i < es.length; i++) expect(sameEntry(r.entries[i]!, es[i]!)).toBe(true);
    expect(wal.term(100)).toBe(1);
    expect(wal.term(101)).toBe(2);
    expect((await segmentFiles(dir)).length).toBeGreaterThan(3);
    await wal.close();
  });

  it('overwrites a conflicting tail when an append starts inside the log', async () => {
    const wal = await Wal.open(dir, { segmentBytes: 2048 });
    await wal.append(range(1, 40, 1));
    await wal.append(range(20, 25, 2));
    expect(wal.lastIndex()).toBe(25);
    expect(wal.term(19)).toBe(1);
    expect(wal.term(20)).toBe(2);
    await wal.close();
    const again = await Wal.open(dir, { segmentBytes: 2048 });
    const got = await again.entries(1, 26);
    expect(got.map((e) => e.term)).toEqual([...Array(19).fill(1), ...Array(6).fill(2)]);
    await again.close();
  });

  it('refuses to remove committed entries, to leave gaps, or to go back in terms', async () => {
    const wal = await Wal.open(dir);
    await wal.append(range(1, 10, 3));
    await wal.saveHardState({ term: 3, vote: 'n1', commit: 5 });
    await expect(wal.truncateSuffix(5)).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.append([entry(12, 3)])).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.append([entry(11, 2)])).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.saveHardState({ term: 3, vote: 'n2', commit: 5 })).rejects.toThrow(/already voted/);
    await expect(wal.saveHardState({ term: 2, vote: null, commit: 5 })).rejects.toBeInstanceOf(WalUsageError);
    await wal.truncateSuffix(6);
    expect(wal.lastIndex()).toBe(5);
    await wal.close();
  });

  it('compacts whole segments covered by the snapshot and still answers term(snapshot index)', async () => {
    let wal = await Wal.open(dir, { segmentBytes: 2048 });
    await wal.append(range(1, 200, 1));
    await wal.append(range(201, 300, 2));
    const before = (await segmentFiles(dir)).length;
    await wal.saveSnapshotMeta({ index: 250, term: 2, conf });
    await expect(wal.compactPrefix(251)).rejects.toBeInstanceOf(WalUsageError);
    await wal.compactPrefix(250);
    expect((await segmentFiles(dir)).length).toBeLessThan(before);
    expect(wal.firstIndex()).toBeGreaterThan(1);
    expect(wal.firstIndex()).toBeLessThanOrEqual(251);
    expect(wal.term(250)).toBe(2);
    expect(wal.term(wal.firstIndex() - 1)).toBeGreaterThan(0);
    await expect(wal.entries(1, 5)).rejects.toBeInstanceOf(WalCompactedError);
    await expect(wal.entries(290, 302)).rejects.toBeInstanceOf(WalUnavailableError);
    const first = wal.firstIndex();
    await wal.close();
    wal = await Wal.open(dir, { segmentBytes: 2048 });
    expect(wal.firstIndex()).toBe(first);
    expect(wal.term(250)).toBe(2);
    const r = await wal.recover();
    expect(r.snapshot).toEqual({ index: 250, term: 2, conf });
    expect(r.entries[0]!.index).toBe(251);
    expect(r.entries.length).toBe(50);
    await wal.close();
  });

  it('empties the log when a snapshot beyond it is installed', async () => {
    let wal = await Wal.open(dir, { segmentBytes: 2048 });
    await wal.append(range(1, 50, 1));
    await wal.saveSnapshotMeta({ index: 500, term: 7, conf });
    expect(wal.firstIndex()).toBe(501);
    expect(wal.lastIndex()).toBe(500);
    expect(wal.term(500)).toBe(7);
    await wal.append(range(501, 510, 7));
    await wal.close();
    wal = await Wal.open(dir, { segmentBytes: 2048 });
    expect(wal.firstIndex()).toBe(501);
    expect((await wal.recover()).entries.map((e) => e.index)).toEqual(range(501, 510, 7).map((e) => e.index));
    await wal.close();
  });

  it('serves entries evicted from the cache from disk, honouring maxBytes', async () => {
    const wal = await Wal.open(dir, { segmentBytes: 8192, cacheBytes: 1024 });
    const es = range(1, 500, 1);
    await wal.append(es);
    expect(wal.stats().cacheBytes).toBeLessThanOrEqual(1024 + 400);
    const got = await wal.entries(1, 501);
    expect(got.length).toBe(500);
    for (let i = 0; i < 500; i++) expect(sameEntry(got[i]!, es[i]!)).toBe(true);
    const some = await wal.entries(10, 501, 1000);
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(50);
    expect((await wal.entries(10, 501, 0)).length).toBe(1);
    await wal.close();
  });

  it('group-commits concurrent appends into few fsyncs, releasing each only once durable', async () => {
    const wal = await Wal.open(dir);
    const done: Promise<void>[] = [];
    for (let i = 1; i <= 256; i++) done.push(wal.append([entry(i, 1)]));
    await Promise.all(done);
    expect(wal.durableIndex()).toBe(256);
    expect(wal.stats().fsyncs).toBeLessThan(10);
    await wal.close();
  });

  it('writes the same bytes whether a batch is written inline or on the thread pool', async () => {
    // One-entry batches go inline by default; bigger ones, and all with inlineMaxEntries 0, do not.
    const es = range(1, 120, 1);
    const write = async (sub: string, inlineMaxEntries?: number) => {
      const d = path.join(dir, sub);
      const wal = await Wal.open(d, { segmentBytes: 4096, inlineMaxEntries });
      for (let i = 0; i < es.length; ) {
        const n = i % 3 === 0 ? 1 : 5; // single entries interleaved with small batches, across rolls
        await wal.append(es.slice(i, i + n), i % 2 === 0); // half of them after pending output
        i += n;
      }
      const stats = wal.stats();
      await wal.close();
      const files = await segmentFiles(d);
      return { stats, bytes: await Promise.all(files.map((f) => fs.readFile(path.join(d, f)))), files };
    };
    const inline = await write('inline');
    const pooled = await write('pooled', 0);
    expect(inline.stats.inlineWrites).toBeGreaterThan(10);
    expect(inline.stats.inlineWrites).toBeLessThan(inline.stats.fsyncs);
    expect(pooled.stats.inlineWrites).toBe(0);
    expect(inline.files).toEqual(pooled.files);
    expect(inline.files.length).toBeGreaterThan(3);
    for (let i = 0; i < inline.bytes.length; i++) expect(inline.bytes[i]!.equals(pooled.bytes[i]!)).toBe(true);
    const wal = await Wal.open(path.join(dir, 'inline'), { segmentBytes: 4096 });
    const r = await wal.recover();
    expect(r.entries.length).toBe(es.length);
    for (let i = 0; i < es.length; i++) expect(sameEntry(r.entries[i]!, es[i]!)).toBe(true);
    await wal.close();
  });

  it('applies back-pressure past maxPendingEntries without losing call order', async () => {
    const wal = await Wal.open(dir, { maxPendingEntries: 10 });
    const done: Promise<void>[] = [];
    for (let i = 1; i <= 100; i++) done.push(wal.append([entry(i, 1)]));
    await wal.saveHardState({ term: 1, vote: 'n1', commit: 0 });
    await Promise.all(done);
    expect(wal.lastIndex()).toBe(100);
    expect(wal.stats().batches).toBeGreaterThanOrEqual(10);
    await wal.close();
  });

  it('fails every pending and later call once a write fails, instead of retrying (fsyncgate)', async () => {
    const wal = await Wal.open(dir, { segmentBytes: 1024 });
    await wal.append(range(1, 3, 1));
    // A directory where the next segment file must be created makes the roll fail with EISDIR.
    await fs.mkdir(path.join(dir, (4).toString(16).padStart(16, '0') + '.wal'));
    const failing = wal.append(range(4, 30, 1)); // more than the segment holds: rolls
    const queued = wal.saveHardState({ term: 1, vote: 'n1', commit: 0 });
    await expect(failing).rejects.toBeInstanceOf(WalFailedError);
    await expect(queued).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.append([entry(31, 1)])).rejects.toBeInstanceOf(WalFailedError);
    await wal.close();
    await wal.close();
    await expect(wal.append([entry(31, 1)])).rejects.toBeInstanceOf(WalClosedError);
    await expect(wal.entries(1, 2)).rejects.toBeInstanceOf(WalClosedError);
  });
});
