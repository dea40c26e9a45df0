// Elections and a follower's answers, message by message: what a (pre-)candidate asks for, which
// answers count towards winning, and how a follower answers appends and snapshots that are behind
// what it has already committed. Each case was written against a StrykerJS survivor.
import { describe, expect, test } from 'vitest';
import { campaign } from '../../src/raft/candidate.js';
import type { Message } from '../../src/raft/types.js';
import { Network } from './harness.js';

const ofType = <T extends Message['type']>(net: Network, type: T) => net.inFlight().filter((m) => m.type === type) as Array<Message & { type: T }>;

describe('campaigns', () => {
  test('a pre-vote asks for the next term without taking it; a real vote request is no transfer unless it is one', () => {
    const net = new Network();
    const term = net.raft('n1').term;
    net.campaign('n1');
    expect(net.raft('n1').role).toBe('preCandidate');
    expect(net.raft('n1').term).toBe(term);
    const pre = ofType(net, 'preVote');
    expect(pre.map((m) => [m.to, m.term])).toEqual([
      ['n2', term + 1],
      ['n3', term + 1],
    ]);

    const real = new Network({ config: { preVote: false } });
    real.campaign('n1');
    expect(ofType(real, 'vote').map((m) => m.transfer)).toEqual([false, false]); // the receivers' leases hold

    const transfer = new Network({ config: { preVote: false } });
    campaign(transfer.raft('n1'), 'transfer');
    transfer.process('n1');
    expect(ofType(transfer, 'vote').map((m) => m.transfer)).toEqual([true, true]);
  });

  test('a pre-candidate counts only grants for the term it asked for, and never a real vote', () => {
    const net = new Network();
    net.campaign('n1');
    const term = net.raft('n1').term;
    // A grant of an earlier pre-vote round (its term is not term + 1): not counted.
    net.step({ type: 'preVoteResponse', from: 'n2', to: 'n1', term, granted: true });
    expect(net.raft('n1').role).toBe('preCandidate');
    // Real votes of the pre-candidate's current term (left from an earlier election): not counted.
    net.step({ type: 'voteResponse', from: 'n2', to: 'n1', term, granted: true });
    net.step({ type: 'voteResponse', from: 'n3', to: 'n1', term, granted: true });
    expect(net.raft('n1').role).toBe('preCandidate');
    // The grant asked for: a quorum with its own, so it campaigns for real.
    net.step({ type: 'preVoteResponse', from: 'n2', to: 'n1', term: term + 1, granted: true });
    expect([net.raft('n1').role, net.raft('n1').term]).toEqual(['candidate', term + 1]);
  });

  test('a lone voter that wins its pre-vote still runs the real election: it leads in the next term', () => {
    const net = new Network({ size: 1 });
    const term = net.raft('n1').term;
    net.campaign('n1');
    expect([net.raft('n1').role, net.raft('n1').term]).toEqual(['leader', term + 1]);
  });

  test('a candidate does not count a late pre-vote grant as a vote', () => {
    const net = new Network({ config: { preVote: false } });
    net.campaign('n1');
    const term = net.raft('n1').term;
    net.step({ type: 'preVoteResponse', from: 'n2', to: 'n1', term, granted: true });
    net.step({ type: 'preVoteResponse', from: 'n3', to: 'n1', term: term + 1, granted: true });
    expect(net.raft('n1').role).toBe('candidate');
    net.step({ type: 'voteResponse', from: 'n2', to: 'n1', term, granted: true });
    expect(net.raft('n1').role).toBe('leader');
  });
});

describe('a follower behind nothing', () => {
  /** n1 leads; n2 has committed `net.raft('n2').log.committed` and holds every entry. */
  function settled(): Network {
    const net = new Network();
    net.elect('n1');
    net.propose('n1', 'a', 'b', 'c', 'd');
    net.stabilize();
    net.tickAll();
    net.stabilize();
    return net;
  }

  test('an append older than its commit index is answered with the commit index, not by re-matching it', () => {
    const net = settled();
    const n2 = net.raft('n2');
    const committed = n2.log.committed;
    const rd = net.step({ type: 'append', from: 'n1', to: 'n2', term: n2.term, prevIndex: committed - 2, prevTerm: n2.log.term(committed - 2)!, entries: [], commit: committed });
    const answers = rd.flatMap((r) => r.messages).filter((m) => m.type === 'appendResponse');
    expect(answers).toEqual([expect.objectContaining({ success: true, index: committed })]);
  });

  test('a snapshot at or below its commit index changes nothing and is answered with the commit index', () => {
    const net = settled();
    const n2 = net.raft('n2');
    const committed = n2.log.committed;
    const last = n2.log.lastIndex();
    const old = { index: committed - 1, term: n2.log.term(committed - 1)!, conf: n2.conf() };
    const rd = net.step({ type: 'snapshot', from: 'n1', to: 'n2', term: n2.term, snapshot: old } as Message);
    const answers = rd.flatMap((r) => r.messages).filter((m) => m.type === 'appendResponse');
    expect(answers).toEqual([expect.objectContaining({ success: true, index: committed })]);
    expect([n2.log.lastIndex(), n2.log.committed]).toEqual([last, committed]);
  });

  test('a snapshot whose last entry it already holds commits up to it and keeps the entries after it', () => {
    const net = new Network();
    net.elect('n1');
    net.tickAll();
    net.stabilize();
    // n2 receives entries but not the commit index that covers them.
    net.drop((m) => m.to === 'n2' && m.type === 'heartbeat');
    const restore = net.drop((m) => m.to === 'n3');
    net.propose('n1', 'a', 'b', 'c');
    net.stabilize();
    restore();
    const n2 = net.raft('n2');
    const committedBefore = n2.log.committed;
    const last = n2.log.lastIndex();
    expect(last).toBeGreaterThan(committedBefore + 1);
    const meta = { index: last - 1, term: n2.log.term(last - 1)!, conf: n2.conf() };
    const rd = net.step({ type: 'snapshot', from: 'n1', to: 'n2', term: n2.term, snapshot: meta } as Message);
    expect(rd.flatMap((r) => r.messages).filter((m) => m.type === 'appendResponse')).toEqual([expect.objectContaining({ success: true, index: last - 1 })]);
    expect([n2.log.committed, n2.log.lastIndex(), n2.log.snapshotIndex]).toEqual([last - 1, last, 0]);
  });
});
