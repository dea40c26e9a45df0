// A follower told to install a snapshot older than its state machine keeps the state machine.
// The window: the state machine swapped a leader's snapshot in (at A), and the power went before
// the WAL recorded it. On restart the core knows nothing of the install, so it asks again, and a
// new leader sends the snapshot it holds, at B < A. The state machine's state at A is committed:
// the driver keeps it, drops the staged directory, records B in the WAL, and the entries B+1..A
// the leader sends next are skipped when applied. The node used to stop instead ("snapshot at
// index B is older than applied index A"); before this file only seed 41 of test/sim-node hit it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EntryType, type Entry, type Message, type SnapshotMeta } from '../../src/raft/index.js';
import { encodeCommand, StateMachine, type KeyValue } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';
import { FOLLOWER_VOTERS, followerNode, nodeDir, type FollowerNode } from './driver-node.js';

/** The follower's log before it fell behind (bootstrap, then two entries of n1's term 2). */
const LOCAL = 3;
/** The snapshot the new leader n3 holds and sends after the restart. */
const B = 12;
/** The snapshot n1 sent, which the state machine installed before the power cut. */
const A = 20;
/** n3's last entry: its term-3 no-op is A + 1, then puts. */
const LAST = 25;

const COUNTER = Buffer.from('counter');
const conf = { voters: [...FOLLOWER_VOTERS], votersOutgoing: [], learners: [], learnersNext: [] };
const meta = (index: number): SnapshotMeta => ({ index, term: 2, conf });

/** The cluster's log: the bootstrap entry, puts of `counter` in term 2, n3's no-op and puts in term 3. */
function entry(index: number): Entry {
  if (index === 1) return { index, term: 1, type: EntryType.ConfChange, data: new Uint8Array(0), conf: { type: 'bootstrap', voters: [...FOLLOWER_VOTERS] } };
  const term = index <= A ? 2 : 3;
  const data = index === A + 1 ? new Uint8Array(0) : encodeCommand({ type: 'put', key: COUNTER, value: Buffer.from(String(index)) });
  return { index, term, type: EntryType.Normal, data };
}

const entries = (from: number, to: number): Entry[] => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

/** What the leaders' state machines hold: the snapshot streams at B and A, and the state after LAST applied once. */
async function leaderState(dir: string): Promise<{ snapshots: Map<number, Buffer>; counter: KeyValue | null; revision: number; revisionAtA: number; counterAtA: KeyValue | null }> {
  const sm = await StateMachine.open(join(dir, 'leader'));
  const snapshots = new Map<number, Buffer>();
  await sm.apply(entries(1, B));
  snapshots.set(B, await snapshotBytes(sm));
  await sm.apply(entries(B + 1, A));
  snapshots.set(A, await snapshotBytes(sm));
  const [revisionAtA, counterAtA] = [sm.revision(), await sm.get(COUNTER)];
  await sm.apply(entries(A + 1, LAST));
  const out = { snapshots, counter: await sm.get(COUNTER), revision: sm.revision(), revisionAtA, counterAtA };
  await sm.close();
  return out;
}

async function snapshotBytes(sm: StateMachine): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of await sm.createSnapshot()) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The snapshot's bytes as the transport hands them to the staging, in 1000-byte chunks. */
async function* stream(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += 1000) yield bytes.subarray(off, off + 1000);
}

/** Waits until `done` holds or the node stopped (its fatal error is then asserted on). */
async function until(n: FollowerNode, done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done() && n.fatals.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
}

const snapshotFrom = (from: string, term: number, snapshot: SnapshotMeta): Message => ({ type: 'snapshot', from, to: 'n2', term, snapshot });
const appendFrom = (from: string, term: number, prevIndex: number, es: Entry[]): Message => ({
  type: 'append',
  from,
  to: 'n2',
  term,
  prevIndex,
  prevTerm: entry(prevIndex).term,
  entries: es,
  commit: es[es.length - 1]!.index,
});
const acked = (n: FollowerNode, to: string, index: number): boolean => n.sent.some((m) => m.type === 'appendResponse' && m.to === to && m.success && m.index === index);

