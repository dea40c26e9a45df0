// How a leader replicates, message by message: what one broadcast sends, when an entry-less
// append goes out (only to carry a new commit index), how a probed follower is paced and found,
// how flow control counts bytes, and when a follower stuck on a snapshot is tried again. Each case
// was written against a StrykerJS survivor in src/raft/leader.ts.
import { describe, expect, test } from 'vitest';
import { entryBytes } from '../../src/raft/log.js';
import { EntryType, type Message } from '../../src/raft/index.js';
import { ELECTION_TICKS, encode, Network } from './harness.js';

function electedCluster(opts: ConstructorParameters<typeof Network>[0] = {}): Network {
  const net = new Network(opts);
  net.elect('n1');
  net.tickAll();
  return net;
}

type Append = Message & { type: 'append' };

/** The appends in `msgs` to `to`, as the lists of entry indexes they carry. */
const appendedTo = (msgs: Message[], to: string): number[][] =>
  msgs.filter((m): m is Append => m.type === 'append' && m.to === to).map((m) => m.entries.map((e) => e.index));

const followerState = (net: Network, id: string) => net.raft('n1').status().followers.find((f) => f.id === id)!.state;

describe('what a broadcast sends', () => {
  test('entries beyond maxEntriesPerMsg go to a replicating follower in several appends of one Ready', () => {
    const net = electedCluster({ config: { maxEntriesPerMsg: 2 } });
    const first = net.raft('n1').log.lastIndex() + 1;
    const before = net.sent.length;
    net.propose('n1', 'a', 'b', 'c', 'd', 'e');
    expect(appendedTo(net.sent.slice(before), 'n2')).toEqual([
      [first, first + 1],
      [first + 2, first + 3],
      [first + 4],
    ]);
  });

  test('a probed follower is found at the hint of its rejection, then gets its whole backlog at once, in one Ready', () => {
    // n3 holds only the bootstrap entry; n1 and n2 hold indexes 2-7 of term 2.
    const full = [2, 2, 2, 2, 2, 2];
    const net = new Network({ logs: { n1: full, n2: full, n3: [] }, config: { maxEntriesPerMsg: 2 } });
    net.elect('n1'); // its no-op is index 8
    const all = net.sentWhere('append', (m) => m.to === 'n3').map((m) => m.entries.map((e) => e.index));
    expect(all).toEqual([[8], [2, 3], [4, 5], [6, 7], [8]]);
    // The acknowledgement of the probe (2-3) made n3 a replicating follower: the rest left together.
    const streamed = net.peer('n1').readies.find((rd) => appendedTo(rd.messages, 'n3').some((ix) => ix[0] === 4))!;
    expect(appendedTo(streamed.messages, 'n3')).toEqual([[4, 5], [6, 7], [8]]);
    expect(net.logTerms('n3')).toEqual(net.logTerms('n1'));
  });

  test('an entry-less append goes out only to carry a new commit index, also to a member added in the same Ready', () => {
    // Without a commit: the new learner n4 has nothing to receive yet and is sent nothing.
    const quiet = electedCluster();
    const r = quiet.raft('n1');
    r.proposeConfChange([{ op: 'addLearner', id: 'n4' }]);
    const rd = r.ready();
    expect(appendedTo(rd.messages, 'n4')).toEqual([]);
    quiet.handle('n1', rd);
    r.advance(rd);

    // With a commit in the same Ready: n4 is told the new commit index at once.
    const net = electedCluster();
    const n1 = net.raft('n1');
    const a = net.propose('n1', 'a');
    net.deliverInFlight(); // the appends of 'a' reach n2 and n3; their acks are in flight
    const ack = net.inFlight().find((m) => m.type === 'appendResponse' && m.from === 'n2')!;
    n1.step(ack); // 'a' commits
    n1.proposeConfChange([{ op: 'addLearner', id: 'n4' }]);
    const both = n1.ready();
    const toN4 = both.messages.filter((m): m is Append => m.type === 'append' && m.to === 'n4');
    expect(toN4.map((m) => [m.entries.length, m.commit])).toEqual([[0, a.index]]);
    net.handle('n1', both);
    n1.advance(both);
    // That broadcast told everyone the commit: nothing is left to flush.
    expect(n1.hasReady()).toBe(false);
  });
});

