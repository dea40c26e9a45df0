// A WAL whose disk fills (ENOSPC) or fails (EIO on a write or an fsync), on the in-memory disk:
// the failing call and everything after it are refused with an error naming the file and the
// system error, no append is ever acknowledged that is not durable, and after the fault is gone
// ("space freed") and the power cut (the process exited), the log reopens holding every
// acknowledged entry, byte for byte, and then takes new appends.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/types.js';
import { Wal, WalFailedError, WalIoError } from '../../src/wal/index.js';
import { MemoryDisk } from '../support/memory-disk.js';
import { entry, range, sameEntry } from './helpers.js';

const DIR = '/data/wal';
const SEGMENT_BYTES = 4096;

interface Outcome {
  acked: Entry[];
  failures: unknown[];
}

/** Appends `batches` one after another (or all at once), recording which were acknowledged. */
async function appendAll(wal: Wal, batches: Entry[][], concurrent: boolean): Promise<Outcome> {
  const out: Outcome = { acked: [], failures: [] };
  const one = (b: Entry[]): Promise<void> =>
    wal.append(b).then(
      () => void out.acked.push(...b),
      (err: unknown) => void out.failures.push(err),
    );
  if (concurrent) await Promise.all(batches.map(one));
  else for (const b of batches) await one(b);
  out.acked.sort((a, b) => a.index - b.index);
  return out;
}

/** Reopens the disk after a power cut and the fault cleared; returns the entries it holds. */
async function reopenAfterFreeing(disk: MemoryDisk): Promise<{ wal: Wal; entries: Entry[] }> {
  disk.powerCut();
  disk.setFreeBytes(null);
  disk.failWrites(null);
  disk.failSyncs(null);
  const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES });
  const rs = await wal.recover();
  return { wal, entries: rs.entries };
}

function expectNamedFailure(err: unknown, code: string): void {
  expect(err).toBeInstanceOf(WalFailedError);
  const failed = err as WalFailedError;
  expect(failed.code).toBe(code);
  expect(failed.file).toMatch(/^\/data\/wal\/([0-9a-f]{16}\.wal|state\.bin)$/);
  expect(failed.message).toContain(failed.file!);
  expect(failed.message).toContain(code);
}

describe('WAL on a disk that fills up', () => {
  for (const [name, batches, concurrent] of [
    ['one entry per append (inline writes)', Array.from({ length: 60 }, (_, i) => [entry(i + 1, 1)]), false],
    ['five entries per append (thread pool)', Array.from({ length: 12 }, (_, i) => range(i * 5 + 1, i * 5 + 5, 1)), false],
    ['concurrent appends (group commit)', Array.from({ length: 60 }, (_, i) => [entry(i + 1, 1)]), true],
  ] as const) {
    for (const freeBytes of [0, 777, 5000, 9001]) {
      it(`${name}, ${freeBytes} bytes free: refused with ENOSPC naming the file, nothing unacknowledged reported durable`, async () => {
        const disk = new MemoryDisk();
        const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES });
        disk.setFreeBytes(freeBytes);
        const out = await appendAll(wal, batches as unknown as Entry[][], concurrent);
        expect(out.failures.length).toBeGreaterThan(0);
        expectNamedFailure(out.failures[0], 'ENOSPC');
        // Acknowledged appends are a prefix of the log: the writer stops at the first failure.
        out.acked.forEach((e, i) => expect(e.index).toBe(i + 1));
        expect(wal.durableIndex()).toBe(out.acked.length);
        // The failed WAL stays failed, even once room is back: its page cache may be lost.
        disk.setFreeBytes(null);
        await expect(wal.append([entry(1000, 1)])).rejects.toBeInstanceOf(WalFailedError);
        await expect(wal.saveHardState({ term: 2, vote: 'n1', commit: 0 })).rejects.toBeInstanceOf(WalFailedError);
        await wal.close();

        const { wal: again, entries } = await reopenAfterFreeing(disk);
        // Everything acknowledged is there, byte for byte. Whole records of the batch the disk cut
        // short may be there too (recovery keeps the valid records of a torn final batch; Raft
        // allows a log to hold entries it never acknowledged), but only as they were appended.
        const appended = (batches as unknown as Entry[][]).flat();
        expect(entries.length).toBeGreaterThanOrEqual(out.acked.length);
        entries.forEach((e, i) => expect(sameEntry(e, appended[i]!), `entry ${e.index}`).toBe(true));
        const next = entries.length + 1;
        await again.append(range(next, next + 9, 2));
        expect(again.durableIndex()).toBe(next + 9);
        await again.close();
      });
    }
  }

  it('a hard-state save that meets a full disk is refused naming state.bin; the previous state survives', async () => {
    const disk = new MemoryDisk();
    const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES });
    await wal.saveHardState({ term: 3, vote: 'n2', commit: 0 });
    disk.setFreeBytes(10);
    const err = await wal.saveHardState({ term: 4, vote: 'n1', commit: 0 }).catch((e: unknown) => e);
    expectNamedFailure(err, 'ENOSPC');
    expect((err as WalFailedError).file).toBe('/data/wal/state.bin');
    await wal.close();
    const { wal: again } = await reopenAfterFreeing(disk);
    expect((await again.recover()).hardState).toEqual({ term: 3, vote: 'n2', commit: 0 });
    await again.close();
  });
});

describe('WAL on a failing disk (EIO)', () => {
  it('a failed write is refused naming the segment; acknowledged entries survive', async () => {
    const disk = new MemoryDisk();
    const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES });
    const first = await appendAll(wal, Array.from({ length: 10 }, (_, i) => [entry(i + 1, 1)]), false);
    disk.failWrites('EIO');
    const rest = await appendAll(wal, Array.from({ length: 10 }, (_, i) => [entry(i + 11, 1)]), false);
    expect(rest.acked).toEqual([]);
    expectNamedFailure(rest.failures[0], 'EIO');
    expect((rest.failures[0] as WalFailedError).cause).toBeInstanceOf(WalIoError);
    await wal.close();
    const { wal: again, entries } = await reopenAfterFreeing(disk);
    expect(entries.map((e) => e.index)).toEqual(first.acked.map((e) => e.index)); // EIO wrote nothing
    await again.close();
  });

  it('a failed fsync (a truncation that must be synced) is refused and nothing after it is acknowledged', async () => {
    const disk = new MemoryDisk();
    const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES });
    await wal.append(range(1, 20, 1));
    disk.failSyncs('EIO');
    // A follower taking a new leader's log: the conflicting tail is cut, and the cut must be
    // fdatasynced before anything is written over it.
    const err = await wal.append(range(15, 16, 2)).catch((e: unknown) => e);
    expectNamedFailure(err, 'EIO');
    await expect(wal.append(range(17, 17, 2))).rejects.toBeInstanceOf(WalFailedError);
    expect(wal.durableIndex()).toBe(14);
    await wal.close();
    const { wal: again, entries } = await reopenAfterFreeing(disk);
    // The synced log holds 1..20 of term 1 or the cut 1..14: never a term-2 entry nobody acknowledged.
    expect(entries.every((e) => e.term === 1)).toBe(true);
    expect(entries.length === 20 || entries.length === 14).toBe(true);
    await again.close();
  });
});
