import { describe, expect, test } from 'vitest';
import { EntryType, InvalidRequestError, ProposalDroppedError, simpleConf } from '../../src/raft/index.js';
import type { ConfChangeItem } from '../../src/raft/index.js';
import { Network } from './harness.js';

function electedCluster(): Network {
  const net = new Network();
  net.elect('n1');
  net.tickAll();
  return net;
}

/** Proposes a membership change on the leader n1 and returns the index of its enterJoint entry. */
function change(net: Network, changes: ConfChangeItem[]): number {
  return net.request('n1', (r) => r.proposeConfChange(changes)).index;
}

/** The kinds of the configuration entries in `id`'s log, in order. */
function confEntries(net: Network, id: string): string[] {
  const log = net.raft(id).log;
  const out: string[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) {
    const e = log.entryAt(i)!;
    if (e.type === EntryType.ConfChange) out.push(e.conf!.type);
  }
  return out;
}

/**
 * n1 leads {n1, n2, n3} with learners n4, n5 and starts moving to {n1, n4, n5}: the joint
 * configuration commits everywhere, but every copy of the leaveJoint entry is lost. Then n1 is
 * cut off for an election timeout, so that the others stop deferring to it.
 */
function stuckInJoint(): Network {
  const net = electedCluster();
  net.addNode('n4');
  net.addNode('n5');
  change(net, [
    { op: 'addLearner', id: 'n4' },
    { op: 'addLearner', id: 'n5' },
  ]);
  net.tickAll(2);
  net.drop((m) => m.type === 'append' && m.entries.some((e) => e.conf?.type === 'leaveJoint'));
  const enter = change(net, [
    { op: 'addVoter', id: 'n4' },
    { op: 'addVoter', id: 'n5' },
    { op: 'remove', id: 'n2' },
    { op: 'remove', id: 'n3' },
  ]);
  net.tickAll(2);
  // n1 uses C_new as soon as its log holds the leaveJoint entry (thesis §4.1), and so stopped
  // replicating to n2 and n3; everybody else still uses the joint configuration.
  expect(net.raft('n1').status().followers.map((f) => f.id)).toEqual(['n4', 'n5']);
  for (const id of ['n2', 'n3', 'n4', 'n5']) {
    expect(net.raft(id).log.lastIndex()).toBe(enter);
    expect(net.raft(id).conf().votersOutgoing).toEqual(['n1', 'n2', 'n3']);
  }
  net.isolate('n1');
  net.tickAll(10);
  return net;
}

