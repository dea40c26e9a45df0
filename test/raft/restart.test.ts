import { describe, expect, test } from 'vitest';
import { ELECTION_TICKS, Network } from './harness.js';

describe('restart from disk', () => {
  test('a restarted node keeps its term, vote, log and commit index', () => {
    const net = new Network();
    net.elect('n1');
    net.propose('n1', 'a', 'b', 'c');
    net.tickAll(2); // replicate; the followers hear of the commit at the leader's next tick
    const state = (id: string) => {
      const r = net.raft(id);
      return { term: r.term, vote: r.vote, commit: r.log.committed, log: net.logTerms(id) };
    };
    const before = net.ids().map(state);
    expect(before[1]).toEqual({ term: 2, vote: 'n1', commit: 5, log: [1, 2, 2, 2, 2] });

    for (const id of net.ids()) net.crash(id);
    for (const id of net.ids()) net.restart(id);

    expect(net.ids().map(state)).toEqual(before);
    for (const id of net.ids()) expect(net.raft(id).role).toBe('follower');
  });

  test('a restarted node re-applies nothing at or below its applied index', () => {
    const net = new Network();
    net.elect('n1');
    net.propose('n1', 'a', 'b');
    net.tickAll(2); // replicate; the followers hear of the commit at the leader's next tick
    net.crash('n2');
    net.propose('n1', 'c');
    net.stabilize();
    const appliedBeforeCrash = net.peer('n2').disk.applied;

    net.restart('n2');
    net.tickAll(2);

    const reapplied = net.peer('n2').appliedLog.filter((a) => a.incarnation === 1);
    expect(reapplied.map((a) => a.index)).toEqual([appliedBeforeCrash + 1]);
    expect(net.applied('n2')).toEqual(['a', 'b', 'c']);
  });

  test('a whole cluster restarted from disk elects a leader in a later term and loses nothing', () => {
    const net = new Network();
    net.elect('n1');
    net.propose('n1', 'a');
    net.tickAll(2); // replicate; the followers hear of the commit at the leader's next tick
    for (const id of net.ids()) net.crash(id);
    for (const id of net.ids()) net.restart(id);

    net.tickAll(ELECTION_TICKS); // every node's quiet period after a restart
    net.elect('n2');
    net.tickAll();
    expect(net.raft('n2').term).toBe(3);
    for (const id of net.ids()) {
      expect(net.applied(id)).toEqual(['a']);
      expect(net.peer(id).appliedLog.filter((a) => a.incarnation === 1).map((a) => a.index)).toEqual([4]);
    }
  });
});
