// Recovery at open: torn tails are cut and reported, damage anywhere else is refused with the
// file and offset named, and repairWal cuts it on request.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Wal, WalCorruptionError, repairWal } from '../../src/wal/index.js';
import { SEGMENT_HEADER_BYTES } from '../../src/wal/record.js';
import { dataEnd } from '../../src/wal/segment.js';
import { entry, prng, randInt, range, rmDir, sameEntry, segmentFiles, tmpDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tmpDir();
});
afterEach(async () => {
  await rmDir(dir);
});

/** Where the data in a (preallocated) segment file ends: the zeros after it are free space. */
async function endOfData(file: string): Promise<number> {
  return Math.max(SEGMENT_HEADER_BYTES, dataEnd(await fs.readFile(file)));
}

/** Appends 1..n one batch each; returns the end of the data before each batch (offsets of batch starts). */
async function writeBatches(n: number, segmentBytes = 1 << 20): Promise<number[]> {
  const wal = await Wal.open(dir, { segmentBytes });
  const starts: number[] = [];
  for (let i = 1; i <= n; i++) {
    const files = await segmentFiles(dir);
    starts.push(await endOfData(path.join(dir, files[files.length - 1]!)));
    await wal.append([entry(i, 1)]);
  }
  await wal.close();
  return starts;
}

async function lastSegment(): Promise<string> {
  const files = await segmentFiles(dir);
  return path.join(dir, files[files.length - 1]!);
}

async function flipBit(file: string, offset: number, bit = 3): Promise<void> {
  const fh = await fs.open(file, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset);
  b[0]! ^= 1 << bit;
  await fh.write(b, 0, 1, offset);
  await fh.close();
}

async function expectEntries(wal: Wal, last: number): Promise<void> {
  expect(wal.lastIndex()).toBe(last);
  const got = await wal.entries(1, last + 1);
  for (let i = 0; i < got.length; i++) expect(sameEntry(got[i]!, entry(i + 1, 1))).toBe(true);
}

describe('torn tail', () => {
  // A torn final write leaves the file short (a segment written before preallocation, or a cut
  // file) or, inside a preallocated segment, zeros where the lost bytes were: both are cut.
  it.each(['file cut short', 'zeros in the preallocated rest'])('cuts the last record at any byte offset and keeps every complete record (%s)', async (shape) => {
    const n = 40;
    const starts = await writeBatches(n);
    const file = await lastSegment();
    const pristine = await fs.readFile(file);
    const end = dataEnd(pristine);
    expect(pristine.length).toBe(1 << 20); // preallocated
    const rand = prng(7);
    const lastStart = starts[n - 1]!;
    const cuts = new Set<number>([lastStart + 1, end - 1, end - 8]);
    while (cuts.size < 40) cuts.add(randInt(rand, lastStart + 1, end - 1));
    for (const cut of cuts) {
      const torn = shape === 'file cut short' ? pristine.subarray(0, cut) : Buffer.concat([pristine.subarray(0, cut), Buffer.alloc(pristine.length - cut)]);
      await fs.writeFile(file, torn);
      const wal = await Wal.open(dir, { segmentBytes: 1 << 20 });
      // Only the 8-byte COMMIT record follows the entry: a cut inside it keeps the entry.
      const complete = cut >= end - 8 ? n : n - 1;
      await expectEntries(wal, complete);
      // A cut exactly between the entry and its COMMIT record is a clean end: nothing to repair.
      expect(wal.repairs.length).toBe(cut === end - 8 ? 0 : 1);
      if (wal.repairs.length > 0) expect(wal.repairs[0]).toMatchObject({ file, action: 'truncated', reason: expect.stringMatching(/torn tail/) });
      await wal.append([entry(complete + 1, 1)]); // writing continues cleanly after the cut
      await wal.close();
      const again = await Wal.open(dir, { segmentBytes: 1 << 20 });
      expect(again.repairs).toEqual([]);
      await expectEntries(again, complete + 1);
      await again.close();
    }
  });

  it('treats damage inside the final batch as torn, even with valid records after it', async () => {
    let wal = await Wal.open(dir);
    await wal.append(range(1, 10, 1));
    await wal.append(range(11, 20, 1)); // one batch of ten records
    await wal.close();
    const file = await lastSegment();
    const end = await endOfData(file);
    await flipBit(file, end - 8 - 400); // a few records before the end of the final batch
    wal = await Wal.open(dir);
    expect(wal.repairs[0]!.action).toBe('truncated');
    expect(wal.lastIndex()).toBeGreaterThanOrEqual(10);
    expect(wal.lastIndex()).toBeLessThan(20);
    await wal.close();
  });

  it('deletes a last segment whose creation was torn before its header reached disk', async () => {
    await writeBatches(5);
    const torn = path.join(dir, (6).toString(16).padStart(16, '0') + '.wal');
    await fs.writeFile(torn, Buffer.alloc(11));
    const wal = await Wal.open(dir);
    expect(wal.repairs).toMatchObject([{ file: torn, action: 'deleted' }]);
    await expectEntries(wal, 5);
    await wal.close();
  });
});