describe('commit index and heartbeats (heartbeatTicks 5)', () => {
  test('a commit no append carried goes out at the next tick; one an append carried does not; heartbeats every 5th tick', () => {
    const net = new Network({ config: { heartbeatTicks: 5 } });
    net.elect('n1'); // heartbeat clock at 0
    const tickN1 = (): Message[] => {
      const before = net.sent.length;
      net.tick('n1');
      const out = net.sent.slice(before);
      net.stabilize();
      return out;
    };
    tickN1(); // tick 1: tells the followers the no-op's commit

    const a = net.propose('n1', 'a');
    net.stabilize();
    expect(net.raft('n2').log.committed).toBe(a.index - 1);
    const tick2 = tickN1();
    expect(tick2.map((m) => [m.type, m.to, m.type === 'append' ? [m.entries.length, m.commit] : null])).toEqual([
      ['append', 'n2', [0, a.index]],
      ['append', 'n3', [0, a.index]],
    ]);
    expect(net.raft('n2').log.committed).toBe(a.index);

    const b = net.propose('n1', 'b');
    net.stabilize(); // 'b' commits on n1 only
    const restore = net.drop((m) => m.type === 'appendResponse');
    net.propose('n1', 'c'); // its append carries b's commit; its acks are lost
    net.stabilize();
    restore();
    expect(net.raft('n2').log.committed).toBe(b.index);
    expect(tickN1()).toEqual([]); // tick 3: nothing new to tell
    expect(tickN1()).toEqual([]); // tick 4
    expect(tickN1().map((m) => m.type)).toEqual(['heartbeat', 'heartbeat']); // tick 5
  });
});

describe('pacing a follower', () => {
  test('a probed follower has one append outstanding: proposals wait for its answer or a heartbeat', () => {
    const net = new Network();
    const restore = net.drop((m) => m.type === 'appendResponse');
    net.elect('n1'); // the no-op's appends are the probes; their answers are lost
    restore();
    const before = net.sent.length;
    net.propose('n1', 'a');
    net.propose('n1', 'b');
    expect(net.sent.slice(before)).toEqual([]);
    expect([followerState(net, 'n2'), followerState(net, 'n3')]).toEqual(['probe', 'probe']);

    net.tickAll(); // heartbeat answers release the probe
    expect(net.applied('n2')).toEqual([]);
    net.tickAll();
    expect(net.applied('n2')).toEqual(['a', 'b']);
  });

  test('the inflight window is full at maxInflightBytes of entries: the next proposal waits for an ack', () => {
    const value = 'x'.repeat(100);
    const bytes = entryBytes({ index: 0, term: 0, type: EntryType.Normal, data: encode(value) });
    const net = electedCluster({ config: { maxInflightBytes: 2 * bytes } });
    const before = net.sent.length;
    for (let k = 0; k < 3; k++) net.propose('n1', value);
    expect(appendedTo(net.sent.slice(before), 'n2')).toHaveLength(2);
    net.stabilize();
    expect(net.raft('n2').log.lastIndex()).toBe(net.raft('n1').log.lastIndex());
  });

  test('the ack of the first of two appends in flight sends nothing again', () => {
    const net = electedCluster();
    net.propose('n1', 'a');
    net.propose('n1', 'b');
    const toN2 = net.inFlight().filter((m): m is Append => m.type === 'append' && m.to === 'n2');
    expect(toN2).toHaveLength(2);
    const ack = net.step(toN2[0]!).flatMap((rd) => rd.messages)[0]!;
    expect(ack).toMatchObject({ type: 'appendResponse', success: true });
    const answer = net.step(ack).flatMap((rd) => rd.messages);
    expect(answer).toEqual([]);
    expect(followerState(net, 'n2')).toBe('replicate');
  });

  test('a rejection from a replicating follower sends it back to probing from its match index', () => {
    const net = electedCluster();
    const a = net.propose('n1', 'a');
    net.propose('n1', 'b');
    const n1 = net.raft('n1');
    // n2 rejects the append of 'b' (prevIndex a): it lost 'a'.
    const answer = net.step({ type: 'appendResponse', from: 'n2', to: 'n1', term: n1.term, success: false, index: a.index, hintIndex: a.index - 1, hintTerm: n1.term });
    expect(followerState(net, 'n2')).toBe('probe');
    expect(appendedTo(answer.flatMap((rd) => rd.messages), 'n2')).toEqual([[a.index, a.index + 1]]);
  });

  test('a heartbeat answer frees an inflight slot only when the window is full', () => {
    const net = electedCluster({ config: { maxInflightMsgs: 2 } });
    net.propose('n1', 'a'); // one of two slots taken
    net.tick('n1');
    net.deliverInFlight(); // the append of 'a' and the heartbeats arrive; the answers are in flight
    const hbAnswer = net.inFlight().find((m) => m.type === 'heartbeatResponse' && m.from === 'n2')!;
    net.step(hbAnswer); // the window is not full: the slot of 'a' stays taken
    const before = net.sent.length;
    net.propose('n1', 'b');
    net.propose('n1', 'c');
    expect(appendedTo(net.sent.slice(before), 'n2')).toHaveLength(1);
  });
});

