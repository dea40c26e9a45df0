// The RaftNode shell around the role step functions: a new node's first state, the term rules
// applied to every message (misaddressed, stale, same-term votes), what each Ready reports (hard
// and soft state changes, a snapshot handed over between ready and advance, a lease read), the
// leader-only calls on a follower, compaction and snapshot metadata, and status. Each case was
// written against a StrykerJS survivor in src/raft/raft.ts.
import { describe, expect, test } from 'vitest';
import { NotLeaderError, RaftNode, simpleConf, type Message, type Ready } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network } from './harness.js';

function electedCluster(opts: ConstructorParameters<typeof Network>[0] = {}): Network {
  const net = new Network(opts);
  net.elect('n1');
  net.tickAll();
  return net;
}

const messages = (rds: Ready[]): Message[] => rds.flatMap((rd) => rd.messages);

describe('a new node', () => {
  test('founders write the same bootstrap entry whatever the order of their voters; a joining node starts empty; neither has a message to send', () => {
    const founder = new RaftNode({ id: 'n2', random: () => 0.5 }, null, ['n3', 'n1', 'n2']);
    expect(founder.conf()).toEqual(simpleConf(['n1', 'n2', 'n3']));
    // Entries of one index and term must be identical on every node (Log Matching, §5.3).
    expect(founder.log.entryAt(1)!.conf).toEqual({ type: 'bootstrap', voters: ['n1', 'n2', 'n3'] });
    expect(founder.ready().messages).toEqual([]);

    const joining = new RaftNode({ id: 'n4', random: () => 0.5 }, null);
    expect([joining.log.lastIndex(), joining.conf()]).toEqual([0, simpleConf([])]);
    expect(joining.ready().messages).toEqual([]);
    expect(joining.promotable()).toBe(false);
  });
});

describe('term rules for every message', () => {
  test('a message addressed to another node is ignored', () => {
    const net = electedCluster();
    const n2 = net.raft('n2');
    const term = n2.term;
    n2.step({ type: 'heartbeat', from: 'n9', to: 'n3', term: term + 5, commit: 0, round: 1 });
    expect([n2.term, n2.leader, n2.hasReady()]).toEqual([term, 'n1', false]);
  });

  test('a stale append or heartbeat is answered with a rejection in the current term, a stale pre-vote with a refusal, anything else not at all', () => {
    const net = electedCluster();
    const term = net.raft('n2').term;
    const stale = term - 1;
    const answer = (m: Message) => messages(net.step(m));
    const reject = { type: 'appendResponse', to: 'n9', from: 'n2', term, success: false, index: 0, hintIndex: 0, hintTerm: 0 };
    expect(answer({ type: 'append', from: 'n9', to: 'n2', term: stale, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 })).toEqual([reject]);
    expect(answer({ type: 'heartbeat', from: 'n9', to: 'n2', term: stale, commit: 0, round: 1 })).toEqual([reject]);
    expect(answer({ type: 'preVote', from: 'n9', to: 'n2', term: stale, lastLogIndex: 99, lastLogTerm: 99 })).toEqual([
      { type: 'preVoteResponse', to: 'n9', from: 'n2', term, granted: false },
    ]);
    expect(answer({ type: 'vote', from: 'n9', to: 'n2', term: stale, lastLogIndex: 99, lastLogTerm: 99, transfer: false })).toEqual([]);
    expect(answer({ type: 'voteResponse', from: 'n9', to: 'n2', term: stale, granted: true })).toEqual([]);
    expect(net.raft('n2').term).toBe(term);
  });

  test('in its own term, a follower that knows the leader grants neither a vote nor a pre-vote, though it never voted', () => {
    const net = new Network();
    const heal = net.isolate('n3');
    net.elect('n1');
    heal();
    net.tickAll(); // n3 learns term and leader from an append: it holds no vote
    const n3 = net.raft('n3');
    expect([n3.term, n3.vote, n3.leader]).toEqual([net.raft('n1').term, null, 'n1']);
    const upToDate = { lastLogIndex: n3.log.lastIndex(), lastLogTerm: n3.log.term(n3.log.lastIndex())! };
    const vote = messages(net.step({ type: 'vote', from: 'n2', to: 'n3', term: n3.term, ...upToDate, transfer: false }));
    const preVote = messages(net.step({ type: 'preVote', from: 'n2', to: 'n3', term: n3.term, ...upToDate }));
    expect([...vote, ...preVote].map((m) => [m.type, 'granted' in m && m.granted])).toEqual([
      ['voteResponse', false],
      ['preVoteResponse', false],
    ]);
    expect(n3.vote).toBeNull();
  });

  test('without checkQuorum a follower grants a vote right after hearing from its leader', () => {
    const net = electedCluster({ config: { checkQuorum: false } });
    const n3 = net.raft('n3');
    const rd = net.step({ type: 'vote', from: 'n2', to: 'n3', term: n3.term + 1, lastLogIndex: n3.log.lastIndex(), lastLogTerm: n3.log.term(n3.log.lastIndex())!, transfer: false });
    expect(messages(rd)).toEqual([expect.objectContaining({ type: 'voteResponse', granted: true })]);
  });

  test('without pre-vote, a follower whose election timer expires campaigns for real', () => {
    const net = electedCluster({ config: { preVote: false } });
    net.isolate('n1');
    const term = net.raft('n2').term;
    net.tick('n2', 2 * ELECTION_TICKS);
    expect([net.raft('n2').role, net.raft('n2').term]).toEqual(['candidate', term + 1]);
    expect(net.sentWhere('vote', (m) => m.from === 'n2').length).toBeGreaterThan(0);
  });
});

