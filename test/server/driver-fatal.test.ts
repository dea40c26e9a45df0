// A LevelDB failure while applying committed entries stops the node, and its fatal log line names
// the state directory and says what to do (fatal.ts): continuing would serve reads from a state
// machine whose memory is ahead of its disk.
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { fatalReport } from '../../src/server/fatal.js';
import { encodeCommand, type LevelTuning, StateStorageError } from '../../src/state/index.js';
import { elected, singleNode } from './driver-node.js';

/** The error classic-level's binding raises when a write hits a full disk (binding.cc: IsIOError). */
const levelEnospc = (dir: string): Error => Object.assign(new Error(`IO error: ${dir}/000005.log: No space left on device`), { code: 'LEVEL_IO_ERROR' });

/** A real LevelDB whose chained batches fail to write once `failing.on` is set. */
function failingDb(failing: { on: boolean }) {
  return (dir: string, tuning: LevelTuning) => {
    const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', maxOpenFiles: tuning.maxOpenFiles, writeBufferSize: tuning.writeBufferBytes });
    const batch = db.batch.bind(db) as () => ReturnType<typeof db.batch>;
    (db as { batch: () => unknown }).batch = () => {
      const b = batch();
      if (failing.on) b.write = () => Promise.reject(levelEnospc(dir));
      return b;
    };
    return db;
  };
}

const put = (k: string): Uint8Array => encodeCommand({ type: 'put', key: Buffer.from(k), value: Buffer.from('v') });

describe('RaftDriver: storage failures in apply are fatal', () => {
  it('a LevelDB write that fails in apply stops the node with the state directory in the fatal line', async () => {
    const failing = { on: false };
    const fatals: Error[] = [];
    const node = await singleNode({}, { state: { openDb: failingDb(failing) }, onFatal: (err) => fatals.push(err) });
    try {
      await elected(node);
      failing.on = true;
      node.driver.propose(put('a')).result.catch(() => {}); // answered before the write; the node stops after
      for (let i = 0; i < 200 && fatals.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(fatals).toHaveLength(1);
      const err = fatals[0]!;
      expect(err).toBeInstanceOf(StateStorageError);
      expect((err as StateStorageError).path).toBe(node.sm.dir);
      const report = fatalReport(err);
      expect(report.fields).toMatchObject({ path: node.sm.dir, code: 'ENOSPC' });
      expect(report.message).toContain(`the disk holding ${node.sm.dir} is full`);
      // Stopped: nothing more is taken.
      expect(() => node.driver.propose(put('b'))).toThrow(/node is stopped/);
      expect(node.sm.appliedIndex()).toBe(2);
    } finally {
      await node.close();
    }
  });
});
