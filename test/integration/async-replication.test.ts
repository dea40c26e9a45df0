// ASYNC writes are acknowledged once the leader holds them durably; their appends leave up to
// asyncReplicationDelayMs later, several writes in one append (driver.ts, raft/leader.ts). Here
// the delay is long (20 ms) so that the batching is visible from outside: right after an ASYNC
// acknowledgement no follower holds the write yet, while every SEMI_SYNC write is on a majority.
import { describe, expect, test } from 'vitest';
import { eventually } from './fixtures/load.js';
import { clusterWithClient } from './in-process.js';

describe('deferred replication of ASYNC writes', () => {
  const t = clusterWithClient(3, { asyncReplicationDelayMs: 20 });

  /** Writes `n` keys one by one; counts the acknowledgements no follower held the write at. */
  async function writeAndCount(prefix: string, n: number, commitMode: 'async' | 'semi-sync'): Promise<number> {
    const leader = await t.cluster.leader();
    const followers = [...t.cluster.nodes.values()].filter((node) => node.id !== leader.id);
    let ahead = 0;
    for (let i = 0; i < n; i++) {
      await t.client.put(`${prefix}${i}`, `v${i}`, { commitMode });
      const index = leader.raft.log.lastIndex();
      if (followers.every((f) => f.raft.log.lastIndex() < index)) ahead++;
    }
    return ahead;
  }

  test('ASYNC writes are acknowledged before any follower holds them, then replicated and committed', async () => {
    const asyncAhead = await writeAndCount('a', 60, 'async');
    const semiAhead = await writeAndCount('s', 20, 'semi-sync');
    expect(semiAhead).toBe(0);
    // Timing on a loaded machine may let a release slip in before the check now and then.
    expect(asyncAhead).toBeGreaterThan(40);

    const leader = await t.cluster.leader();
    const last = leader.raft.log.lastIndex();
    const replicated = () => [...t.cluster.nodes.values()].every((n) => n.raft.log.lastIndex() >= last && n.raft.log.committed >= last);
    expect(await eventually(replicated, 5_000, 5), 'every node holds and commits the ASYNC writes').toBe(true);
    for (const i of [0, 30, 59]) expect(await t.client.getString(`a${i}`)).toBe(`v${i}`);
  });

  test('a SEMI_SYNC write right after ASYNC ones takes them along at once', async () => {
    await t.client.put('b0', 'x', { commitMode: 'async' });
    await t.client.put('b1', 'y', { commitMode: 'async' });
    await t.client.put('b2', 'z', { commitMode: 'semi-sync' });
    // Committing b2 committed the log before it: the ASYNC writes are visible to linearizable reads.
    expect(await t.client.getString('b0', { consistency: 'linearizable' })).toBe('x');
    expect(await t.client.getString('b1')).toBe('y');
  });
});
