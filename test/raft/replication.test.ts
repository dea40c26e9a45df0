import { describe, expect, test } from 'vitest';
import { encode, Network, valueOf } from './harness.js';

/** A cluster of three with n1 elected in term 2 and every follower caught up and committed. */
function electedCluster(config = {}): Network {
  const net = new Network({ config });
  net.elect('n1');
  net.tickAll();
  return net;
}

describe('§5.3 log replication', () => {
  test('followers learn a new commit index from the next append, or at the next tick; never from an append of its own', () => {
    const net = electedCluster();
    net.tickAll(2);
    const sentBefore = net.sentWhere('append').length;
    const a = net.propose('n1', 'a');
    net.stabilize();
    expect(net.raft('n1').log.committed).toBe(a.index);
    expect(net.raft('n2').log.committed).toBe(a.index - 1);
    // Only the append carrying 'a' went to each follower: no commit-only append followed it.
    expect(net.sentWhere('append').slice(sentBefore).map((m) => m.entries.length)).toEqual([1, 1]);

    const b = net.propose('n1', 'b');
    net.stabilize();
    expect(net.raft('n2').log.committed).toBe(a.index); // carried by the append of 'b'
    expect(net.applied('n2')).toEqual(['a']);

    net.tick('n1');
    net.stabilize();
    for (const id of ['n2', 'n3']) expect(net.raft(id).log.committed).toBe(b.index);
    expect(net.applied('n3')).toEqual(['a', 'b']);
  });

  test('an append whose (prevIndex, prevTerm) is not in the log is rejected with a hint, and changes nothing', () => {
    const net = electedCluster();
    const before = net.logTerms('n2');

    const wrongTerm = net.step({ type: 'append', from: 'n1', to: 'n2', term: 2, prevIndex: 2, prevTerm: 1, entries: [], commit: 2 });
    const beyondEnd = net.step({ type: 'append', from: 'n1', to: 'n2', term: 2, prevIndex: 5, prevTerm: 2, entries: [], commit: 2 });

    expect(wrongTerm[0]!.messages).toEqual([
      expect.objectContaining({ type: 'appendResponse', success: false, index: 2, hintIndex: 1, hintTerm: 1 }),
    ]);
    expect(beyondEnd[0]!.messages).toEqual([
      expect.objectContaining({ type: 'appendResponse', success: false, index: 5, hintIndex: 2, hintTerm: 2 }),
    ]);
    expect(net.logTerms('n2')).toEqual(before);
  });

  test("a follower's conflicting uncommitted suffix is overwritten by the new leader's entries", () => {
    const net = electedCluster();
    const healN1 = net.isolate('n1');
    net.propose('n1', 'lost-1', 'lost-2'); // indexes 3-4 of term 2, only on n1
    net.tickAll(10); // n2 and n3 stop hearing from n1 for an election timeout
    net.elect('n2');
    net.propose('n2', 'kept'); // n2's no-op is index 3 of term 3, 'kept' index 4
    net.stabilize();
    expect(net.logTerms('n1')).toEqual([1, 2, 2, 2]);

    healN1();
    net.tickAll(3);

    expect(net.raft('n1').leader).toBe('n2');
    expect(net.logTerms('n1')).toEqual([1, 2, 3, 3]);
    for (const id of net.ids()) expect(net.applied(id)).toEqual(['kept']);
  });

  test('fast back-off: a divergent tail of an old term is repaired in one rejected round trip, whatever its length', () => {
    const rejections = [5, 50, 200].map((tail) => {
      const leaderLog = Array<number>(60).fill(3);
      const net = new Network({ logs: { n1: leaderLog, n2: leaderLog, n3: Array<number>(tail).fill(2) } });
      net.elect('n1');
      net.tickAll();
      expect(net.logTerms('n3')).toEqual(net.logTerms('n1'));
      return net.sentWhere('appendResponse', (m) => m.from === 'n3' && !m.success).length;
    });
    expect(rejections).toEqual([1, 1, 1]);
  });

  test('proposals made before the next Ready go to each follower in one append message', () => {
    const net = electedCluster();
    const before = net.sent.length;
    net.request('n1', (r) => {
      r.propose([encode('a')]);
      r.propose([encode('b')]);
      r.propose([encode('c')]);
    });

    const appends = net.sent.slice(before).filter((m) => m.type === 'append');
    expect(appends.map((m) => (m.type === 'append' ? [m.to, m.entries.map(valueOf)] : null)).sort()).toEqual([
      ['n2', ['a', 'b', 'c']],
      ['n3', ['a', 'b', 'c']],
    ]);
  });

  test('flow control: with maxInflightMsgs=2 at most two unacknowledged appends go to a replicating follower', () => {
    const net = electedCluster({ maxInflightMsgs: 2 });
    for (const v of ['a', 'b', 'c', 'd', 'e']) net.propose('n1', v);

    const toN2 = net.inFlight().filter((m) => m.type === 'append' && m.to === 'n2');
    expect(toN2.map((m) => (m.type === 'append' ? m.entries.map(valueOf) : []))).toEqual([['a'], ['b']]);

    // Each acknowledgement opens the window again; the rest follows without any tick.
    net.stabilize();
    expect(net.raft('n2').log.lastIndex()).toBe(net.raft('n1').log.lastIndex());
  });

  test('a follower whose appends were lost while the window was full recovers on heartbeats (sim seed 10)', () => {
    const net = electedCluster({ maxInflightMsgs: 2 });
    const restore = net.drop((m) => m.type === 'append' && m.to === 'n2');
    for (const v of ['a', 'b', 'c', 'd']) net.propose('n1', v);
    net.stabilize();
    restore();
    // Two appends are lost and the window is full: nothing more is sent until a heartbeat.
    expect(net.raft('n1').status().followers.find((f) => f.id === 'n2')).toMatchObject({ state: 'replicate', match: 2 });

    net.tickAll(3);

    expect(net.raft('n2').log.lastIndex()).toBe(6);
    expect(net.applied('n2')).toEqual(['a', 'b', 'c', 'd']);
  });

  test("a heartbeat never tells a follower to commit past the leader's known match for it", () => {
    // n2 holds entries 2-4 of the stale term 2; the leader's log has different entries there.
    const net = new Network({ logs: { n1: [3], n2: [2, 2, 2], n3: [3] } });
    net.drop((m) => m.type === 'append' && m.to === 'n2');
    net.elect('n1'); // term 4; its no-op is index 3
    net.propose('n1', 'x'); // index 4
    net.tickAll(3);
    expect(net.raft('n1').log.committed).toBe(4);

    const commits = net.sentWhere('heartbeat', (m) => m.to === 'n2').map((m) => m.commit);
    expect(commits.length).toBeGreaterThan(0);
    expect(Math.max(...commits)).toBe(0);
    // Had n2 believed commit=4, it would have committed its own, never-committed, term-2 entries.
    expect(net.raft('n2').log.committed).toBe(1);

    net.heal();
    net.tickAll(2);
    expect(net.logTerms('n2')).toEqual([1, 3, 4, 4]);
    expect(net.applied('n2')).toEqual(net.applied('n1'));
    expect(net.applied('n2')).toEqual(['i2t3', 'x']);
  });
});