describe('snapshots', () => {
  /** n1 leads; n3 missed indexes 3-7, which n1 then compacted. n3 is reachable again. */
  function laggingBehindCompaction(): Network {
    const net = electedCluster();
    const heal = net.isolate('n3');
    for (const v of ['a', 'b', 'c', 'd', 'e']) net.propose('n1', v);
    net.stabilize();
    net.compact('n1');
    heal();
    return net;
  }

  test('a snapshot with no answer is sent again at the first heartbeat more than 2 election timeouts after it', () => {
    const net = laggingBehindCompaction();
    let lost = 0;
    net.drop((m) => m.type === 'snapshot' && lost++ === 0);
    net.tickAll(); // the snapshot leaves (and is lost)
    const snapshots = () => net.sentWhere('snapshot', (m) => m.to === 'n3').length;
    expect([snapshots(), followerState(net, 'n3')]).toEqual([1, 'snapshot']);
    net.tickAll(2 * ELECTION_TICKS);
    expect([snapshots(), followerState(net, 'n3')]).toEqual([1, 'snapshot']);
    net.tickAll();
    expect(snapshots()).toBe(2);
  });

  test('a follower that installed a snapshot whose answer was lost is found by the retry, then stays replicating', () => {
    const net = laggingBehindCompaction();
    let lost = 0;
    net.drop((m) => m.type === 'appendResponse' && m.from === 'n3' && m.success && lost++ === 0);
    net.tickAll(); // the snapshot arrives; its answer is lost
    expect([followerState(net, 'n3'), net.raft('n3').log.snapshotIndex]).toEqual(['snapshot', 7]);
    net.tickAll(2 * ELECTION_TICKS + 1); // the retry probes past the snapshot, and n3 accepts
    expect(net.sentWhere('snapshot', (m) => m.to === 'n3')).toHaveLength(1);
    expect(followerState(net, 'n3')).toBe('replicate');
    net.tick('n1'); // a heartbeat tick: the time n3 once spent in snapshot state counts no more
    expect(followerState(net, 'n3')).toBe('replicate');
  });

  test('an acknowledgement below the snapshot being sent does not end snapshot state, nor send it again', () => {
    const net = laggingBehindCompaction();
    net.drop((m) => m.type === 'snapshot');
    net.tickAll();
    expect(followerState(net, 'n3')).toBe('snapshot');
    const n1 = net.raft('n1');
    const match = n1.matchIndex('n3')!;
    const answer = net.step({ type: 'appendResponse', from: 'n3', to: 'n1', term: n1.term, success: true, index: match + 1, hintIndex: 0, hintTerm: 0 });
    expect([n1.matchIndex('n3'), followerState(net, 'n3')]).toEqual([match + 1, 'snapshot']);
    expect(answer.flatMap((rd) => rd.messages)).toEqual([]);
  });

  test('reportSnapshotFailure changes nothing for a replicating follower, and ignores an unknown one', () => {
    const net = electedCluster();
    const n1 = net.raft('n1');
    n1.reportSnapshotFailure('n2');
    expect(() => n1.reportSnapshotFailure('n9')).not.toThrow();
    expect(n1.status().followers.map((f) => f.state)).toEqual(['replicate', 'replicate']);
  });

  test('a new, empty member of a compacted leader is sent the snapshot in answer to its first rejection', () => {
    const net = laggingBehindCompaction();
    net.tickAll(3);
    net.compact('n1');
    net.addNode('n4');
    net.request('n1', (r) => r.proposeConfChange([{ op: 'addLearner', id: 'n4' }]));
    net.tickAll(3);
    // n4 rejects the probe at n1's last index with no hint (its log is empty): the next index to
    // try is 1, which n1 compacted, so what n4 gets next is the snapshot.
    const firstRejection = net.sent.findIndex((m) => m.type === 'appendResponse' && m.from === 'n4' && !m.success);
    expect(net.sent[firstRejection]).toMatchObject({ hintIndex: 0, hintTerm: 0 });
    expect(net.sent.slice(firstRejection).find((m) => m.to === 'n4')?.type).toBe('snapshot');
    expect(net.sentWhere('snapshot', (m) => m.to === 'n4')).toHaveLength(1);
    expect(net.raft('n4').log.lastIndex()).toBe(net.raft('n1').log.lastIndex());
  });
});
