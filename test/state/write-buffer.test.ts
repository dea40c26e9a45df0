// LevelDB's memtable size (StateMachineOptions.writeBufferBytes, `--state-write-buffer-bytes`):
// applied writes stay in memory until that many bytes, then go to a table file. With LevelDB's
// own 4 MiB, a 384 MiB fill of 64 KiB values wrote 8.9-9.8x the live data per node, 8.0x with
// 16 MiB (docs/performance.md; measured when LevelDB also held the watch history).
import { readdir, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { DEFAULT_WRITE_BUFFER_BYTES } from '../../src/state/state-options.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const MiB = 1024 * 1024;
const VALUE_BYTES = 64 * 1024;

/** 12 MiB of values (the watch history is in its own files), 16 puts per applied batch. */
async function load(sm: StateMachine): Promise<void> {
  let index = 0;
  for (let k = 0; k < 192; k += 16) {
    const batch = Array.from({ length: 16 }, (_, j) => entry(++index, { type: 'put', key: b(`w/${String(k + j).padStart(5, '0')}`), value: Buffer.alloc(VALUE_BYTES, k + j) }));
    await sm.apply(batch);
  }
}

async function tableFiles(path: string): Promise<number> {
  return (await readdir(path)).filter((f) => /\.(ldb|sst)$/.test(f)).length;
}

async function tableBytes(path: string): Promise<number> {
  const names = (await readdir(path)).filter((f) => /\.(ldb|sst)$/.test(f));
  return (await Promise.all(names.map(async (f) => (await stat(`${path}/${f}`)).size))).reduce((a, n) => a + n, 0);
}

describe('the state machine\'s LevelDB write buffer', () => {
  it('is 16 MiB by default: 12 MiB of applied records stay in the memtable, no table file yet', async () => {
    expect(DEFAULT_WRITE_BUFFER_BYTES).toBe(16 * MiB);
    const sm = await StateMachine.open(`${dir}/state`);
    await load(sm);
    expect(await tableFiles(`${dir}/state`)).toBe(0);
    await sm.close();
  });

  it('is what writeBufferBytes says: at LevelDB\'s 4 MiB the same load is flushed into several tables', async () => {
    const sm = await StateMachine.open(`${dir}/state`, { writeBufferBytes: 4 * MiB });
    await load(sm);
    expect(await tableFiles(`${dir}/state`)).toBeGreaterThanOrEqual(2);
    await sm.close();
  });

  it('refuses a size outside 4 MiB to 1 GiB', async () => {
    await expect(StateMachine.open(`${dir}/a`, { writeBufferBytes: MiB })).rejects.toThrow(InvalidArgumentError);
    await expect(StateMachine.open(`${dir}/b`, { writeBufferBytes: 2 * 1024 * MiB })).rejects.toThrow(/writeBufferBytes.*between 4194304 and 1073741824/);
  });
});

// LevelDB's block compression (StateMachineOptions.compression, `--state-compression`): on by
// default; off saves the CPU of compressing every block a flush or compaction writes.
describe('the state machine\'s LevelDB block compression', () => {
  it('compresses table blocks by default and stores them raw when off (the values here compress to almost nothing)', async () => {
    const on = await StateMachine.open(`${dir}/on`, { writeBufferBytes: 4 * MiB });
    await load(on);
    await on.close();
    const off = await StateMachine.open(`${dir}/off`, { writeBufferBytes: 4 * MiB, compression: false });
    await load(off);
    await off.close();
    const [onBytes, offBytes] = [await tableBytes(`${dir}/on`), await tableBytes(`${dir}/off`)];
    expect(offBytes).toBeGreaterThan(4 * MiB); // at least one flushed memtable's values, raw
    expect(onBytes).toBeLessThan(offBytes / 10);
    // Each reads what the other wrote: reopening with the other setting reads every value back.
    const again = await StateMachine.open(`${dir}/off`, { writeBufferBytes: 4 * MiB });
    expect(Buffer.from((await again.get(b('w/00095')))!.value).equals(Buffer.alloc(VALUE_BYTES, 95))).toBe(true);
    await again.close();
  });
});