describe('preallocated segments', () => {
  it('are created at their full size and end where the zeros begin', async () => {
    await writeBatches(10, 64 * 1024);
    const file = await lastSegment();
    expect((await fs.stat(file)).size).toBe(64 * 1024);
    const wal = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    expect(wal.repairs).toEqual([]);
    await expectEntries(wal, 10);
    await wal.close();
  });

  it('a truncated tail stays gone: overwritten records read as zeros, not as the log continuing', async () => {
    let wal = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    for (let i = 1; i <= 20; i++) await wal.append([entry(i, 1)]);
    await wal.append([entry(11, 2)]); // a follower's conflicting tail: 11..20 of term 1 go
    await wal.close();
    const file = await lastSegment();
    expect((await fs.stat(file)).size).toBe(64 * 1024); // cut, then preallocated again
    wal = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    expect(wal.repairs).toEqual([]);
    expect(wal.lastIndex()).toBe(11);
    expect(wal.term(11)).toBe(2);
    await wal.append([entry(12, 2)]);
    await wal.close();
    wal = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    expect(wal.lastIndex()).toBe(12);
    expect(wal.term(12)).toBe(2);
    await wal.close();
  });

  it('zeros inside the log with later batches after them are corruption, not an end', async () => {
    const starts = await writeBatches(30, 64 * 1024);
    const file = await lastSegment();
    const fh = await fs.open(file, 'r+');
    await fh.write(Buffer.alloc(starts[11]! - starts[10]!), 0, starts[11]! - starts[10]!, starts[10]!); // batch 11 lost
    await fh.close();
    await expect(Wal.open(dir)).rejects.toMatchObject({ name: 'WalCorruptionError', file, offset: starts[10] });
  });

  it('opens a segment written before preallocation and extends it', async () => {
    await writeBatches(10, 64 * 1024);
    const file = await lastSegment();
    await fs.truncate(file, await endOfData(file)); // the old format: the file ends with the data
    const wal = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    expect(wal.repairs).toEqual([]);
    expect((await fs.stat(file)).size).toBe(64 * 1024);
    await wal.append([entry(11, 1)]);
    await wal.close();
    const again = await Wal.open(dir, { segmentBytes: 64 * 1024 });
    await expectEntries(again, 11);
    await again.close();
  });
});

describe('corruption', () => {
  it('refuses a flipped bit in the middle of the last segment, naming file and offset; repairWal cuts there', async () => {
    const starts = await writeBatches(50);
    const file = await lastSegment();
    const victim = 20;
    const flipAt = starts[victim - 1]! + 12; // inside entry 20's record
    await flipBit(file, flipAt);
    const err = await Wal.open(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect(err).toMatchObject({ file, offset: starts[victim - 1] });
    expect((err as Error).message).toContain(`${file} at byte offset ${starts[victim - 1]}`);
    const repairs = await repairWal(dir);
    expect(repairs).toMatchObject([{ file, offset: starts[victim - 1], action: 'truncated' }]);
    const wal = await Wal.open(dir);
    expect(wal.repairs).toEqual([]);
    await expectEntries(wal, victim - 1);
    await wal.close();
  });

  it('refuses damage in a sealed segment and a missing segment in the middle', async () => {
    await writeBatches(60, 1024);
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(4);
    const second = path.join(dir, files[1]!);
    const saved = await fs.readFile(second);
    await flipBit(second, 40);
    await expect(Wal.open(dir)).rejects.toMatchObject({ name: 'WalCorruptionError', file: second, offset: 32 });
    await fs.rm(second);
    await expect(Wal.open(dir)).rejects.toThrow(/gap in the log/);
    await fs.writeFile(second, saved);
    const wal = await Wal.open(dir);
    await expectEntries(wal, 60);
    await wal.close();
  });

  it('falls back to the other hard-state slot when the newest is damaged, and refuses when both are', async () => {
    let wal = await Wal.open(dir);
    await wal.saveHardState({ term: 1, vote: 'n1', commit: 0 });
    await wal.saveHardState({ term: 2, vote: 'n2', commit: 0 }); // seq 2 -> slot 0
    await wal.close();
    const state = path.join(dir, 'state.bin');
    await flipBit(state, 26); // inside slot 0's payload
    wal = await Wal.open(dir);
    expect(wal.hardState()).toEqual({ term: 1, vote: 'n1', commit: 0 });
    expect(wal.repairs).toMatchObject([{ file: state, offset: 0, action: 'ignored' }]);
    await wal.close();
    await flipBit(state, 4096 + 26);
    await expect(Wal.open(dir)).rejects.toBeInstanceOf(WalCorruptionError);
  });

  it('completes a snapshot install interrupted before the old log was deleted', async () => {
    let wal = await Wal.open(dir);
    await wal.append(range(1, 30, 1));
    await wal.close();
    const old = await segmentFiles(dir);
    const saved = await Promise.all(old.map((f) => fs.readFile(path.join(dir, f))));
    wal = await Wal.open(dir);
    await wal.saveSnapshotMeta({ index: 100, term: 3, conf: { voters: ['n1'], votersOutgoing: [], learners: [], learnersNext: [] } });
    await wal.close();
    for (const f of await segmentFiles(dir)) await fs.rm(path.join(dir, f));
    await Promise.all(old.map((f, i) => fs.writeFile(path.join(dir, f), saved[i]!)));
    wal = await Wal.open(dir);
    expect(wal.repairs[0]).toMatchObject({ action: 'deleted', reason: expect.stringMatching(/snapshot/) });
    expect(wal.firstIndex()).toBe(101);
    expect(wal.term(100)).toBe(3);
    await wal.close();
  });
});