describe('what a Ready reports', () => {
  test('every change of term, vote or leader alone is reported', () => {
    const net = electedCluster();
    const n3 = net.raft('n3');
    const stale = { lastLogIndex: 0, lastLogTerm: 0 };
    const upToDate = { lastLogIndex: n3.log.lastIndex(), lastLogTerm: n3.log.term(n3.log.lastIndex())! };
    const states = (m: Message) => net.step(m).map((rd) => [rd.hardState, rd.softState]);
    // A transfer vote passes the lease; the stale log is refused: a new term, no vote, no leader.
    expect(states({ type: 'vote', from: 'n2', to: 'n3', term: 5, ...stale, transfer: true })).toEqual([
      [{ term: 5, vote: null, commit: n3.log.committed }, { role: 'follower', leader: null, term: 5 }],
    ]);
    // Only the term changes.
    expect(states({ type: 'vote', from: 'n2', to: 'n3', term: 6, ...stale, transfer: true })).toEqual([
      [{ term: 6, vote: null, commit: n3.log.committed }, { role: 'follower', leader: null, term: 6 }],
    ]);
    // Only the vote changes (it must be durable before the grant leaves).
    expect(states({ type: 'vote', from: 'n2', to: 'n3', term: 6, ...upToDate, transfer: false })).toEqual([[{ term: 6, vote: 'n2', commit: n3.log.committed }, null]]);
    // Only the leader changes.
    expect(states({ type: 'heartbeat', from: 'n2', to: 'n3', term: 6, commit: 0, round: 1 })).toEqual([[null, { role: 'follower', leader: 'n2', term: 6 }]]);
  });

  test('a snapshot that arrives between ready() and advance() stays pending until a Ready hands it over', () => {
    const net = electedCluster();
    net.isolate('n3');
    net.propose('n1', 'a', 'b', 'c');
    net.stabilize();
    const n1 = net.raft('n1');
    const n3 = net.raft('n3');
    const snap = (index: number): Message => ({ type: 'snapshot', from: 'n1', to: 'n3', term: n1.term, snapshot: n1.snapshotMetaAt(index) });

    const before = n3.ready();
    n3.step(snap(n1.log.committed - 1));
    n3.advance(before);
    expect(n3.pendingSnapshotIndex()).toBe(n1.log.committed - 1);
    expect(n3.promotable()).toBe(false); // it must not campaign on a log it has not installed

    const handing = n3.ready();
    expect(handing.snapshot?.index).toBe(n1.log.committed - 1);
    n3.step(snap(n1.log.committed)); // a newer one, before the host finished the first
    n3.advance(handing);
    expect(n3.pendingSnapshotIndex()).toBe(n1.log.committed);
    const next = n3.ready();
    expect(next.snapshot?.index).toBe(n1.log.committed);
    n3.advance(next);
    expect([n3.pendingSnapshotIndex(), n3.promotable()]).toEqual([null, true]);
  });

  test('a lease read served at once makes a Ready by itself', () => {
    const net = electedCluster();
    const n1 = net.raft('n1');
    expect(n1.hasReady()).toBe(false);
    n1.leaseRead('r1', net.nowMs('n1'));
    expect(n1.hasReady()).toBe(true);
    expect(n1.ready().readStates.map((rs) => rs.ctx)).toEqual(['r1']);
  });

  test('a clock reading older than one already seen does not bring a lapsed lease back', () => {
    const net = electedCluster();
    const acked = net.nowMs('n1');
    net.isolate('n2');
    net.isolate('n3');
    net.tickAll(ELECTION_TICKS - net.raft('n1').cfg.leaseSafetyTicks);
    expect(net.raft('n1').role).toBe('leader');
    const before = net.peer('n1').readies.length;
    net.request('n1', (r) => r.leaseRead('r1', acked));
    expect(net.peer('n1').readies.slice(before).flatMap((rd) => rd.readStates)).toEqual([]);
  });
});

