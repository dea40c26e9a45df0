// What of the watch history's files (history-log.ts) survives a power cut, on the simulation's
// storage twin (test/sim-node/sim-fs.ts): a power cut there keeps only synced bytes and names
// changed in a synced directory. Each test checks an outcome that a missing fsync would lose:
// StateMachine.sync() and a syncWrites apply sync the history with LevelDB, and open() syncs the
// directory after removing segments, so that they do not come back.
import { describe, expect, it } from 'vitest';
import { CompactedError } from '../../src/state/errors.js';
import { HistoryLog, RECORD_HEADER_BYTES, segmentName } from '../../src/state/history-log.js';
import type { StateStorage } from '../../src/state/state-fs.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { SimFs } from '../sim-node/sim-fs.js';
import { b, entry, historyRecords } from './helpers.js';

/** A power cut that keeps nothing unsynced: no bytes appended since a sync, no unsynced name change. */
const nothingKept = (): number => 0;
const DIR = '/sim/n1/state';

const puts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, { type: 'put', key: b(`k/${(from + k) % 3}`), value: b(`v${from + k}`) }));

function openSm(storage: StateStorage, syncWrites = false, watchHistorySegmentBytes?: number): Promise<StateMachine> {
  return StateMachine.open(DIR, { ...storage, cacheBytes: 0, syncWrites, watchHistorySegmentBytes });
}

/** The revisions of the history from `from` after a power cut, as a reopened state machine reads them. */
async function revisionsAfterReopen(fs: SimFs, from: number, watchHistorySegmentBytes?: number): Promise<{ revision: number; history: number[] | 'compacted' }> {
  const sm = await openSm(fs.mount(), false, watchHistorySegmentBytes);
  try {
    const changes = await sm.changesSince(from).catch((err: unknown) => {
      if (err instanceof CompactedError) return null;
      throw err;
    });
    return { revision: sm.revision(), history: changes ? changes.events.map((e) => e.kv.modRevision) : 'compacted' };
  } finally {
    await sm.close();
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the watch history across a power cut', () => {
  it('sync() makes the history durable with the state: the WAL may be compacted after it', async () => {
    const fs = new SimFs();
    const sm = await openSm(fs.mount());
    await sm.apply(puts(1, 10));
    await sm.sync();
    fs.powerCut(nothingKept);
    // The state survived (LevelDB's synced write); the records of its revisions must too, or
    // watches would see a compaction of changes that no WAL holds any more.
    expect(await revisionsAfterReopen(fs, 1)).toEqual({ revision: 10, history: range(1, 10) });
  });

  it('sync() makes durable the segments filled since the last sync, not only the current one', async () => {
    const fs = new SimFs();
    const sm = await openSm(fs.mount(), false, 300);
    for (let r = 1; r <= 40; r += 4) await sm.apply(puts(r, r + 3));
    expect(sm.watchHistoryFiles().segments).toBeGreaterThanOrEqual(3);
    await sm.sync();
    fs.powerCut(nothingKept);
    // Had only the current segment been synced, the others would be cut and the history start there.
    expect(await revisionsAfterReopen(fs, 1, 300)).toEqual({ revision: 40, history: range(1, 40) });
  });

  it('after a process crash, sync() makes durable what the earlier life appended and never synced', async () => {
    const fs = new SimFs();
    const sm = await openSm(fs.mount(), false, 300);
    for (let r = 1; r <= 20; r += 4) await sm.apply(puts(r, r + 3));
    fs.crash(); // the page cache keeps the files and LevelDB's log, unsynced
    const again = await openSm(fs.mount(), false, 300);
    await again.sync();
    fs.powerCut(nothingKept);
    expect(await revisionsAfterReopen(fs, 1, 300)).toEqual({ revision: 20, history: range(1, 20) });
  });

  it('with syncWrites, every apply\'s history records are durable when it returns', async () => {
    const fs = new SimFs();
    const sm = await openSm(fs.mount(), true);
    await sm.apply(puts(1, 4));
    await sm.apply(puts(5, 8));
    fs.powerCut(nothingKept);
    expect(await revisionsAfterReopen(fs, 1)).toEqual({ revision: 8, history: range(1, 8) });
  });
});

describe('HistoryLog.open across a power cut', () => {
  it('the segments it removes stay removed (it syncs the directory after removing them)', async () => {
    const fs = new SimFs();
    const dir = '/h';
    const segmentBytes = 4 * (RECORD_HEADER_BYTES + 100); // 4 records a segment
    let mount = fs.mount().fs;
    await mount.mkdir(dir);
    await mount.sync('/');
    const { log } = await HistoryLog.open(mount, dir, 0, segmentBytes);
    for (let r = 1; r <= 12; r += 4) {
      await log.append(historyRecords(r, 4));
      await log.sync(); // every segment's records durable: only the removal below may be lost
    }
    await log.close();
    // The state is at 6 (LevelDB lost the batches past it): segment 9 goes, segment 5 is cut.
    mount = fs.mount().fs;
    const opened = await HistoryLog.open(mount, dir, 6, segmentBytes);
    expect(opened.cutRecords).toBe(6);
    await opened.log.close();
    fs.powerCut(nothingKept);
    // Had segment 9 come back, the next open would find a gap after 6 and drop everything before it.
    mount = fs.mount().fs;
    expect((await mount.readdir(dir)).sort()).toEqual([segmentName(1), segmentName(5)]);
    const again = await HistoryLog.open(mount, dir, 6, segmentBytes);
    expect(again.cutRecords).toBe(0);
    expect([again.log.firstRevision, again.log.next]).toEqual([1, 7]);
    const read: number[] = [];
    for await (const r of again.log.read(1, 6)) read.push(r.revision);
    expect(read).toEqual(range(1, 6));
    await again.log.close();
  });
});
