// The watch history's segment files (src/state/history-log.ts) on the real file system: what
// open() keeps after torn, corrupt, extra or missing records, when segments are unlinked (never
// under a reader that may still need them), and the defragment of the current segment.
import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryLog, RECORD_HEADER_BYTES, segmentName } from '../../src/state/history-log.js';
import { nodeStateFs } from '../../src/state/state-fs.js';
import { StateInvariantError } from '../../src/state/errors.js';
import { cleanup, historyRecords, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

async function readAll(log: HistoryLog, from: number, to: number): Promise<number[]> {
  const out: number[] = [];
  for await (const r of log.read(from, to)) {
    expect(Buffer.from(r.body).equals(Buffer.alloc(r.body.byteLength, r.revision % 251))).toBe(true);
    out.push(r.revision);
  }
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function segments(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.hist')).sort();
}

/** A log of revisions 1..n in segments of `segmentBytes` (4 records of 100 B each at 464). */
async function written(n: number, segmentBytes = 4 * (RECORD_HEADER_BYTES + 100)): Promise<HistoryLog> {
  const { log } = await HistoryLog.open(nodeStateFs, dir, 0, segmentBytes);
  for (let r = 1; r <= n; r += 2) await log.append(historyRecords(r, Math.min(2, n - r + 1)));
  return log;
}

describe('the watch history files', () => {
  it('reads back what was appended, across segments and in chunks, and after a reopen', async () => {
    const log = await written(20);
    expect(await segments()).toHaveLength(5);
    expect(await readAll(log, 1, 20)).toEqual(range(1, 20));
    expect(await readAll(log, 7, 13)).toEqual(range(7, 13));
    await log.close();
    const { log: again, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 20, 464);
    expect(cutRecords).toBe(0);
    expect(again.firstRevision).toBe(1);
    expect(again.next).toBe(21);
    expect(await readAll(again, 1, 20)).toEqual(range(1, 20));
    await again.append(historyRecords(21, 1));
    expect(await readAll(again, 19, 21)).toEqual([19, 20, 21]);
    await again.close();
  });

  it('reads a record larger than a read chunk whole', async () => {
    const { log } = await HistoryLog.open(nodeStateFs, dir, 0, 64 * 1024 * 1024);
    await log.append([...historyRecords(1, 1), ...historyRecords(2, 1, 3 * 1024 * 1024), ...historyRecords(3, 1)]);
    expect(await readAll(log, 1, 3)).toEqual([1, 2, 3]);
    await log.close();
    const { log: again } = await HistoryLog.open(nodeStateFs, dir, 3, 64 * 1024 * 1024);
    expect(await readAll(again, 2, 3)).toEqual([2, 3]);
    await again.close();
  });

  it('finds the record of each revision across segments (bodyBytes, as open counts the ledger)', async () => {
    const size = (r: number): number => 10 + ((r * 37) % 200);
    const { log } = await HistoryLog.open(nodeStateFs, dir, 0, 600);
    for (let r = 1; r <= 60; r += 3) await log.append([r, r + 1, r + 2].map((v) => ({ revision: v, body: Buffer.alloc(size(v), v % 251) })));
    expect(log.segmentCount).toBeGreaterThanOrEqual(8);
    for (let r = 1; r <= 60; r++) expect(log.bodyBytes(r)).toBe(size(r));
    expect(() => log.bodyBytes(0)).toThrow(StateInvariantError);
    expect(() => log.bodyBytes(61)).toThrow(StateInvariantError);
    await log.close();
    const { log: again } = await HistoryLog.open(nodeStateFs, dir, 60, 600);
    for (let r = 1; r <= 60; r++) expect(again.bodyBytes(r)).toBe(size(r));
    await again.close();
  });

  it('refuses an append that does not continue the history', async () => {
    const log = await written(4);
    await expect(log.append(historyRecords(6, 1))).rejects.toThrow(StateInvariantError);
    await log.close();
  });

  it('cuts the records past the state\'s revision at open (appended before a batch a crash lost)', async () => {
    await (await written(10)).close();
    const { log, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 6, 464);
    expect(cutRecords).toBe(4);
    expect(log.next).toBe(7);
    expect(await readAll(log, 1, 6)).toEqual(range(1, 6));
    await log.append(historyRecords(7, 1));
    expect(await readAll(log, 5, 7)).toEqual([5, 6, 7]);
    await log.close();
    expect(await segments()).toEqual([segmentName(1), segmentName(5)]);
  });

  it('cuts a torn record and garbage at the end of the last segment', async () => {
    const log = await written(10);
    await log.close();
    const last = join(dir, segmentName(9));
    const size = (await stat(last)).size;
    await truncate(last, size - 30); // revision 10 torn
    await appendFile(last, Buffer.from('garbage'));
    const { log: again, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 9, 464);
    expect(cutRecords).toBe(1);
    expect(await readAll(again, 1, 9)).toEqual(range(1, 9));
    expect((await stat(last)).size).toBe(RECORD_HEADER_BYTES + 100);
    await again.close();
  });

  it('keeps only the records after a corrupt one that still reach the state (a gap drops what is before it)', async () => {
    await (await written(12)).close();
    const middle = join(dir, segmentName(5));
    const bytes = await readFile(middle);
    bytes[RECORD_HEADER_BYTES + 5] ^= 0xff; // the body of revision 5
    await writeFile(middle, bytes);
    const { log, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 12, 464);
    expect(cutRecords).toBeGreaterThanOrEqual(5);
    expect(log.firstRevision).toBe(9);
    expect(await readAll(log, 9, 12)).toEqual(range(9, 12));
    expect(await segments()).toEqual([segmentName(9)]);
    await log.close();
  });

  it('starts over after the state when the records do not reach it (a power cut kept the state, not the files)', async () => {
    await (await written(10)).close();
    const { log, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 12, 464);
    expect(cutRecords).toBe(10);
    expect(log.segmentCount).toBe(0);
    expect(log.next).toBe(13);
    expect(await segments()).toEqual([]);
    await log.append(historyRecords(13, 1));
    expect(await readAll(log, 13, 13)).toEqual([13]);
    await log.close();
  });

  it('a corrupt record read later is an error, not a silent change', async () => {
    const log = await written(4);
    const first = join(dir, segmentName(1));
    const bytes = await readFile(first);
    bytes[RECORD_HEADER_BYTES + 3] ^= 0x01;
    await writeFile(first, bytes);
    await expect(readAll(log, 1, 4)).rejects.toThrow(/corrupt watch history record at revision 1/);
    await log.close();
  });

  it('unlinks a dropped segment at once without readers, and not while a reader pinned before the drop reads', async () => {
    const log = await written(16);
    expect(await segments()).toHaveLength(4);
    log.release(5); // revisions 1-4: the first segment
    await log.settled();
    expect(await segments()).toEqual([segmentName(5), segmentName(9), segmentName(13)]);

    const early = log.pin();
    log.release(9);
    await log.settled();
    expect(await segments()).toContain(segmentName(5));
    // The early reader still reads revision 5 though the history starts at 9 now.
    expect(await readAll(log, 5, 8)).toEqual(range(5, 8));
    const late = log.pin(); // pinned after the drop: it cannot know of revisions below 9
    log.unpin(early);
    await log.settled();
    expect(await segments()).toEqual([segmentName(9), segmentName(13)]);
    log.unpin(late);
    await log.close();
  });

  it('keeps the segment being appended to until it is full, however much of it is dropped', async () => {
    const log = await written(2, 10_000);
    log.release(3);
    await log.settled();
    expect(await segments()).toEqual([segmentName(1)]);
    await log.append(historyRecords(3, 1));
    expect(await readAll(log, 3, 3)).toEqual([3]);
    await log.close();
  });

  it('defragment copies the kept records of the current segment into a new one and unlinks the old', async () => {
    const log = await written(8, 1024 * 1024);
    expect(await segments()).toEqual([segmentName(1)]);
    expect(await log.defragment(7)).toBe(true);
    await log.settled();
    expect(await segments()).toEqual([segmentName(7)]);
    expect((await stat(join(dir, segmentName(7)))).size).toBe(2 * (RECORD_HEADER_BYTES + 100));
    expect(await readAll(log, 7, 8)).toEqual([7, 8]);
    await log.append(historyRecords(9, 1));
    await log.close();
    const { log: again, cutRecords } = await HistoryLog.open(nodeStateFs, dir, 9, 1024 * 1024);
    expect(cutRecords).toBe(0);
    expect(await readAll(again, 7, 9)).toEqual([7, 8, 9]);
    expect(await again.defragment(7)).toBe(false); // nothing dropped in it
    await again.close();
  });

  it('after a crash in a defragment, open keeps the copy and drops the overlapping original', async () => {
    const log = await written(8, 1024 * 1024);
    const pinned = log.pin(); // keeps the original from being unlinked, as a crash would
    await log.defragment(6);
    await log.settled();
    expect(await segments()).toEqual([segmentName(1), segmentName(6)]);
    expect([6, 7, 8].map((r) => log.bodyBytes(r))).toEqual([100, 100, 100]); // where the copy overlaps the released original
    await log.close(); // with the reader still pinned: as if the process died before the unlink
    expect(await segments()).toEqual([segmentName(1), segmentName(6)]);
    void pinned;
    const { log: again } = await HistoryLog.open(nodeStateFs, dir, 8, 1024 * 1024);
    expect(await segments()).toEqual([segmentName(6)]);
    expect(again.firstRevision).toBe(6);
    expect(await readAll(again, 6, 8)).toEqual([6, 7, 8]);
    await again.close();
  });

  it('defragment rewrites an older segment when the kept records span two, and a crash midway leaves the copy', async () => {
    // Segments of 4 records: [1..4] [5..8]. Keeping 3 on keeps all of the first segment's file.
    const log = await written(8);
    log.release(3);
    await log.settled();
    expect(await segments()).toEqual([segmentName(1), segmentName(5)]);
    const pinned = log.pin(); // keeps the original, as a crash before the unlink would
    expect(await log.defragment(3)).toBe(true);
    expect(await segments()).toEqual([segmentName(1), segmentName(3), segmentName(5)]);
    expect(log.firstRevision).toBe(3);
    expect(await readAll(log, 3, 8)).toEqual(range(3, 8));
    expect((await stat(join(dir, segmentName(3)))).size).toBe(2 * (RECORD_HEADER_BYTES + 100));
    const original = await readFile(join(dir, segmentName(1)));
    await log.append(historyRecords(9, 1));
    log.unpin(pinned);
    await log.settled();
    expect(await segments()).toEqual([segmentName(3), segmentName(5), segmentName(9)]);
    expect(await log.defragment(3)).toBe(false); // nothing dropped left
    await log.close();

    // Had the process died before the unlink, open would keep the copy and drop the original.
    await writeFile(join(dir, segmentName(1)), original);
    const { log: again } = await HistoryLog.open(nodeStateFs, dir, 9, 4 * (RECORD_HEADER_BYTES + 100));
    expect(await segments()).toEqual([segmentName(3), segmentName(5), segmentName(9)]);
    expect(await readAll(again, 3, 9)).toEqual(range(3, 9));
    await again.close();
  });

  it('a defragment that died while copying leaves the original, and open removes the partial copy', async () => {
    await (await written(8, 1024 * 1024)).close();
    const partial = join(dir, `${segmentName(6)}.tmp`);
    await writeFile(partial, Buffer.alloc(40, 7));
    const { log } = await HistoryLog.open(nodeStateFs, dir, 8, 1024 * 1024);
    expect(await readdir(dir)).toEqual([segmentName(1)]);
    expect(await readAll(log, 1, 8)).toEqual(range(1, 8));
    await log.close();
  });
});
