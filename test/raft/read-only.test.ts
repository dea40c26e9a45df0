// The leader's queue of ReadIndex requests on its own: the bound it enforces (maxPendingReads,
// counted over every stage a read passes through), the order and index reads are released with,
// and that leadership loss hands back every outstanding read.
import { describe, expect, test } from 'vitest';
import { ProposalDroppedError } from '../../src/raft/index.js';
import { ReadOnly } from '../../src/raft/read-only.js';
import type { ReadState } from '../../src/raft/types.js';
import { Network } from './harness.js';

describe('ReadOnly: the pending ReadIndex requests of one leader', () => {
  test('every stage counts towards the bound: waiting for the first commit, unsent, and in a round not yet acknowledged', () => {
    const q = new ReadOnly(4);
    q.waitForCommit('a');
    q.add('b', 5);
    expect([q.size(), q.full()]).toEqual([2, false]);
    q.assignRound(1);
    q.add('c', 5);
    expect([q.size(), q.full()]).toEqual([3, false]);
    q.releaseAwaitingCommit(6); // 'a' moves on, still counted
    expect([q.size(), q.full()]).toEqual([3, false]);
    q.add('d', 6);
    expect([q.size(), q.full()]).toEqual([4, true]); // exactly the bound: full
    const out: ReadState[] = [];
    q.confirm(1, out); // only 'b' was in round 1
    expect(out).toEqual([{ ctx: 'b', index: 5 }]);
    expect([q.size(), q.full()]).toEqual([3, false]);
  });

  test('a round releases the reads assigned to it and earlier ones, in arrival order, at the index each was given', () => {
    const q = new ReadOnly(100);
    q.waitForCommit('first');
    q.add('x', 3);
    q.assignRound(1);
    q.releaseAwaitingCommit(7);
    q.add('y', 8);
    expect(q.needsRound()).toBe(true);
    q.assignRound(2);
    expect(q.needsRound()).toBe(false);
    q.add('z', 9);
    q.assignRound(3);

    const out: ReadState[] = [];
    q.confirm(0, out);
    expect(out).toEqual([]);
    q.confirm(2, out);
    expect(out).toEqual([
      { ctx: 'x', index: 3 },
      { ctx: 'first', index: 7 },
      { ctx: 'y', index: 8 },
    ]);
    q.confirm(2, out); // an acknowledgement repeated: nothing twice
    expect(out.length).toBe(3);
    q.confirm(3, out);
    expect(out[3]).toEqual({ ctx: 'z', index: 9 });
    expect(q.size()).toBe(0);
  });

  test('thousands of reads through many rounds are each released exactly once', () => {
    // Long enough that the queue reclaims the slots of released reads several times.
    const q = new ReadOnly(10_000);
    const out: ReadState[] = [];
    let n = 0;
    for (let round = 1; round <= 40; round++) {
      for (let i = 0; i < 150; i++) q.add(`r${n++}`, round);
      q.assignRound(round);
      if (round % 3 === 0) q.confirm(round - 1, out); // acknowledgements lag a round behind
    }
    q.confirm(40, out);
    expect(out.map((r) => r.ctx)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    expect(q.size()).toBe(0);
  });

  test('leadership lost: every outstanding read is handed back, and the queue starts empty again', () => {
    const q = new ReadOnly(10);
    q.add('sent', 1);
    q.assignRound(1);
    q.add('unsent', 1);
    q.waitForCommit('early');
    const failed: string[] = [];
    q.drain(failed);
    expect(failed.sort()).toEqual(['early', 'sent', 'unsent']);
    expect([q.size(), q.needsRound()]).toEqual([0, false]);

    const again: string[] = [];
    q.drain(again);
    expect(again).toEqual([]);
    q.add('next', 4);
    q.assignRound(2);
    const out: ReadState[] = [];
    q.confirm(2, out);
    expect(out).toEqual([{ ctx: 'next', index: 4 }]);
  });

  test('join: a read shares the latest read while its round is unsent, at the higher index, and counts towards the bound', () => {
    const q = new ReadOnly(4);
    q.add('a', 5);
    expect(q.join('a', 7)).toBe(true); // the commit index moved on before the second read came
    expect(q.join('a', 6)).toBe(true); // never lowered
    expect([q.size(), q.full()]).toEqual([3, false]);
    q.add('b', 7);
    expect(q.join('a', 7)).toBe(false); // no longer the latest read
    expect([q.size(), q.full()]).toEqual([4, true]);
    q.assignRound(1);
    expect(q.join('b', 8)).toBe(false); // its round has left: sent before this read arrived
    const out: ReadState[] = [];
    q.confirm(1, out);
    expect(out).toEqual([
      { ctx: 'a', index: 7 },
      { ctx: 'b', index: 7 },
    ]);
    expect(q.size()).toBe(0);
  });

  test('join: a read waiting for the first commit is joined too, and every joined read is handed back on leadership loss', () => {
    const q = new ReadOnly(10);
    q.waitForCommit('early');
    expect(q.join('early', 1)).toBe(true);
    expect(q.size()).toBe(2);
    q.releaseAwaitingCommit(9);
    expect(q.join('early', 9)).toBe(true);
    expect(q.size()).toBe(3);
    const failed: string[] = [];
    q.drain(failed);
    expect(failed).toEqual(['early']); // one ctx: its waiter answers every read joined to it
    expect(q.size()).toBe(0);
  });

  test('a leader refuses a read beyond maxPendingReads with ProposalDroppedError, and takes reads again once a round is acknowledged', () => {
    const net = new Network({ config: { maxPendingReads: 2 } });
    net.elect('n1');
    net.tickAll();
    const cut = [net.isolate('n2'), net.isolate('n3')];
    net.request('n1', (r) => r.readIndex('r1'));
    net.request('n1', (r) => r.readIndex('r2'));
    expect(() => net.raft('n1').readIndex('r3')).toThrow(ProposalDroppedError);
    for (const heal of cut) heal();
    net.tickAll();
    expect(net.peer('n1').readStates.map((rs) => rs.ctx)).toEqual(['r1', 'r2']);
    net.request('n1', (r) => r.readIndex('r3'));
    net.tickAll();
    expect(net.peer('n1').readStates.map((rs) => rs.ctx)).toContain('r3');
  });
});
