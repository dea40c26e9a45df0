// The WAL's rarer paths: a log whose state file is lost (refused), and an operator repair cut by
// the power at any step (see power-cut.test.ts for the write paths).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Wal, WalStateLostError } from '../../src/wal/index.js';
import { SEGMENT_HEADER_BYTES } from '../../src/wal/record.js';
import { MemoryDisk } from '../support/memory-disk.js';
import { entry, prng, range, sameEntry } from './helpers.js';
import { WAL_DIR } from './power-cut-harness.js';

const SMALL = 2048;

/** A log of entries 1..40 over several segments, written and closed cleanly. */
async function writeLog(disk: MemoryDisk): Promise<void> {
  const wal = await Wal.open(WAL_DIR, { segmentBytes: SMALL, disk: disk.mount() });
  for (let i = 1; i <= 40; i += 4) await wal.append(range(i, i + 3, 1));
  await wal.close();
}

describe('power cuts in recovery paths', () => {
  it('a log whose state file is lost is refused: with term and vote gone the node could vote twice in a term', async () => {
    const disk = new MemoryDisk();
    await writeLog(disk);
    const mount = disk.mount();
    await mount.unlink(path.join(WAL_DIR, 'state.bin')); // lost, e.g. by hand
    await mount.syncDir(WAL_DIR);
    const opened = Wal.open(WAL_DIR, { segmentBytes: SMALL, disk: disk.mount() });
    await expect(opened).rejects.toThrow(WalStateLostError);
    await expect(Wal.open(WAL_DIR, { segmentBytes: SMALL, disk: disk.mount() })).rejects.toThrow(
      /state\.bin is missing but the log holds \d+ segment file\(s\).*vote twice in one term.*delete its data directory and add it again/,
    );
    // Refusing changed nothing: the segments are all still there.
    expect((await disk.mount().readdir(WAL_DIR)).filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(1);
  });

  it('an operator repair cut by the power at any step can be run again, and once done stays done', async () => {
    const prepare = async (disk: MemoryDisk): Promise<number> => {
      await writeLog(disk);
      const mount = disk.mount();
      const names = (await mount.readdir(WAL_DIR)).filter((n) => n.endsWith('.wal')).sort();
      expect(names.length).toBeGreaterThan(3);
      const fh = await mount.open(path.join(WAL_DIR, names[1]!), { write: true });
      await fh.write(Buffer.from([0xff]), 0, 1, SEGMENT_HEADER_BYTES + 20); // a flipped byte mid-log
      await fh.datasync();
      await fh.close();
      return parseInt(names[1]!, 16); // first index of the damaged segment
    };
    const probe = new MemoryDisk();
    await prepare(probe);
    const before = probe.ops;
    await Wal.repair(WAL_DIR, probe.mount());
    const steps = probe.ops - before;
    expect(steps).toBeGreaterThan(3);
    for (let k = 1; k <= steps; k++) {
      for (const keepSome of [false, true]) {
        const disk = new MemoryDisk();
        const damagedFirst = await prepare(disk);
        disk.cutPowerAt(disk.ops + k, { keepSome, rand: prng(k) });
        await expect(Wal.repair(WAL_DIR, disk.mount())).rejects.toThrow(/lost power/);
        await Wal.repair(WAL_DIR, disk.mount()); // the operator runs it again
        disk.powerCut({ keepSome, rand: prng(k + 1) });
        const wal = await Wal.open(WAL_DIR, { segmentBytes: SMALL, disk: disk.mount() });
        const { entries } = await wal.recover();
        await wal.close();
        const label = `cut at repair step ${k} (keepSome ${keepSome})`;
        expect(entries.length, label).toBeGreaterThanOrEqual(damagedFirst - 1);
        expect(entries.length, label).toBeLessThan(40);
        expect(entries.every((e, i) => sameEntry(e, entry(i + 1, 1))), label).toBe(true);
      }
    }
  });
});