describe('RaftDriver: a snapshot older than the state machine', () => {
  it('after a crash between the install and the WAL record, keeps the state machine, records the older snapshot and applies each entry once', async () => {
    const dir = nodeDir();
    const leaders = await leaderState(dir);

    // n2 follows n1 in term 2, falls behind, and gets n1's snapshot at A; the power goes right
    // after the state machine swapped it in, before the WAL recorded it.
    let n2 = await followerNode(dir);
    try {
      n2.driver.step(appendFrom('n1', 2, 1, entries(2, LOCAL)));
      await until(n2, () => n2.sm.appliedIndex() === LOCAL);
      await n2.staging.receive(meta(A), stream(leaders.snapshots.get(A)!));
      n2.wal.saveSnapshotMeta = () => Promise.reject(new Error('power cut'));
      n2.driver.step(snapshotFrom('n1', 2, meta(A)));
      await until(n2, () => false);
      expect(n2.fatals.map((e) => e.message)).toEqual(['power cut']);
      expect(n2.sm.appliedIndex()).toBe(A);
    } finally {
      await n2.close();
    }

    // Restarted, the core holds the log up to LOCAL and no snapshot; the state machine is at A.
    // n3, leader in term 3, holds a snapshot at B and sends it.
    n2 = await followerNode(dir);
    try {
      expect(n2.wal.snapshot()).toBeNull();
      expect([n2.raft.log.committed, n2.sm.appliedIndex()]).toEqual([LOCAL, A]);
      await n2.staging.receive(meta(B), stream(leaders.snapshots.get(B)!));
      n2.driver.step(snapshotFrom('n3', 3, meta(B)));
      await until(n2, () => acked(n2, 'n3', B));
      expect(n2.fatals.map((e) => e.message)).toEqual([]);
      expect(acked(n2, 'n3', B)).toBe(true);
      // The committed state at A stays; B's directory is gone; the WAL holds B.
      expect(n2.sm.appliedIndex()).toBe(A);
      expect(n2.sm.revision()).toBe(leaders.revisionAtA);
      expect(await n2.sm.get(COUNTER)).toEqual(leaders.counterAtA);
      expect(n2.staging.has(B)).toBe(false);
      expect(readdirSync(n2.stagingDir)).toEqual([]);
      expect(n2.wal.snapshot()).toEqual(meta(B));
      expect(n2.warnings).toEqual([expect.stringContaining('kept the state machine, which is past the snapshot from the leader')]);

      // n3's log after B: B+1..A are in the state machine already and skipped, the rest apply once.
      n2.driver.step(appendFrom('n3', 3, B, entries(B + 1, LAST)));
      await until(n2, () => n2.sm.appliedIndex() === LAST);
      await n2.driver.applied();
      expect(n2.fatals.map((e) => e.message)).toEqual([]);
      const expected = entries(B + 1, LAST).map((e) => [e.index, e.index <= A ? 'skipped' : e.index === A + 1 ? 'none' : 'put']);
      expect(n2.applied.map((r) => [r.index, r.result.type])).toEqual(expected);
      expect(n2.sm.appliedIndex()).toBe(LAST);
      expect(n2.sm.revision()).toBe(leaders.revision);
      expect(await n2.sm.get(COUNTER)).toEqual(leaders.counter);
    } finally {
      await n2.close();
    }

    // What the WAL recorded, read back from disk: B, and the entries after it.
    const wal = await Wal.open(join(dir, 'wal'));
    try {
      const rs = await wal.recover();
      expect(rs.snapshot).toEqual(meta(B));
      expect(rs.entries.map((e) => e.index)).toEqual(entries(B + 1, LAST).map((e) => e.index));
    } finally {
      await wal.close();
    }
  });
});
