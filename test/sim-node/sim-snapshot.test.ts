// Snapshots in the whole-node simulation, on purpose: a member that was down while the others
// compacted their logs catches up by a snapshot sent over the simulated network (chunk by chunk,
// through lossy links that break some transfers, which the leader then retries), installs it on
// its storage twin, and keeps it through a power cut right after. The leaders keep no log for a
// member catching up (catchUpBytes 0), so the late member needs a snapshot whatever it missed.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import { HistoryRecorder } from '../../src/history/index.js';
import { SimMember } from './member.js';
import { SimNetwork } from './network.js';
import { VirtualTime } from './virtual-time.js';
import { Workload } from './workload.js';

const KEYS = 40;

interface LateMemberSetup {
  net: SimNetwork;
  members: SimMember[];
  /** Down while the others wrote KEYS keys and compacted their logs; not yet restarted. */
  late: SimMember;
  /** What the late member's state machine holds of every key. */
  read(): Promise<(string | null)[]>;
}

/** Three members on a quiet network; one is down while the others write and compact past it. */
async function lateMemberSetup(time: VirtualTime, seed: number): Promise<LateMemberSetup> {
  const rng = new Rng(seed);
  const net = new SimNetwork(rng, { dropP: 0, duplicateP: 0, minDelayMs: 0, maxDelayMs: 2 });
  const peers = new Map(['n1', 'n2', 'n3'].map((id) => [id, `sim:${id}`]));
  const members = [...peers.keys()].map((id) => new SimMember({ id, peers, snapshotEntries: 10, keepEntries: 0, catchUpBytes: 0, followerApplyDelayMs: 0, snapshotChunkBytes: 64 }, net, rng));
  for (const m of members) await m.start();
  await time.advance(1_000);
  const late = members.find((m) => m.core?.raft.role !== 'leader')!;
  late.crash(false);
  const clients = new Workload(rng, net, members, new HistoryRecorder({ clockNs: () => time.historyNs() }), { clients: 0, keys: KEYS, asyncShare: 0, writeBudgetMs: 3_000, attemptMs: [3_000] });
  for (let k = 0; k < KEYS; k++) {
    const leader = members.find((m) => m.core?.raft.role === 'leader');
    if (!leader) throw new Error('no leader');
    const done = clients.call('writer', leader, 'Put', { key: Buffer.from(`k${k}`), value: Buffer.from(`v${k}`), commitMode: 'SEMI_SYNC', id: null });
    await time.advance(20);
    await done;
  }
  await time.advance(500);
  const read = async (): Promise<(string | null)[]> => {
    const out: (string | null)[] = [];
    for (let k = 0; k < KEYS; k++) {
      const kv = await late.core!.sm.get(Buffer.from(`k${k}`));
      out.push(kv ? Buffer.from(kv.value).toString() : null);
    }
    return out;
  };
  return { net, members, late, read };
}

/** One scenario; what the late member holds of every key, and the network's transfer counts. */
async function lateMember(seed: number, chunkDropP: number): Promise<{ values: (string | null)[]; afterCut: (string | null)[]; counts: { started: number; accepted: number; failed: number }; firstIndex: number; fatal: string | null }> {
  const time = new VirtualTime();
  try {
    const { net, members, late, read } = await lateMemberSetup(time, seed);
    net.faults = { ...net.faults, dropP: chunkDropP };
    await late.start();
    await time.advance(8_000);
    net.faults = { ...net.faults, dropP: 0 };
    await time.advance(1_000);
    const values = await read();
    const firstIndex = late.core!.raft.log.firstIndex();
    // Power cut right after: the installed snapshot and what followed must come back.
    late.crash(true);
    await late.start();
    await time.advance(1_000);
    const afterCut = await read();
    const fatal = members.find((m) => m.fatal)?.fatal?.message ?? null;
    for (const m of members) m.crash(false);
    return { values, afterCut, counts: { ...net.snapshots.counts }, firstIndex, fatal };
  } finally {
    time.uninstall();
  }
}

/**
 * The late member accepts its first snapshot and loses power before installing it (and before its
 * acceptance reaches the leader), then restarts 100 ms later. Returns the virtual ms from that
 * restart until it holds every key (null: not within 15 s), and the transfer counts.
 */
async function restartAfterAccepting(seed: number): Promise<{ caughtUpMs: number | null; counts: { started: number; accepted: number; failed: number }; cut: boolean; fatal: string | null }> {
  const time = new VirtualTime();
  try {
    const { net, members, late, read } = await lateMemberSetup(time, seed);
    let cutAt: number | null = null;
    net.snapshots.onAccepted = (to) => {
      if (to !== late.config.id || cutAt !== null) return;
      cutAt = Date.now();
      late.crash(true);
      setTimeout(() => void late.start(), 100);
    };
    await late.start();
    const want = Array.from({ length: KEYS }, (_, k) => `v${k}`).join();
    let caughtUpMs: number | null = null;
    for (let waited = 0; waited < 20_000 && caughtUpMs === null; waited += 100) {
      await time.advance(100);
      if (cutAt !== null && late.core && (await read()).join() === want) caughtUpMs = Date.now() - cutAt - 100;
    }
    const fatal = members.find((m) => m.fatal)?.fatal?.message ?? null;
    for (const m of members) m.crash(false);
    return { caughtUpMs, counts: { ...net.snapshots.counts }, cut: cutAt !== null, fatal };
  } finally {
    time.uninstall();
  }
}

describe('whole-node simulation: snapshots', () => {
  const want = Array.from({ length: KEYS }, (_, k) => `v${k}`);

  test('a member that missed compacted entries catches up by snapshot and keeps it through a power cut', async () => {
    const r = await lateMember(1, 0);
    expect(r.fatal).toBeNull();
    expect(r.counts.accepted, JSON.stringify(r.counts)).toBeGreaterThanOrEqual(1);
    expect(r.firstIndex).toBeGreaterThan(KEYS / 2); // its log starts after the snapshot
    expect(r.values).toEqual(want);
    expect(r.afterCut).toEqual(want);
  }, 60_000);

  test('transfers broken by lost chunks fail and are retried until one gets through', async () => {
    let failed = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const r = await lateMember(seed, 0.1);
      expect(r.fatal).toBeNull();
      expect(r.values, `seed ${seed}: ${JSON.stringify(r.counts)}`).toEqual(want);
      expect(r.afterCut).toEqual(want);
      failed += r.counts.failed;
    }
    expect(failed).toBeGreaterThan(0);
  }, 120_000);

  // The leader keeps a follower that acknowledged a snapshot from getting a second one for up
  // to SNAPSHOT_ANSWER_GRACE_MS (10 s) while it installs. A follower that restarted lost that
  // snapshot; its batches carry a new incarnation, which lifts the guard at once.
  test('a member that lost power right after accepting a snapshot gets another at once, not after the grace', async () => {
    const r = await restartAfterAccepting(1);
    expect(r.fatal).toBeNull();
    expect(r.cut).toBe(true);
    expect(r.counts.accepted, JSON.stringify(r.counts)).toBeGreaterThanOrEqual(2);
    expect(r.caughtUpMs).not.toBeNull();
    // At once: within a few heartbeat rounds of virtual time (69 ms; 269 ms if the core is not told
    // the snapshot failed and waits for it; 9,969 ms with the guard kept).
    expect(r.caughtUpMs!).toBeLessThan(200);
  }, 60_000);
});
