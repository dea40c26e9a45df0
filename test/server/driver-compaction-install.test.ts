// A follower's compaction syncs its state machine beside the Ready loop (driver-compaction.test.ts);
// a snapshot from the leader may arrive meanwhile. The install must wait for the sync (the state
// machine is not swapped while it syncs), and the compaction's point, older than the snapshot,
// must then never be recorded: the WAL's snapshot record after the install is the snapshot's, and a
// restart starts from it. The driver's install awaits the compaction and drops it; until this file
// nothing checked either half. Without the wait, the install begins while the sync is held; without
// the drop, the loop goes on to record the compaction's point after the install, and the node stops
// ("raft: no snapshot possible at 6 (log 20..20 committed)").
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restartState } from '../../src/node/compose.js';
import { EntryType, type Entry, type Message, type SnapshotMeta } from '../../src/raft/index.js';
import { encodeCommand, StateMachine } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';
import { FOLLOWER_VOTERS, followerNode, nodeDir, type FollowerNode } from './driver-node.js';

/** A compaction starts once `snapshotEntries` entries were applied beyond the `keepEntries` kept. */
const OPTIONS = { snapshotEntries: 5, keepEntries: 2 };
/** The follower's log before it fell behind: 8 applied starts a compaction, at 8 - 2 = 6. */
const LOCAL = 8;
/** The snapshot the leader sends while the compaction syncs. */
const SNAP = 20;
/** The leader's last entry, sent after the snapshot; too few after it for another compaction. */
const LAST = 24;

const COUNTER = Buffer.from('counter');
const conf = { voters: [...FOLLOWER_VOTERS], votersOutgoing: [], learners: [], learnersNext: [] };
const meta: SnapshotMeta = { index: SNAP, term: 2, conf };

/** The cluster's log: the bootstrap entry, then puts of `counter` by n1 in term 2. */
function entry(index: number): Entry {
  if (index === 1) return { index, term: 1, type: EntryType.ConfChange, data: new Uint8Array(0), conf: { type: 'bootstrap', voters: [...FOLLOWER_VOTERS] } };
  return { index, term: 2, type: EntryType.Normal, data: encodeCommand({ type: 'put', key: COUNTER, value: Buffer.from(String(index)) }) };
}

const entries = (from: number, to: number): Entry[] => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

/** The leader's snapshot stream at SNAP, and its state machine's revision after LAST. */
async function leaderState(dir: string): Promise<{ snapshot: Buffer; revision: number }> {
  const sm = await StateMachine.open(join(dir, 'leader'));
  try {
    await sm.apply(entries(1, SNAP));
    const chunks: Uint8Array[] = [];
    for await (const c of await sm.createSnapshot()) chunks.push(c);
    await sm.apply(entries(SNAP + 1, LAST));
    return { snapshot: Buffer.concat(chunks), revision: sm.revision() };
  } finally {
    await sm.close();
  }
}

/** The snapshot's bytes as the transport hands them to the staging, in 1000-byte chunks. */
async function* stream(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += 1000) yield bytes.subarray(off, off + 1000);
}

