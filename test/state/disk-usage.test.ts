// Disk used by the state machine relative to the live data (issue 18: disk ≤ 1.5× the live data
// once the history is compacted), with 64 KiB values written twice (every key overwritten, so the
// history holds each value with its previous one): after a compact to the current revision and a
// defragment (compactStorage), and without a compact when only the history's byte bound holds it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateMachine } from '../../src/state/state-machine.js';
import { diskBytes } from '../support/disk-bytes.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const VALUE_BYTES = 64 * 1024;
const KEYS = 256; // 16 MiB of live values
const LIVE_BYTES = KEYS * VALUE_BYTES;

/** Every key written twice with values that do not compress, 16 puts per applied batch. */
async function load(sm: StateMachine): Promise<void> {
  let index = 0;
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < KEYS; k += 16) {
      const batch = Array.from({ length: 16 }, (_, j) => {
        const value = Buffer.alloc(VALUE_BYTES);
        for (let off = 0; off < VALUE_BYTES; off += 4) value.writeUInt32LE(((k + j) * 2654435761 + off * 40503 + round) >>> 0, off);
        return entry(++index, { type: 'put', key: b(`d/${String(k + j).padStart(5, '0')}`), value });
      });
      await sm.apply(batch);
    }
  }
}

describe('disk used by the state machine', () => {
  it('is at most 1.5x the live data after a compact to the current revision and a defragment', async () => {
    const sm = await StateMachine.open(`${dir}/state`);
    await load(sm);
    const loaded = await diskBytes(`${dir}/state`);
    await sm.apply([entry(2 * (KEYS / 16) * 16 + 1, { type: 'compact', revision: sm.revision() })]);
    await sm.compactStorage();
    const after = await diskBytes(`${dir}/state`);
    // Before: the values, their overwritten copies and the history (each overwrite's record holds both values).
    expect(loaded).toBeGreaterThan(2.5 * LIVE_BYTES);
    expect(after).toBeLessThanOrEqual(1.5 * LIVE_BYTES);
    // Only the current revision's record is left (a compact keeps its own revision readable, as etcd's).
    expect(sm.watchHistoryBytes()).toBeLessThan(2 * VALUE_BYTES + 1024);
    await sm.close();
  });

  it('is at most the live data plus watchHistoryMaxBytes (and LevelDB slack) after a defragment, without a compact', async () => {
    const maxBytes = 4 * 1024 * 1024;
    const sm = await StateMachine.open(`${dir}/state`, { watchHistoryMaxBytes: maxBytes });
    await load(sm);
    await sm.compactStorage();
    const after = await diskBytes(`${dir}/state`);
    expect(sm.watchHistoryBytes()).toBeLessThanOrEqual(maxBytes);
    expect(after).toBeLessThanOrEqual(LIVE_BYTES + maxBytes + 0.1 * LIVE_BYTES);
    expect(after).toBeLessThanOrEqual(1.5 * LIVE_BYTES);
    await sm.close();
  });

  it('is at most 1.5x the live data after a compact and a defragment when one memtable flush held everything (deepest level rewritten)', async () => {
    // A 64 MiB write buffer: the whole load is flushed in one or two tables that overlap nothing,
    // and LevelDB puts such a table straight at level 2, which its CompactRange alone never
    // rewrites (5x the live data before the defragment wrote its end records: storage-upkeep.ts).
    const sm = await StateMachine.open(`${dir}/state`, { writeBufferBytes: 64 * 1024 * 1024 });
    await load(sm);
    await sm.apply([entry(2 * (KEYS / 16) * 16 + 1, { type: 'compact', revision: sm.revision() })]);
    await sm.compactStorage();
    expect(await diskBytes(`${dir}/state`)).toBeLessThanOrEqual(1.5 * LIVE_BYTES);
    await sm.close();
  });
});