describe('calls a follower refuses or ignores', () => {
  test('leader-only requests throw NotLeaderError; releasing deferred entries and a snapshot failure report change nothing', () => {
    const net = electedCluster();
    const n2 = net.raft('n2');
    expect(() => n2.propose([new Uint8Array(1)])).toThrow(new NotLeaderError('n1'));
    expect(() => n2.proposeConfChange([{ op: 'addLearner', id: 'n4' }])).toThrow(new NotLeaderError('n1'));
    expect(() => n2.transferLeadership('n3')).toThrow(new NotLeaderError('n1'));
    n2.releaseDeferred();
    n2.reportSnapshotFailure('n3');
    expect(n2.hasReady()).toBe(false);
    expect(n2.matchIndex('n3')).toBeNull();
  });
});

describe('compaction and snapshot metadata', () => {
  test('snapshotMetaAt serves a committed index still in the log, and refuses one not committed or compacted', () => {
    const net = electedCluster();
    net.propose('n1', 'a', 'b');
    net.stabilize();
    net.isolate('n2');
    net.isolate('n3');
    net.propose('n1', 'c'); // never committed
    const n1 = net.raft('n1');
    const committed = n1.log.committed;
    expect(n1.snapshotMetaAt(committed)).toEqual({ index: committed, term: n1.term, conf: n1.conf() });
    expect(() => n1.snapshotMetaAt(committed + 1)).toThrow(`raft: no snapshot possible at ${committed + 1} (log 0..${committed} committed)`);
    net.compact('n1', committed - 1);
    expect(n1.snapshotMetaAt(committed - 1).index).toBe(committed - 1);
    expect(() => n1.snapshotMetaAt(committed - 2)).toThrow(/no snapshot possible/);
  });

  test('compacting at or below the last compaction changes nothing; at an unknown index it throws', () => {
    const net = electedCluster();
    net.propose('n1', 'a', 'b');
    net.stabilize();
    const n1 = net.raft('n1');
    net.compact('n1', 3);
    n1.compact(2);
    n1.compact(3);
    expect([n1.log.snapshotIndex, n1.snapshot.index]).toEqual([3, 3]);
    expect(() => n1.compact(n1.log.lastIndex() + 1)).toThrow(`raft: cannot compact at unknown index ${n1.log.lastIndex() + 1}`);
  });
});

describe('status and match indexes', () => {
  test("the leader reports its own durable index, each follower's match, null for a stranger; and its transfer target", () => {
    const net = electedCluster();
    net.isolate('n3');
    net.propose('n1', 'a');
    net.stabilize();
    const n1 = net.raft('n1');
    expect([n1.matchIndex('n1'), n1.matchIndex('n2'), n1.matchIndex('n3'), n1.matchIndex('n9')]).toEqual([
      n1.log.lastIndex(),
      n1.log.lastIndex(),
      n1.log.lastIndex() - 1,
      null,
    ]);
    net.request('n1', (r) => r.transferLeadership('n3'));
    expect(n1.status().transferTarget).toBe('n3');
  });

  test('a follower reports no followers, no lease, and a quorum while it heard from a leader within an election timeout', () => {
    const net = electedCluster();
    net.isolate('n3');
    const status = () => net.raft('n3').status();
    expect([status().followers, status().leaseValid, status().transferTarget, status().hasQuorum]).toEqual([[], false, null, true]);
    net.tick('n3', ELECTION_TICKS - 1);
    expect(status().hasQuorum).toBe(true);
    net.tick('n3');
    expect(status().hasQuorum).toBe(false);

    // A new term without a known leader: no quorum, though the election timer just restarted.
    const n2 = net.raft('n2');
    net.step({ type: 'vote', from: 'n3', to: 'n2', term: n2.term + 1, lastLogIndex: 0, lastLogTerm: 0, transfer: true });
    expect([n2.leader, n2.electionElapsed, n2.status().hasQuorum]).toEqual([null, 0, false]);
  });
});
