// HistoryLog.sync() runs beside the applies (the driver's compaction syncs the state machine
// beside its Ready loop), so an apply can release a segment, and its unlink close it, while
// sync() is fsyncing it. Its records are no longer needed: sync() must resolve, go on to the
// segments after it, and leave the log as usable as before. Storage: the simulation's twin
// (test/sim-node/sim-fs.ts) with one file's fsync held until the test lets it go.
import { describe, expect, it } from 'vitest';
import { HistoryLog, RECORD_HEADER_BYTES, segmentName } from '../../src/state/history-log.js';
import type { AppendFile, StateFs } from '../../src/state/state-fs.js';
import { SimFs } from '../sim-node/sim-fs.js';
import { historyRecords } from './helpers.js';

const DIR = '/h';
const SEGMENT_BYTES = 4 * (RECORD_HEADER_BYTES + 100); // 4 records of historyRecords' 100 B a segment
/** A power cut that keeps nothing unsynced. */
const nothingKept = (): number => 0;

/** A StateFs whose next fsync of one file waits for the test, and which tells what it fsynced. */
interface HeldFsync {
  fs: StateFs;
  /** Resolves once the held fsync has been asked for. */
  asked: Promise<void>;
  /** Lets the held fsync run, on the handle as it is by then. */
  letGo: () => void;
  /** The paths of the fsyncs of files that succeeded, in order. */
  fsynced: string[];
}

/**
 * `fs` with the next fsync of the file at `path` held until letGo(). It then runs on the twin's
 * handle, which fails it (EBADF) if the handle was closed meanwhile: the case sync() tolerates.
 * (node:fs's FileHandle.close waits for a pending fsync, which then succeeds; a StateFs need not.)
 */
function holdNextFsync(fs: StateFs, path: string): HeldFsync {
  let letGo!: () => void;
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  let markAsked!: () => void;
  const asked = new Promise<void>((resolve) => (markAsked = resolve));
  const fsynced: string[] = [];
  let holding = true;
  const held = (file: AppendFile, p: string): AppendFile => ({
    get size() {
      return file.size;
    },
    append: (chunks) => file.append(chunks),
    read: (offset, length) => file.read(offset, length),
    truncate: (length) => file.truncate(length),
    close: () => file.close(),
    sync: async () => {
      if (holding && p === path) {
        holding = false;
        markAsked();
        await gate;
      }
      await file.sync();
      fsynced.push(p);
    },
  });
  return { fs: { ...fs, openAppendFile: async (p) => held(await fs.openAppendFile(p), p) }, asked, letGo, fsynced };
}

async function readAll(log: HistoryLog, from: number, to: number): Promise<number[]> {
  const out: number[] = [];
  for await (const r of log.read(from, to)) {
    expect(Buffer.from(r.body).equals(historyRecords(r.revision, 1)[0]!.body), `body of revision ${r.revision}`).toBe(true);
    out.push(r.revision);
  }
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('HistoryLog.sync() beside the applies', () => {
  it('resolves when a segment it is fsyncing is released and closed meanwhile, and the log goes on', async () => {
    const sim = new SimFs();
    const mount = sim.mount().fs;
    await mount.mkdir(DIR);
    await mount.sync('/');
    const first = `${DIR}/${segmentName(1)}`;
    const held = holdNextFsync(mount, first);
    const { log } = await HistoryLog.open(held.fs, DIR, 0, SEGMENT_BYTES);
    await log.append(historyRecords(1, 4)); // segment 1, full
    await log.append(historyRecords(5, 2)); // segment 5, the current one
    const syncing = log.sync();
    await held.asked;
    // An apply drops revisions 1-4 meanwhile: segment 1 is released and, no reader holding it,
    // closed and unlinked while its fsync is still in flight.
    log.release(5);
    await log.settled();
    expect(await mount.readdir(DIR)).toEqual([segmentName(5)]);
    held.letGo();
    await expect(syncing).resolves.toBeUndefined();
    // It went on past the closed one: the live segment's records are durable.
    expect(held.fsynced, 'fsyncs that succeeded').toEqual([`${DIR}/${segmentName(5)}`]);

    // Appends, syncs and reads go on as before.
    expect([log.firstRevision, log.next, log.segmentCount]).toEqual([5, 7, 1]);
    await log.append(historyRecords(7, 2)); // fills segment 5
    await log.append(historyRecords(9, 3)); // segment 9
    await log.sync();
    expect(await readAll(log, 5, 11)).toEqual(range(5, 11));
    await log.close();

    // And what sync() returned for survives a power cut (segment 1's unlink may not: it holds nothing).
    sim.powerCut(nothingKept);
    const again = await HistoryLog.open(sim.mount().fs, DIR, 11, SEGMENT_BYTES);
    expect(again.cutRecords).toBe(0);
    expect([again.log.firstRevision, again.log.next]).toEqual([5, 12]);
    expect(await readAll(again.log, 5, 11)).toEqual(range(5, 11));
    await again.log.close();
  });
});