/** Waits until `done` holds, the node stopped, or `ms` passed. */
async function until(n: FollowerNode, done: () => boolean, ms = 5_000): Promise<void> {
  for (let i = 0; i < ms / 5 && !done() && n.fatals.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
}

const appendFrom = (prevIndex: number, es: Entry[]): Message => ({
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 2,
  prevIndex,
  prevTerm: entry(prevIndex).term,
  entries: es,
  commit: es[es.length - 1]!.index,
});
const acked = (n: FollowerNode, index: number): boolean => n.sent.some((m) => m.type === 'appendResponse' && m.to === 'n1' && m.success && m.index === index);

/**
 * Records, in order, the state machine's sync (held until `release`, as a slow disk would) and
 * snapshot installs, and the WAL's snapshot records and compactions.
 */
function watch(n: FollowerNode): { events: string[]; release: () => void } {
  const events: string[] = [];
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const { sm, wal } = n;
  const [sync, install, saveMeta, compactPrefix] = [sm.sync.bind(sm), sm.installSnapshotDir.bind(sm), wal.saveSnapshotMeta.bind(wal), wal.compactPrefix.bind(wal)];
  sm.sync = async () => {
    events.push('sync begins');
    await held;
    await sync();
    events.push('sync ends');
  };
  sm.installSnapshotDir = async (dir, info) => {
    events.push(`install ${info.appliedIndex} begins`);
    await install(dir, info);
    events.push('install ends');
  };
  wal.saveSnapshotMeta = (m) => {
    events.push(`WAL snapshot ${m.index}`);
    return saveMeta(m);
  };
  wal.compactPrefix = (index) => {
    events.push(`WAL compact ${index}`);
    return compactPrefix(index);
  };
  return { events, release };
}

describe('RaftDriver: a snapshot from the leader while a compaction syncs', () => {
  it('installs once the sync ended, never records the compaction point after it, and restarts from the snapshot', async () => {
    const dir = nodeDir();
    const leader = await leaderState(dir);
    const n2 = await followerNode(dir, OPTIONS);
    const { events, release } = watch(n2);
    try {
      // n2 applies its log up to LOCAL; that starts a compaction, whose sync the disk holds.
      n2.driver.step(appendFrom(1, entries(2, LOCAL)));
      await until(n2, () => events.length > 0);
      expect(events).toEqual(['sync begins']);
      expect(n2.sm.appliedIndex()).toBe(LOCAL);

      // The leader's snapshot at SNAP arrives; the install waits for the sync.
      await n2.staging.receive(meta, stream(leader.snapshot));
      n2.driver.step({ type: 'snapshot', from: 'n1', to: 'n2', term: 2, snapshot: meta });
      await until(n2, () => events.length > 1 || acked(n2, SNAP), 200);
      expect(events).toEqual(['sync begins']);
      expect(n2.sm.appliedIndex()).toBe(LOCAL);
      expect(acked(n2, SNAP)).toBe(false);

      // The sync ends: then the install, and the WAL records the snapshot and nothing older.
      release();
      await until(n2, () => acked(n2, SNAP));
      expect(n2.fatals.map((e) => e.message)).toEqual([]);
      expect(acked(n2, SNAP)).toBe(true);
      expect(n2.wal.snapshot()).toEqual(meta);
      expect(n2.raft.log.snapshotIndex).toBe(SNAP);

      // The entries after the snapshot apply as usual, and nothing more is recorded.
      n2.driver.step(appendFrom(SNAP, entries(SNAP + 1, LAST)));
      await until(n2, () => n2.sm.appliedIndex() === LAST);
      await n2.driver.applied();
      await n2.driver.compactionSynced();
      expect(n2.fatals.map((e) => e.message)).toEqual([]);
      expect(events).toEqual(['sync begins', 'sync ends', `install ${SNAP} begins`, 'install ends', `WAL snapshot ${SNAP}`]);
      expect(n2.wal.snapshot()).toEqual(meta);
      expect(n2.raft.log.snapshotIndex).toBe(SNAP);
      expect(n2.applied.filter((r) => r.index > SNAP).map((r) => [r.index, r.result.type])).toEqual(entries(SNAP + 1, LAST).map((e) => [e.index, 'put']));
      expect(n2.sm.appliedIndex()).toBe(LAST);
      expect(n2.sm.revision()).toBe(leader.revision);
    } finally {
      release();
      await n2.close();
    }

    // Read back from disk as a restarting node does: the snapshot at SNAP and the entries after it.
    const wal = await Wal.open(join(dir, 'wal'));
    const sm = await StateMachine.open(join(dir, 'state'));
    try {
      const rs = await restartState(wal, sm);
      expect(rs?.snapshot).toEqual(meta);
      expect(rs?.entries.map((e) => e.index)).toEqual(entries(SNAP + 1, LAST).map((e) => e.index));
      expect(rs?.applied).toBe(LAST);
    } finally {
      await wal.close();
      await sm.close();
    }
  });
});
