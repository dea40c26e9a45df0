// The core keeps every entry since the last snapshot in memory, so the driver compacts by bytes
// as well as by count: with large values, 10,000 entries (the count trigger) were 640 MiB of
// RSS on every node (issue 18 item 4). Here 40 puts of 64 KiB pass a 1 MiB byte bound long
// before the 10,000-entry count, and at most 256 KiB of entries stay behind the snapshot.
import { describe, expect, it } from 'vitest';
import type { RaftDriver } from '../../src/server/driver.js';
import { encodeCommand } from '../../src/state/index.js';
import { elected, singleNode as startNode } from './driver-node.js';

const KiB = 1024;

/** A one-voter node, elected, with `extra` driver options. */
async function singleNode(extra: Parameters<typeof startNode>[0]) {
  const n = await startNode(extra);
  await elected(n);
  expect(n.raft.role).toBe('leader');
  return n;
}

/** Puts 40 values of 64 KiB one after the other; returns the highest index. */
async function fill(driver: RaftDriver): Promise<number> {
  let last = 0;
  for (let i = 0; i < 40; i++) {
    const p = driver.propose(encodeCommand({ type: 'put', key: Buffer.from(`k${i}`), value: Buffer.alloc(64 * KiB, i) }));
    await p.result;
    last = p.index;
  }
  await driver.applied();
  return last;
}

describe('RaftDriver log compaction by bytes', () => {
  it('compacts once snapshotBytes were applied, keeping at most keepBytes behind the snapshot', async () => {
    const { raft, driver, sm, close } = await singleNode({ snapshotBytes: 1024 * KiB, keepBytes: 256 * KiB });
    try {
      const last = await fill(driver);
      expect(raft.log.snapshotIndex).toBeGreaterThan(0);
      // At most 256 KiB kept behind the snapshot, plus up to 1 MiB applied since: < 21 entries.
      expect(raft.log.lastIndex() - raft.log.snapshotIndex).toBeLessThan(21);
      expect(raft.log.lastIndex()).toBe(last);
      // Compaction never drops what the state machine has not made durable.
      expect(sm.appliedIndex()).toBe(last);
      expect(raft.log.term(raft.log.snapshotIndex + 1)).not.toBeNull();
    } finally {
      await close();
    }
  });

  it('without a byte bound, 40 entries stay in the log (the count trigger is 10,000)', async () => {
    const { raft, driver, close } = await singleNode({});
    try {
      const last = await fill(driver);
      expect(raft.log.snapshotIndex).toBe(0);
      expect(raft.log.lastIndex()).toBe(last);
    } finally {
      await close();
    }
  });
});

/** Resolves with the promise's value, or rejects once `ms` passed without one. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

// A compaction's sync (the history files and LevelDB's log since the last one) can take hundreds
// of milliseconds, and every member reaches the count trigger at about the same entry. Awaited in
// the Ready loop, it stopped writes and acknowledgements on every member at once, and a leader
// lost check-quorum under 64 clients of 4 KiB puts (docs/performance.md).
describe('RaftDriver compaction beside the Ready loop', () => {
  it('goes on committing and applying while the state machine syncs, and records the snapshot point once it is durable', async () => {
    const { raft, driver, sm, close } = await singleNode({ snapshotEntries: 20, keepEntries: 5 });
    // A slow disk: the compaction's sync is held until the test lets it go.
    const realSync = sm.sync.bind(sm);
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let syncs = 0;
    sm.sync = async () => {
      syncs++;
      await held;
      await realSync();
    };
    const put = async (i: number): Promise<number> => {
      const p = driver.propose(encodeCommand({ type: 'put', key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));
      await within(p.result, 5_000, `put ${i}`);
      return p.index;
    };
    try {
      let i = 0;
      while (syncs === 0 && i < 100) await put(i++);
      expect(syncs).toBe(1);
      // The sync is held: writes are still committed and applied, and nothing is compacted yet.
      let last = 0;
      for (let k = 0; k < 30; k++) last = await put(i++);
      await driver.applied();
      expect(sm.appliedIndex()).toBe(last);
      expect(raft.log.snapshotIndex).toBe(0);
      expect(syncs).toBe(1); // one compaction at a time
      release();
      for (let k = 0; k < 200 && raft.log.snapshotIndex === 0; k++) await new Promise((r) => setTimeout(r, 10));
      // The point the sync made durable: entries the state machine had applied when it began.
      expect(raft.log.snapshotIndex).toBeGreaterThan(0);
      expect(raft.log.snapshotIndex).toBeLessThan(last - 25);
      expect(raft.log.term(raft.log.snapshotIndex + 1)).not.toBeNull();
      // Later compactions go on as before.
      for (let k = 0; k < 40; k++) last = await put(i++);
      for (let k = 0; k < 200 && raft.log.snapshotIndex < last - 30; k++) await new Promise((r) => setTimeout(r, 10));
      expect(raft.log.snapshotIndex).toBeGreaterThanOrEqual(last - 30);
    } finally {
      release();
      await close();
    }
  });
});
