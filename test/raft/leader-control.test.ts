// What a leader allows, refuses and reports: the uncommitted-entries bound, leadership transfer
// step by step, membership changes in flight, a removed leader's hand-over, reads confirmed by
// reordered heartbeat answers, deferred entries, its status report, and the invariant that no
// other leader of its term exists. Each case was written against a StrykerJS survivor in
// src/raft/leader.ts.
import { describe, expect, test } from 'vitest';
import { InvalidRequestError, ProposalDroppedError, RaftInvariantError, type Message } from '../../src/raft/index.js';
import { ELECTION_TICKS, encode, Network } from './harness.js';

function electedCluster(opts: ConstructorParameters<typeof Network>[0] = {}): Network {
  const net = new Network(opts);
  net.elect('n1');
  net.tickAll();
  return net;
}

const follower = (net: Network, id: string) => net.raft('n1').status().followers.find((f) => f.id === id)!;

describe('the uncommitted-entries bound', () => {
  test('a leader accepts up to maxUncommittedEntries uncommitted entries, counting a batch whole, and refuses more', () => {
    const net = electedCluster({ config: { maxUncommittedEntries: 3 } });
    expect(() => net.propose('n1', 'a', 'b', 'c', 'd')).toThrow(/too many uncommitted entries/);
    net.isolate('n2');
    net.isolate('n3');
    net.propose('n1', 'a', 'b');
    net.propose('n1', 'c');
    expect(() => net.propose('n1', 'd')).toThrow(ProposalDroppedError);
    expect(net.raft('n1').log.lastIndex() - net.raft('n1').log.committed).toBe(3);
  });
});

describe('leadership transfer', () => {
  /** n1 leads; n3 is cut off and lacks the latest two entries. */
  function laggingN3(): Network {
    const net = electedCluster();
    net.isolate('n3');
    net.propose('n1', 'a', 'b');
    net.stabilize();
    return net;
  }

  test('asking again for the same transfer does not restart its election-timeout bound', () => {
    const net = laggingN3();
    net.request('n1', (r) => r.transferLeadership('n3'));
    net.tickAll(ELECTION_TICKS / 2);
    expect(() => net.propose('n1', 'x')).toThrow(/leadership transfer to n3 in progress/);
    expect(() => net.request('n1', (r) => r.proposeConfChange([{ op: 'addLearner', id: 'n4' }]))).toThrow(/leadership transfer to n3 in progress/);
    net.request('n1', (r) => r.transferLeadership('n3'));
    net.tickAll(ELECTION_TICKS / 2);
    expect(net.raft('n1').status().transferTarget).toBeNull();
    expect(() => net.propose('n1', 'x')).not.toThrow();
  });

  test('a transfer to a target whose entries are all in flight sends it nothing more', () => {
    const net = electedCluster();
    net.propose('n1', 'a'); // its appends are in flight
    const before = net.sent.length;
    net.request('n1', (r) => r.transferLeadership('n2'));
    expect(net.sent.slice(before)).toEqual([]);
  });

  test('TimeoutNow waits until an acknowledgement shows the target holds the whole log', () => {
    const net = laggingN3();
    const n1 = net.raft('n1');
    net.request('n1', (r) => r.transferLeadership('n3'));
    const match = n1.matchIndex('n3')!;
    const last = n1.log.lastIndex();
    expect(match).toBeLessThan(last - 1);
    const partial = net.step({ type: 'appendResponse', from: 'n3', to: 'n1', term: n1.term, success: true, index: match + 1, hintIndex: 0, hintTerm: 0 });
    expect(partial.flatMap((rd) => rd.messages).filter((m) => m.type === 'timeoutNow')).toEqual([]);
    const whole = net.step({ type: 'appendResponse', from: 'n3', to: 'n1', term: n1.term, success: true, index: last, hintIndex: 0, hintTerm: 0 });
    expect(whole.flatMap((rd) => rd.messages).filter((m) => m.type === 'timeoutNow').map((m) => m.to)).toEqual(['n3']);
  });

  test('while a transfer is under way the lease serves no read, even before TimeoutNow left', () => {
    const net = laggingN3();
    net.tickAll();
    expect(net.raft('n1').status().leaseValid).toBe(true);
    net.request('n1', (r) => r.transferLeadership('n3'));
    expect(net.raft('n1').status().leaseValid).toBe(false);
    const before = net.peer('n1').readies.length;
    net.leaseRead('n1', 'r1');
    expect(net.peer('n1').readies.slice(before).flatMap((rd) => rd.readStates)).toEqual([]);
  });

  test('refusals say why: a transfer to itself or to a non-voter', () => {
    const net = electedCluster();
    expect(() => net.request('n1', (r) => r.transferLeadership('n1'))).toThrow(new InvalidRequestError('n1 is already the leader'));
    expect(() => net.request('n1', (r) => r.transferLeadership('n9'))).toThrow(new InvalidRequestError('n9 is not a voter'));
  });
});