describe('§6 membership changes (joint consensus)', () => {
  test('a learner receives the log but neither counts for commit nor campaigns', () => {
    const net = electedCluster();
    net.propose('n1', 'a');
    net.addNode('n4');
    change(net, [{ op: 'addLearner', id: 'n4' }]);
    net.tickAll(2);
    expect(net.raft('n1').conf()).toEqual(simpleConf(['n1', 'n2', 'n3'], ['n4']));
    expect(net.applied('n4')).toEqual(['a']);

    // n1 and n4 are half the members but only one voter of three: 'b' cannot commit.
    net.isolate('n2');
    net.isolate('n3');
    const { index } = net.propose('n1', 'b');
    net.stabilize();
    expect(net.raft('n4').log.lastIndex()).toBe(index);
    expect(net.raft('n1').log.committed).toBe(index - 1);

    net.tick('n4', 100);
    expect(net.raft('n4').role).toBe('follower');
    expect(net.sent.filter((m) => m.from === 'n4' && (m.type === 'vote' || m.type === 'preVote'))).toEqual([]);
  });

  test('promoting a learner enters the joint configuration, which the leader then leaves by itself', () => {
    const net = electedCluster();
    net.addNode('n4');
    change(net, [{ op: 'addLearner', id: 'n4' }]);
    net.tickAll(2);

    change(net, [{ op: 'addVoter', id: 'n4' }]);
    net.tickAll(2);

    for (const id of net.ids()) {
      expect(net.raft(id).conf()).toEqual(simpleConf(['n1', 'n2', 'n3', 'n4']));
      expect(confEntries(net, id)).toEqual(['bootstrap', 'enterJoint', 'leaveJoint', 'enterJoint', 'leaveJoint']);
    }
  });

  test('a joint configuration commits only with a majority of the old voters and of the new', () => {
    const net = electedCluster();
    net.addNode('n4');
    net.addNode('n5');
    change(net, [
      { op: 'addLearner', id: 'n4' },
      { op: 'addLearner', id: 'n5' },
    ]);
    net.tickAll(2);

    net.isolate('n2');
    net.isolate('n3');
    const enter = change(net, [
      { op: 'addVoter', id: 'n4' },
      { op: 'addVoter', id: 'n5' },
      { op: 'remove', id: 'n2' },
      { op: 'remove', id: 'n3' },
    ]);
    net.stabilize();
    // The new voters {n1, n4, n5} all hold it; of the old {n1, n2, n3} only n1 does.
    for (const id of ['n1', 'n4', 'n5']) expect(net.raft(id).log.lastIndex()).toBe(enter);
    expect(net.raft('n1').log.committed).toBe(enter - 1);

    net.heal();
    net.tickAll(2);
    expect(net.raft('n1').log.committed).toBe(enter + 1); // the leaveJoint entry
    expect(net.raft('n1').conf()).toEqual(simpleConf(['n1', 'n4', 'n5']));
  });

  test('a removed follower no longer counts: the remaining voters commit without it', () => {
    const net = electedCluster();
    change(net, [{ op: 'remove', id: 'n3' }]);
    net.tickAll(2);
    expect(net.raft('n1').conf()).toEqual(simpleConf(['n1', 'n2']));
    expect(net.raft('n1').status().followers.map((f) => f.id)).toEqual(['n2']);

    net.isolate('n3');
    const { index } = net.propose('n1', 'x');
    net.stabilize();
    expect(net.raft('n1').log.committed).toBe(index);
  });

  test('a leader that removes itself leads until C_new commits, then steps down and sends TimeoutNow to a voter', () => {
    const net = electedCluster();
    const mark = net.peer('n1').readies.length;
    const enter = change(net, [{ op: 'remove', id: 'n1' }]);
    net.stabilize();

    // Walk n1's Readies: it was still leader when C_old,new committed, and stepped down in the
    // Ready where C_new (the leaveJoint entry) committed.
    let commit = 0;
    let stepDownCommit = -1;
    for (const rd of net.peer('n1').readies.slice(mark)) {
      commit = rd.hardState?.commit ?? commit;
      if (rd.softState?.role === 'follower') stepDownCommit = commit;
    }
    expect(stepDownCommit).toBe(enter + 1);
    const handOff = net.sentWhere('timeoutNow', (m) => m.from === 'n1');
    expect(handOff).toHaveLength(1);
    const successor = handOff[0]!.to;
    expect(['n2', 'n3']).toContain(successor);

    expect(net.leader()).toBe(successor);
    expect(net.raft(successor).term).toBe(3);
    expect(net.raft(successor).conf()).toEqual(simpleConf(['n2', 'n3']));
  });

  test('a second membership change while one is pending is refused with ProposalDroppedError', () => {
    const net = electedCluster();
    const before = net.raft('n1').log.lastIndex();
    change(net, [{ op: 'addLearner', id: 'n4' }]);
    expect(() => change(net, [{ op: 'addLearner', id: 'n5' }])).toThrow(ProposalDroppedError);
    expect(net.raft('n1').log.lastIndex()).toBe(before + 1);

    net.tickAll(2);
    expect(() => change(net, [{ op: 'addLearner', id: 'n5' }])).not.toThrow();
  });

  test.each([
    ['removes every voter', [{ op: 'remove', id: 'n1' }, { op: 'remove', id: 'n2' }, { op: 'remove', id: 'n3' }]],
    ['names a node twice', [{ op: 'addLearner', id: 'n4' }, { op: 'addVoter', id: 'n4' }]],
    ['is empty', []],
  ] as [string, ConfChangeItem[]][])('a change that %s is refused with InvalidRequestError and appends nothing', (_, changes) => {
    const net = electedCluster();
    const before = net.raft('n1').log.lastIndex();
    expect(() => change(net, changes)).toThrow(InvalidRequestError);
    expect(net.raft('n1').log.lastIndex()).toBe(before);
    // Nothing is left pending: a valid change is accepted next.
    expect(() => change(net, [{ op: 'addLearner', id: 'n4' }])).not.toThrow();
  });

  test('while joint, a candidate needs the votes of a majority of the old voters and of the new', () => {
    const net = stuckInJoint();
    const restore = net.drop((m) => (m.type === 'preVoteResponse' || m.type === 'voteResponse') && (m.from === 'n2' || m.from === 'n3'));
    net.campaign('n4'); // n4 and n5 are a majority of {n1, n4, n5} but nobody of {n1, n2, n3}
    net.stabilize();
    expect(net.raft('n4').role).toBe('preCandidate');

    restore();
    net.elect('n4');
    expect(net.raft('n4').role).toBe('leader');
  });

  test('a leader elected in a joint configuration leaves it by itself once its no-op commits', () => {
    const net = stuckInJoint();
    net.heal();
    net.isolate('n1');
    net.campaign('n2'); // an outgoing voter wins; C_new does not contain it
    net.stabilize();
    expect(net.roles('n2')).toContainEqual({ role: 'leader', term: 3 });
    net.tickAll(3);

    for (const id of ['n4', 'n5']) expect(net.raft(id).conf()).toEqual(simpleConf(['n1', 'n4', 'n5']));
    // Having committed C_new without itself, n2 handed leadership to a member of C_new.
    expect(net.raft('n2').role).toBe('follower');
    expect(['n4', 'n5']).toContain(net.leader());
  });
});
