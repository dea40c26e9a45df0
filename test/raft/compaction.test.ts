import { describe, expect, test } from 'vitest';
import { ELECTION_TICKS, Network } from './harness.js';

/**
 * n1 leads; n3 missed 'a'..'e' (indexes 3-7) while cut off; n1 then compacted its log up to 7,
 * so n3 can only catch up from a snapshot. n3 is reachable again when this returns.
 */
function laggingFollowerBehindCompaction(): Network {
  const net = new Network();
  net.elect('n1');
  net.tickAll();
  const healN3 = net.isolate('n3');
  for (const v of ['a', 'b', 'c', 'd', 'e']) net.propose('n1', v);
  net.stabilize();
  net.compact('n1');
  expect(net.raft('n1').log.snapshotIndex).toBe(7);
  healN3();
  return net;
}

const followerState = (net: Network, id: string) => net.raft('n1').status().followers.find((f) => f.id === id)?.state;

describe('§7 log compaction and snapshots', () => {
  test('a follower that needs compacted entries is sent a snapshot', () => {
    const net = laggingFollowerBehindCompaction();
    net.tickAll();

    expect(net.sentWhere('snapshot', (m) => m.to === 'n3').map((m) => m.snapshot.index)).toEqual([7]);
    expect(net.sentWhere('snapshot', (m) => m.to === 'n2')).toEqual([]);
    expect(net.applied('n3')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(followerState(net, 'n3')).toBe('replicate');

    net.propose('n1', 'f');
    net.tickAll(2); // replicate; the followers hear of the commit at the leader's next tick
    expect(net.applied('n3')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test("after installing a snapshot, the follower's log starts right after it, also after a restart", () => {
    const net = laggingFollowerBehindCompaction();
    net.tickAll();
    const log = net.raft('n3').log;
    expect([log.snapshotIndex, log.firstIndex(), log.committed, log.applied]).toEqual([7, 8, 7, 7]);
    expect(net.raft('n3').conf()).toEqual(net.raft('n1').conf());

    net.crash('n3');
    net.restart('n3');
    expect(net.raft('n3').log.firstIndex()).toBe(8);
    expect(net.applied('n3')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a snapshot lost in transit is sent again after the snapshot-state timeout (sim seed 615)', () => {
    const net = laggingFollowerBehindCompaction();
    let lost = 0;
    net.drop((m) => m.type === 'snapshot' && m.to === 'n3' && lost++ === 0);
    net.tickAll();
    expect(net.sentWhere('snapshot', (m) => m.to === 'n3')).toHaveLength(1);
    expect(followerState(net, 'n3')).toBe('snapshot');

    net.tickAll(ELECTION_TICKS);
    expect(net.sentWhere('snapshot', (m) => m.to === 'n3')).toHaveLength(1);

    net.tickAll(2 * ELECTION_TICKS);
    expect(net.sentWhere('snapshot', (m) => m.to === 'n3')).toHaveLength(2);
    expect(net.applied('n3')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('reportSnapshotFailure sends the follower back to probe, so the snapshot is retried at once', () => {
    const net = laggingFollowerBehindCompaction();
    const restore = net.drop((m) => m.type === 'snapshot' && m.to === 'n3');
    net.tickAll();
    expect(followerState(net, 'n3')).toBe('snapshot');

    net.request('n1', (r) => r.reportSnapshotFailure('n3'));
    expect(followerState(net, 'n3')).toBe('probe');

    restore();
    net.tickAll();
    expect(net.sentWhere('snapshot', (m) => m.to === 'n3')).toHaveLength(2);
    expect(net.applied('n3')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
