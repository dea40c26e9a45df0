// Leadership transfer (thesis §3.10): the leader brings the target up to date, then tells it to
// campaign at once with TimeoutNow; client proposals wait meanwhile.
import { describe, expect, test } from 'vitest';
import { InvalidRequestError, ProposalDroppedError } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network } from './harness.js';

function electedCluster(): Network {
  const net = new Network();
  net.elect('n1');
  net.tickAll();
  return net;
}

describe('leadership transfer', () => {
  test('to an up-to-date follower: TimeoutNow leaves at once and the target wins the next term', () => {
    const net = electedCluster();
    const mark = net.sent.length;
    net.request('n1', (r) => r.transferLeadership('n2'));
    expect(net.inFlight()).toEqual([expect.objectContaining({ type: 'timeoutNow', from: 'n1', to: 'n2' })]);

    net.stabilize();
    expect(net.leader()).toBe('n2');
    expect(net.raft('n2').term).toBe(3);
    expect(net.raft('n1').role).toBe('follower');
    // The target campaigns without pre-vote, flagged so that followers' leases do not stop it.
    expect(net.sent.slice(mark).filter((m) => m.type === 'preVote')).toEqual([]);
    expect(net.sentWhere('vote', (m) => m.from === 'n2').every((m) => m.transfer)).toBe(true);
  });

  test('to a lagging follower: the leader first brings it up to date, then sends TimeoutNow', () => {
    const net = electedCluster();
    const restore = net.drop((m) => m.type === 'append' && m.to === 'n2');
    const { index } = net.propose('n1', 'a');
    net.stabilize();
    restore();

    net.request('n1', (r) => r.transferLeadership('n2'));
    expect(net.inFlight().filter((m) => m.type === 'timeoutNow')).toEqual([]);
    net.tickAll(2);

    const caughtUp = net.sent.findIndex((m) => m.type === 'appendResponse' && m.from === 'n2' && m.success && m.index >= index);
    const timeoutNow = net.sent.findIndex((m) => m.type === 'timeoutNow');
    expect(caughtUp).toBeGreaterThanOrEqual(0);
    expect(timeoutNow).toBeGreaterThan(caughtUp);
    expect(net.leader()).toBe('n2');
    expect(net.applied('n2')).toEqual(['a']);
  });

  test('proposals and membership changes during a transfer are refused with ProposalDroppedError', () => {
    const net = electedCluster();
    net.isolate('n2');
    net.request('n1', (r) => r.transferLeadership('n2'));
    expect(() => net.propose('n1', 'x')).toThrow(ProposalDroppedError);
    expect(() => net.request('n1', (r) => r.proposeConfChange([{ op: 'addLearner', id: 'n4' }]))).toThrow(ProposalDroppedError);
  });

  test('a transfer to an unreachable target is abandoned after an election timeout; proposals are accepted again', () => {
    const net = electedCluster();
    net.isolate('n2');
    net.request('n1', (r) => r.transferLeadership('n2'));
    net.tickAll(ELECTION_TICKS - 1);
    expect(() => net.propose('n1', 'x')).toThrow(ProposalDroppedError);

    net.tickAll();
    expect(net.raft('n1').status().transferTarget).toBeNull();
    const { index } = net.propose('n1', 'x');
    net.stabilize();
    expect(net.raft('n1').log.committed).toBe(index);
    expect(net.raft('n1').term).toBe(2);
  });

  test('a transfer to a learner, to the leader itself or to a stranger is refused with InvalidRequestError', () => {
    const net = electedCluster();
    net.addNode('n4');
    net.request('n1', (r) => r.proposeConfChange([{ op: 'addLearner', id: 'n4' }]));
    net.tickAll(2);

    for (const to of ['n4', 'n1', 'n9']) {
      expect(() => net.request('n1', (r) => r.transferLeadership(to))).toThrow(InvalidRequestError);
    }
    expect(net.raft('n1').status().transferTarget).toBeNull();
    expect(() => net.propose('n1', 'x')).not.toThrow();
  });
});
