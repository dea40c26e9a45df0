// Rules that keep a healthy leader in place: pre-vote (thesis §9.6), check-quorum and the
// follower's lease (§6.4.1 / §9.6), a restarted node's quiet period, and priority 0.
import { describe, expect, test } from 'vitest';
import type { Message } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network } from './harness.js';

function electedCluster(opts: ConstructorParameters<typeof Network>[0] = {}): Network {
  const net = new Network(opts);
  net.elect('n1');
  net.tickAll();
  return net;
}

function vote(from: string, to: string, term: number, transfer = false): Message {
  return { type: 'vote', from, to, term, lastLogIndex: 2, lastLogTerm: 2, transfer };
}

describe('pre-vote', () => {
  test('a partitioned node does not raise its term, however many times it times out', () => {
    const net = electedCluster();
    const mark = net.peer('n3').readies.length;
    net.isolate('n3');
    net.tickAll(5 * ELECTION_TICKS);

    expect(net.raft('n3').role).toBe('preCandidate');
    expect(net.raft('n3').term).toBe(2);
    expect(net.peer('n3').readies.slice(mark).filter((rd) => rd.hardState)).toEqual([]);
  });

  test('a rejoining node whose log fell behind neither bumps the term nor deposes the leader', () => {
    const net = electedCluster();
    net.isolate('n3');
    net.tickAll(5 * ELECTION_TICKS);
    net.propose('n1', 'x');
    net.heal();
    net.campaign('n3'); // its timer fires again before any heartbeat reaches it
    net.stabilize();
    net.tickAll(2);

    expect(net.leader()).toBe('n1');
    for (const id of net.ids()) expect(net.raft(id).term).toBe(2);
    expect(net.applied('n3')).toEqual(['x']);
  });

  test('a rejoining node with an up-to-date log neither bumps the term nor deposes the leader', () => {
    const net = electedCluster();
    net.isolate('n3');
    net.tickAll(5 * ELECTION_TICKS);
    net.heal();
    net.campaign('n3'); // its timer fires again before any heartbeat reaches it
    net.stabilize();

    // The leader itself must refuse: it hears from a quorum, so no election is needed.
    expect(net.sentWhere('preVoteResponse', (m) => m.from === 'n1' && m.granted)).toEqual([]);
    expect(net.leader()).toBe('n1');
    for (const id of net.ids()) expect(net.raft(id).term).toBe(2);
  });
});

describe('check-quorum', () => {
  test('a leader cut off from the majority steps down within an election timeout', () => {
    // Thesis §6.2: it steps down once an election timeout passes without a quorum answering,
    // whatever the phase of its timers when the partition starts.
    const ticksToStepDown = [1, 5, ELECTION_TICKS].map((ticksAsLeader) => {
      const net = new Network();
      net.elect('n1');
      net.tickAll(ticksAsLeader);
      net.isolate('n1');
      let ticks = 0;
      while (net.raft('n1').role === 'leader' && ticks < 10 * ELECTION_TICKS) {
        net.tickAll();
        ticks++;
      }
      return ticks;
    });
    for (const ticks of ticksToStepDown) expect(ticks).toBeLessThanOrEqual(ELECTION_TICKS);
  });

  test('a follower that heard from the leader within an election timeout ignores (pre-)votes, except a transfer vote', () => {
    const net = electedCluster();
    const ignored = [
      ...net.step(vote('n3', 'n2', 3)),
      ...net.step({ type: 'preVote', from: 'n3', to: 'n2', term: 3, lastLogIndex: 2, lastLogTerm: 2 }),
    ];
    expect(ignored.flatMap((rd) => rd.messages)).toEqual([]);
    expect(net.raft('n2').term).toBe(2);

    const transfer = net.step(vote('n3', 'n2', 3, true)).flatMap((rd) => rd.messages);
    expect(transfer).toEqual([expect.objectContaining({ type: 'voteResponse', granted: true, term: 3 })]);
  });

  test('a freshly restarted node ignores vote requests for one election timeout', () => {
    const net = electedCluster();
    net.crash('n2');
    net.restart('n2');
    expect(net.step(vote('n3', 'n2', 3)).flatMap((rd) => rd.messages)).toEqual([]);
    expect(net.raft('n2').term).toBe(2);

    net.tick('n2', ELECTION_TICKS);
    const answer = net.step(vote('n3', 'n2', 3)).flatMap((rd) => rd.messages);
    expect(answer).toEqual([expect.objectContaining({ type: 'voteResponse', granted: true, term: 3 })]);
  });
});

describe('priority', () => {
  test('a node with priority 0 never campaigns, however long it waits', () => {
    const net = new Network({ nodeConfig: { n3: { priority: 0 } } });
    net.tick('n3', 20 * ELECTION_TICKS);
    expect(net.raft('n3').role).toBe('follower');
    expect(net.sent.filter((m) => m.from === 'n3')).toEqual([]);
  });

  test('a node with priority 0 ignores TimeoutNow; it still votes and replicates', () => {
    const net = electedCluster({ nodeConfig: { n3: { priority: 0 } } });
    net.request('n1', (r) => r.transferLeadership('n3'));
    net.stabilize();
    expect(net.sentWhere('timeoutNow', (m) => m.to === 'n3')).toHaveLength(1);
    expect(net.raft('n3').role).toBe('follower');
    expect(net.leader()).toBe('n1');
    expect(net.raft('n1').term).toBe(2);

    net.tickAll(ELECTION_TICKS); // the transfer gives up
    net.propose('n1', 'x');
    net.tickAll(2); // replicate; the followers hear of the commit at the leader's next tick
    expect(net.applied('n3')).toEqual(['x']);
  });
});
