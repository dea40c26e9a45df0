// ASYNC writes are acknowledged once the leader holds them durably; their appends leave up to
// asyncReplicationDelayMs later, several writes in one append (driver.ts, raft/leader.ts). Here
// the delay is long (20 ms) so that the batching is visible from outside: right after an ASYNC
// acknowledgement no follower holds the write yet, while every SEMI_SYNC write is on a majority.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { InProcessCluster } from './in-process.js';

describe('deferred replication of ASYNC writes', () => {
  let cluster: InProcessCluster;
  let client: RaftdbClient;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(3, { asyncReplicationDelayMs: 20 });
    await cluster.leader();
    client = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  /** Writes `n` keys one by one; counts the acknowledgements no follower held the write at. */
  async function writeAndCount(prefix: string, n: number, commitMode: 'async' | 'semi-sync'): Promise<number> {
    const leader = await cluster.leader();
    const followers = [...cluster.nodes.values()].filter((node) => node.id !== leader.id);
    let ahead = 0;
    for (let i = 0; i < n; i++) {
      await client.put(`${prefix}${i}`, `v${i}`, { commitMode });
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

    const leader = await cluster.leader();
    const last = leader.raft.log.lastIndex();
    const replicated = () => [...cluster.nodes.values()].every((n) => n.raft.log.lastIndex() >= last && n.raft.log.committed >= last);
    expect(await eventually(replicated, 5_000, 5), 'every node holds and commits the ASYNC writes').toBe(true);
    for (const i of [0, 30, 59]) expect(await client.getString(`a${i}`)).toBe(`v${i}`);
  });

  test('a SEMI_SYNC write right after ASYNC ones takes them along at once', async () => {
    await client.put('b0', 'x', { commitMode: 'async' });
    await client.put('b1', 'y', { commitMode: 'async' });
    await client.put('b2', 'z', { commitMode: 'semi-sync' });
    // Committing b2 committed the log before it: the ASYNC writes are visible to linearizable reads.
    expect(await client.getString('b0', { consistency: 'linearizable' })).toBe('x');
    expect(await client.getString('b1')).toBe('y');
  });
});
