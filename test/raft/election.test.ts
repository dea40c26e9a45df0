import { describe, expect, test } from 'vitest';
import type { Message } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network, sequence } from './harness.js';

describe('§5.2 leader election', () => {
  test('a follower whose election timer expires pre-campaigns, then campaigns, and wins with a majority', () => {
    const net = new Network();
    // Warm-up left every timer at ELECTION_TICKS; the default timeout is 1.5 × ELECTION_TICKS.
    net.tick('n1', ELECTION_TICKS / 2 - 1);
    expect(net.raft('n1').role).toBe('follower');
    net.tick('n1');
    expect(net.raft('n1').role).toBe('preCandidate');
    expect(net.raft('n1').term).toBe(1);

    net.stabilize();

    expect(net.roles('n1').map((s) => s.role)).toEqual(['preCandidate', 'candidate', 'leader']);
    net.tickAll(); // one heartbeat carries the commit index to every follower
    for (const id of net.ids()) {
      expect(net.raft(id).term).toBe(2);
      expect(net.raft(id).leader).toBe('n1');
      // The new leader's no-op (index 2) is committed everywhere.
      expect(net.raft(id).log.committed).toBe(2);
    }
  });

  test('a candidate that hears from the leader of its own term steps down and follows it', () => {
    const net = new Network({ config: { preVote: false } });
    // n3's answers never reach n2, so n2 stays a candidate of term 2 while n1 wins term 2.
    net.drop((m) => m.type === 'voteResponse' && m.to === 'n2');
    net.campaign('n1');
    net.campaign('n2');
    expect(net.raft('n2').role).toBe('candidate');
    net.stabilize();

    expect(net.raft('n1').role).toBe('leader');
    expect(net.raft('n2').role).toBe('follower');
    expect(net.raft('n2').term).toBe(2);
    expect(net.raft('n2').leader).toBe('n1');
  });

  test('a split vote is resolved by the next, randomized, election timeouts', () => {
    // The first timeouts are all equal (15 ticks); after that n2's timeout is the shortest.
    const later: Record<string, number> = { n1: 0.6, n2: 0.1, n3: 0.9 };
    const net = new Network({ random: (id) => sequence(0.5, 0.5, later[id]!) });
    let ticks = 0;
    while (net.leader() === null && ticks < 10 * ELECTION_TICKS) {
      net.tickAll();
      ticks++;
    }
    // Everyone campaigned for term 2 at once and voted for itself: no winner in term 2.
    for (const id of net.ids()) expect(net.roles(id)).toContainEqual({ role: 'candidate', term: 2 });
    expect(net.sentWhere('voteResponse', (m) => m.term === 2 && m.granted)).toEqual([]);
    expect(net.leader()).toBe('n2');
    expect(net.raft('n2').term).toBe(3);
  });

  test('a node grants one vote per term: having voted for n1, it refuses n2 in the same term', () => {
    const net = new Network({ config: { preVote: false } });
    const vote = (from: string): Message => ({ type: 'vote', from, to: 'n3', term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: false });

    const first = net.step(vote('n1')).flatMap((rd) => rd.messages);
    const second = net.step(vote('n2')).flatMap((rd) => rd.messages);
    const again = net.step(vote('n1')).flatMap((rd) => rd.messages);

    expect(first).toEqual([expect.objectContaining({ type: 'voteResponse', to: 'n1', granted: true, term: 2 })]);
    expect(second).toEqual([expect.objectContaining({ type: 'voteResponse', to: 'n2', granted: false, term: 2 })]);
    // A retransmitted request from the same candidate is granted again (the vote is the same).
    expect(again).toEqual([expect.objectContaining({ type: 'voteResponse', to: 'n1', granted: true })]);
    expect(net.raft('n3').vote).toBe('n1');
  });

  test('a granted vote is in the hard state of the very Ready that carries the response', () => {
    const net = new Network({ config: { preVote: false } });
    const readies = net.step({ type: 'vote', from: 'n1', to: 'n3', term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: false });

    expect(readies).toHaveLength(1);
    const rd = readies[0]!;
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'n1' });
    expect(rd.messages).toEqual([expect.objectContaining({ type: 'voteResponse', granted: true })]);
    // The host persisted it before sending: a crash now cannot lead to a second vote in term 2.
    net.crash('n3');
    net.restart('n3');
    expect(net.raft('n3').vote).toBe('n1');
  });
});