describe('membership changes in flight', () => {
  test('the leader leaves joint consensus only once the joint configuration itself commits, not an entry before it', () => {
    const net = electedCluster();
    net.addNode('n4');
    // Entries carrying the joint configuration never arrive: only 'a' before it can commit.
    net.drop((m) => m.type === 'append' && m.entries.some((e) => e.conf?.type === 'enterJoint'));
    const a = net.propose('n1', 'a');
    const enter = net.request('n1', (r) => r.proposeConfChange([{ op: 'addVoter', id: 'n4' }])).index;
    net.stabilize();
    const n1 = net.raft('n1');
    expect(n1.log.committed).toBe(a.index);
    expect(n1.log.lastIndex()).toBe(enter); // no leaveJoint yet
    expect(() => net.request('n1', (r) => r.proposeConfChange([{ op: 'addLearner', id: 'n5' }]))).toThrow(/still being committed/);
  });

  test('a leader that removes itself hands over to the first most up-to-date voter, and sends nothing once it stepped down', () => {
    // Four voters; n4 gets no entries, so n2 and n3 are the most up to date. A window of one
    // message keeps an entry proposed after C_new waiting for the acknowledgements of C_new.
    const net = electedCluster({ size: 4, config: { maxInflightMsgs: 1 } });
    net.drop((m) => m.type === 'append' && m.to === 'n4');
    net.request('n1', (r) => r.proposeConfChange([{ op: 'remove', id: 'n1' }]));
    const n1Log = net.raft('n1').log;
    while (n1Log.entryAt(n1Log.lastIndex())!.conf?.type !== 'leaveJoint') expect(net.deliverInFlight()).toBeGreaterThan(0);
    net.propose('n1', 'x');
    const mark = net.peer('n1').readies.length;
    net.stabilize();
    const readies = net.peer('n1').readies.slice(mark);
    const stepDown = readies.findIndex((rd) => rd.softState?.role === 'follower');
    expect(stepDown).toBeGreaterThanOrEqual(0);
    const after = readies.slice(stepDown).flatMap((rd) => rd.messages);
    expect(after.filter((m) => m.type === 'timeoutNow').map((m) => m.to)).toEqual(['n2']);
    expect(after.filter((m) => m.type === 'append')).toEqual([]);
    expect(net.leader()).toBe('n2');
  });
});

describe('reads', () => {
  test('a late answer to an older heartbeat round does not undo a newer acknowledgement', () => {
    const net = electedCluster({ size: 5 });
    net.tick('n1');
    net.deliverInFlight(); // an earlier round reaches everyone; the answers are held back
    const old = net.inFlight().filter((m) => m.type === 'heartbeatResponse');
    const release = net.drop((m) => m.type === 'heartbeatResponse');
    net.stabilize();
    release();
    net.request('n1', (r) => r.readIndex('r1')); // round r goes out with the read
    net.deliverInFlight();
    const fresh = net.inFlight().filter((m): m is Message & { type: 'heartbeatResponse' } => m.type === 'heartbeatResponse');
    const from = (list: Message[], id: string) => list.find((m) => m.from === id)!;
    net.step(from(fresh, 'n2'));
    net.step(from(old, 'n2')); // late: acknowledges the round before
    expect(net.peer('n1').readStates).toEqual([]);
    net.step(from(fresh, 'n3')); // n1, n2 and n3 acknowledged round r
    expect(net.peer('n1').readStates.map((rs) => rs.ctx)).toEqual(['r1']);
  });

  test('a full read queue refuses with its reason', () => {
    const net = electedCluster({ config: { maxPendingReads: 1 } });
    net.isolate('n2');
    net.isolate('n3');
    net.request('n1', (r) => r.readIndex('r1'));
    expect(() => net.request('n1', (r) => r.readIndex('r2'))).toThrow(/too many pending reads/);
  });
});

describe('deferred entries', () => {
  test('releasing with nothing deferred makes no Ready', () => {
    const net = electedCluster();
    const n1 = net.raft('n1');
    n1.releaseDeferred();
    expect(n1.hasReady()).toBe(false);
  });

  test('followers missing an eager entry are sent it on their heartbeat answers, though later entries wait deferred', () => {
    const net = electedCluster();
    const lose = net.drop((m) => m.type === 'append'); // 'a' stays uncommitted
    const a = net.propose('n1', 'a');
    net.stabilize();
    lose();
    net.request('n1', (r) => r.propose([encode('b')], true));
    expect(net.raft('n2').log.lastIndex()).toBe(a.index - 1);
    net.tick('n1');
    net.deliverInFlight(); // heartbeats
    const before = net.sent.length;
    net.deliverInFlight(); // their answers
    expect(net.sent.slice(before).filter((m) => m.type === 'append').map((m) => m.to)).toEqual(['n2', 'n3']);
  });
});

describe('status', () => {
  test('a follower is recently active until an election timeout passes without a word from it; lag counts its missing entries', () => {
    const net = electedCluster();
    net.tickAll(ELECTION_TICKS - 1); // the leader's election-timeout period starts again now
    net.isolate('n3');
    const a = net.propose('n1', 'a', 'b');
    net.stabilize();
    for (let t = 1; t < ELECTION_TICKS; t++) {
      net.tick('n1');
      net.stabilize();
      expect([t, follower(net, 'n3').recentActive]).toEqual([t, true]);
    }
    net.tick('n1');
    net.stabilize();
    expect([follower(net, 'n2').recentActive, follower(net, 'n3').recentActive]).toEqual([true, false]);
    expect([follower(net, 'n2').lagEntries, follower(net, 'n3').lagEntries]).toEqual([0, 2]);
    expect(net.raft('n1').log.lastIndex()).toBe(a.index);
  });
});

describe('Election Safety (§5.2)', () => {
  test('an append, heartbeat or snapshot from another leader of its own term is an invariant violation', () => {
    const msgs: Message[] = [
      { type: 'append', from: 'n2', to: 'n1', term: 0, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 },
      { type: 'heartbeat', from: 'n2', to: 'n1', term: 0, commit: 0, round: 1 },
      { type: 'snapshot', from: 'n2', to: 'n1', term: 0, snapshot: { index: 1, term: 1, conf: { voters: ['n1'], votersOutgoing: [], learners: [], learnersNext: [] } } },
    ];
    for (const m of msgs) {
      const net = electedCluster();
      const term = net.raft('n1').term;
      expect(() => net.step({ ...m, term } as Message)).toThrow(new RaftInvariantError(`raft invariant: n1 is leader of term ${term} and got ${m.type} from n2`));
    }
  });
});
