// Membership changes with real processes: a fourth node started with --join is added as a
// learner after the leader compacted its log, so it can only catch up by snapshot; it is
// promoted; then the leader removes itself and a new leader carries on accepting writes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { MAX_PROMOTE_LAG_ENTRIES } from '../../src/server/cluster-service.js';
import { eventually, failureSummary, missingWrites, readPrefix, startWriters } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

/** The server's default snapshot interval (src/server/node.ts), used when serve has no --snapshot-entries. */
const DEFAULT_SNAPSHOT_ENTRIES = 10_000;
const SMALL_SNAPSHOT_ENTRIES = 500;
const WRITE_CONCURRENCY = 64;

/** Puts `count` small keys with WRITE_CONCURRENCY writes in flight. */
async function fill(client: RaftdbClient, from: number, count: number): Promise<void> {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      while (next < end) {
        const i = next++;
        await client.put(`m/${String(i).padStart(6, '0')}`, `${i}`);
      }
    }),
  );
}

describe('membership with processes: join by snapshot, promote, remove the leader', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  let written = 0;
  beforeAll(async () => {
    // --snapshot-entries is used when `raftdb serve` has it; otherwise the default applies.
    cluster = await ProcessCluster.start({ nodes: 3, snapshotEntries: SMALL_SNAPSHOT_ENTRIES });
    client = cluster.client({ maxConcurrentWrites: WRITE_CONCURRENCY, timeoutMs: 10_000 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('a node joining after log compaction catches up by snapshot and is promoted', async () => {
    const c = cluster!;
    const interval = c.hasFlag('--snapshot-entries') ? SMALL_SNAPSHOT_ENTRIES : DEFAULT_SNAPSHOT_ENTRIES;
    if (!c.hasFlag('--snapshot-entries')) console.log(`[membership] serve has no --snapshot-entries: writing past the default ${DEFAULT_SNAPSHOT_ENTRIES}-entry interval`);
    const t0 = Date.now();
    let leader = await c.leader();
    while (leader.snapshotIndex === 0 && written < 3 * interval) {
      await fill(client, written, 1000);
      written += 1000;
      leader = (await c.status(leader.id)) ?? (await c.leader());
    }
    console.log(`[membership] ${written} keys written in ${Date.now() - t0} ms; leader ${leader.id} snapshot at ${leader.snapshotIndex}, last index ${leader.lastIndex}`);
    expect(leader.snapshotIndex, 'the leader compacted its log').toBeGreaterThan(0);

    const n4 = await c.addNode('n4', { join: true });
    const t1 = Date.now();
    const added = await client.cluster.memberAdd({ id: 'n4', address: n4.address, learner: true });
    expect(added.members.find((m) => m.id === 'n4')).toMatchObject({ isLearner: true });
    const target = (await c.leader()).commitIndex;
    const caughtUp = await eventually(async () => ((await c.status('n4'))?.appliedIndex ?? 0) >= target, 60_000);
    const s4 = (await c.status('n4'))!;
    console.log(`[membership] n4 applied ${s4.appliedIndex} (target ${target}) ${Date.now() - t1} ms after MemberAdd; its snapshot index ${s4.snapshotIndex}`);
    expect(caughtUp).toBe(true);
    expect(s4.snapshotIndex, 'n4 started from a snapshot, not from the log').toBeGreaterThan(0);
    expect(s4.learners).toContain('n4');
    const local = c.client({ endpoints: c.endpoints(['n4']) });
    expect(await local.getString('m/000000', { consistency: 'serializable' })).toBe('0');
    expect(await local.getString(`m/${String(written - 1).padStart(6, '0')}`, { consistency: 'serializable' })).toBe(`${written - 1}`);

    // Promotion goes by the leader's view of the learner, which lags its own status: the answer to
    // the install reaches the leader a moment after n4 applied the snapshot. An operator reads that
    // view in `raftdb status` (LAG) before promoting, as this does.
    const t2 = Date.now();
    const leaderSees = async (): Promise<boolean> => {
      const view = await c.status((await c.leader()).id);
      const lag = view?.followers.find((f) => f.id === 'n4')?.lagEntries;
      return lag !== undefined && lag <= MAX_PROMOTE_LAG_ENTRIES;
    };
    expect(await eventually(leaderSees, 10_000), 'the leader sees n4 caught up').toBe(true);
    console.log(`[membership] the leader saw n4 caught up ${Date.now() - t2} ms after n4 did`);
    const promoted = await client.cluster.memberPromote('n4');
    expect(promoted.members.filter((m) => !m.isLearner).map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(await eventually(async () => (await c.status('n4'))?.voters.includes('n4') ?? false, 10_000)).toBe(true);
    await client.put('after-promote', 'ok');
    expect(await local.getString('after-promote')).toBe('ok');
  });

  test('removing the leader itself: a new leader takes over and writes go on', async () => {
    const c = cluster!;
    const old = await c.leader();
    const load = startWriters(client, { writers: 4, prefix: 'rm' });
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    const res = await client.cluster.memberRemove(old.id);
    expect(res.members.map((m) => m.id)).not.toContain(old.id);
    const next = await c.leader(15_000, [old.id]);
    await eventually(() => load.ackTimes.some((t) => t > Date.now() - 200 && t > t0 + 500), 10_000);
    await load.stop();
    console.log(
      `[membership] removed leader ${old.id}; new leader ${next.id} (term ${next.term}) after ${Date.now() - t0} ms; ` +
        `${load.acked.size} writes acked, client errors ${load.failures.length} ${JSON.stringify(failureSummary(load.failures))}`,
    );
    for (const f of load.failures.slice(0, 5)) console.log(`  ${f.key}: ${f.message}`);
    expect(next.id).not.toBe(old.id);
    expect(next.voters.sort()).toEqual(['n1', 'n2', 'n3', 'n4'].filter((id) => id !== old.id));
    const members = await client.cluster.memberList();
    expect(members.members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4'].filter((id) => id !== old.id));
    expect(missingWrites(load.acked, await readPrefix(client, 'rm/'))).toEqual([]);
    // The removed node can be stopped without the cluster noticing.
    await c.sigterm(old.id);
    await client.put('after-remove', 'ok');
    expect(await client.getString('after-remove')).toBe('ok');
    expect((await readPrefix(client, 'm/')).size).toBe(written);
  });
});
