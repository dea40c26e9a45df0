import { describe, expect, test } from 'vitest';
import { RaftInvariantError } from '../../src/raft/errors.js';
import { RaftLog } from '../../src/raft/log.js';
import { EntryType, type Entry } from '../../src/raft/types.js';
import { encode, Network } from './harness.js';

/**
 * Figure 8 of the Raft paper, from the moment n1 (which alone holds index 2 of term 2) is
 * elected in term 4 while n5 (which holds a different index 2, of term 3) is down along with n4.
 * Replication is one entry per message, and the new leader's own entry (its no-op at index 3)
 * is kept from every follower, so index 2 reaches a majority (n1, n2, n3) on its own.
 */
function figure8(): Network {
  const net = new Network({ logs: { n1: [2], n2: [], n3: [], n4: [], n5: [3] }, config: { maxEntriesPerMsg: 1 } });
  net.crash('n4');
  net.crash('n5');
  net.drop((m) => m.type === 'append' && m.entries.some((e) => e.index === 3) && net.raft(m.to).log.lastIndex() >= 2);
  net.elect('n1');
  net.tickAll(2);
  return net;
}

describe('§5.4 safety', () => {
  test('election restriction: a candidate whose log is less up-to-date is refused the vote', () => {
    const net = new Network({ logs: { n1: [2], n2: [2, 2], n3: [2, 2] }, config: { preVote: false } });
    net.campaign('n1');
    net.stabilize();

    expect(net.raft('n1').role).toBe('follower');
    const answers = net.sentWhere('voteResponse', (m) => m.to === 'n1');
    expect(answers.map((m) => [m.from, m.granted])).toEqual([
      ['n2', false],
      ['n3', false],
    ]);
  });

  test('election restriction: a later last term wins over a longer log', () => {
    const net = new Network({ logs: { n1: [3], n2: [2, 2, 2], n3: [2, 2, 2] } });
    net.elect('n1');
    net.tickAll();
    // n1's no-op (index 3, term 4) replaced the term-2 entries it did not have.
    expect(net.logTerms('n2')).toEqual([1, 3, 4]);
  });

  test('a leader does not commit an entry of an earlier term because a majority holds it (Figure 8)', () => {
    const net = figure8();
    for (const id of ['n1', 'n2', 'n3']) expect(net.raft(id).log.term(2)).toBe(2);
    expect(net.raft('n1').log.committed).toBe(1);

    // Why: if n1 fails now, n5 can still be elected (its last term, 3, beats 2) and erase index 2.
    net.crash('n1');
    net.heal();
    net.restart('n4');
    net.restart('n5');
    net.tickAll(10); // n2 and n3 stop deferring to n1; n4 and n5 finish their post-restart period
    net.campaign('n5'); // refused in term 4 (n2 and n3 voted for n1 there); n5 learns the term
    net.stabilize();
    net.elect('n5'); // wins term 5 with n2, n3, n4
    net.tickAll();
    expect(net.raft('n5').term).toBe(5);
    for (const id of ['n2', 'n3', 'n4']) expect(net.raft(id).log.term(2)).toBe(3);
  });

  test("the new leader's no-op commits the entries of earlier terms it carries", () => {
    const net = figure8();
    net.heal();
    net.tickAll(2);
    for (const id of ['n1', 'n2', 'n3']) {
      expect(net.raft(id).log.committed).toBe(3);
      expect(net.applied(id)).toEqual(['i2t2']);
    }
  });

  test('the leader counts its own log only once durable: a single-node cluster commits on advance', () => {
    const net = new Network({ size: 1 });
    net.elect('n1');
    const r = net.raft('n1');
    expect(r.log.committed).toBe(2); // the no-op, made durable while electing

    r.propose([encode('x')]);
    const rd = r.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    expect(rd.committedEntries).toEqual([]);
    net.handle('n1', rd); // persisted, but the core has not been told yet
    expect(r.log.committed).toBe(2);

    r.advance(rd);
    expect(r.log.committed).toBe(3);
    net.process('n1');
    expect(net.applied('n1')).toEqual(['x']);
  });

  test("a follower's acknowledgement that arrives before the leader's advance does not commit alone", () => {
    const net = new Network();
    net.elect('n1');
    net.tickAll();
    net.isolate('n3');
    const r = net.raft('n1');
    r.propose([encode('x')]); // index 3
    const rd = r.ready();
    net.handle('n1', rd); // the host persisted and sent, and is about to call advance
    net.deliverInFlight(); // n2 appends index 3 and acknowledges it
    const ack = net.inFlight().find((m) => m.type === 'appendResponse' && m.from === 'n2')!;

    r.step(ack); // n1's copy is not known durable yet: n2 alone is not a majority
    expect(r.log.committed).toBe(2);
    r.advance(rd);
    expect(r.log.committed).toBe(3);
  });
});

describe('broken invariants are typed, so the node stops on them and on nothing else', () => {
  const e = (index: number, term = 1): Entry => ({ index, term, type: EntryType.Normal, data: new Uint8Array(0) });

  test('overwriting a committed entry or leaving a gap throws RaftInvariantError', () => {
    const log = RaftLog.restore(0, 0, [e(1), e(2), e(3)], 2, 0);
    expect(() => log.append([e(2, 2)])).toThrow(RaftInvariantError);
    expect(() => log.append([e(5)])).toThrow(RaftInvariantError);
    expect(() => log.append([e(3, 2)])).not.toThrow(); // an uncommitted suffix may be replaced
  });
});
