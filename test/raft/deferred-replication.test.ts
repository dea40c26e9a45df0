import { describe, expect, test } from 'vitest';
import { encode, Network } from './harness.js';

/** A cluster of three with n1 elected and every follower caught up and committed. */
function electedCluster(): Network {
  const net = new Network({});
  net.elect('n1');
  net.tickAll();
  return net;
}

/** Proposes `values` on n1 with deferred replication (how the server proposes ASYNC writes). */
function proposeDeferred(net: Network, ...values: string[]): { index: number; term: number } {
  return net.request('n1', (r) => r.propose(values.map(encode), true));
}

function appendsTo(net: Network, from: number): { to: string; indexes: number[] }[] {
  return net
    .sentWhere('append')
    .slice(from)
    .filter((m) => m.entries.length > 0)
    .map((m) => ({ to: m.to, indexes: m.entries.map((e) => e.index) }));
}

describe('deferred replication (ASYNC writes)', () => {
  test('deferred entries are durable on the leader at once and leave together, in one append per follower, on release', () => {
    const net = electedCluster();
    const sent = net.sentWhere('append').length;
    const a = proposeDeferred(net, 'a');
    const b = proposeDeferred(net, 'b', 'c');
    net.stabilize();
    expect(net.raft('n1').log.stableIndex).toBe(b.index); // persisted, so ASYNC may acknowledge
    expect(appendsTo(net, sent)).toEqual([]);
    expect(net.raft('n2').log.lastIndex()).toBe(a.index - 1);

    net.request('n1', (r) => r.releaseDeferred());
    net.stabilize();
    expect(appendsTo(net, sent)).toEqual([
      { to: 'n2', indexes: [a.index, a.index + 1, b.index] },
      { to: 'n3', indexes: [a.index, a.index + 1, b.index] },
    ]);
    expect(net.raft('n1').log.committed).toBe(b.index);
  });

  test('an eager proposal carries the deferred entries before it at once', () => {
    const net = electedCluster();
    const sent = net.sentWhere('append').length;
    const a = proposeDeferred(net, 'a');
    const b = net.propose('n1', 'b');
    net.stabilize();
    expect(appendsTo(net, sent).map((m) => m.indexes)).toEqual([
      [a.index, b.index],
      [a.index, b.index],
    ]);
    expect(net.raft('n1').log.committed).toBe(b.index);
    // Nothing is left deferred: a release afterwards sends nothing more.
    const after = net.sentWhere('append').length;
    net.request('n1', (r) => r.releaseDeferred());
    net.stabilize();
    expect(appendsTo(net, after)).toEqual([]);
  });

  test("a follower's acknowledgement does not stream deferred entries behind the ones it acknowledges", () => {
    const net = electedCluster();
    const healN2 = net.drop((m) => m.type === 'appendResponse');
    const a = net.propose('n1', 'a'); // eager: in flight, its acknowledgements held back
    const sent = net.sentWhere('append').length;
    proposeDeferred(net, 'b');
    healN2();
    // Redeliver the acknowledgements of 'a' by hand: they commit 'a' and must not send 'b'.
    for (const id of ['n2', 'n3']) net.step({ type: 'appendResponse', from: id, to: 'n1', term: net.raft('n1').term, success: true, index: a.index, hintIndex: 0, hintTerm: 0 });
    net.stabilize();
    expect(net.raft('n1').log.committed).toBe(a.index);
    expect(appendsTo(net, sent)).toEqual([]);
  });

  test('without a release, the second tick after the first deferred entry replicates it (the backstop)', () => {
    const net = electedCluster();
    const sent = net.sentWhere('append').length;
    const a = proposeDeferred(net, 'a');
    net.tick('n1');
    net.stabilize();
    expect(appendsTo(net, sent)).toEqual([]);
    net.tick('n1');
    net.stabilize();
    expect(appendsTo(net, sent).map((m) => m.indexes)).toEqual([[a.index], [a.index]]);
    expect(net.raft('n1').log.committed).toBe(a.index);
  });

  test('a leadership transfer catches the target up on deferred entries at once', () => {
    const net = electedCluster();
    const a = proposeDeferred(net, 'a');
    net.request('n1', (r) => r.transferLeadership('n2'));
    net.stabilize();
    expect(net.raft('n2').role).toBe('leader');
    expect(net.raft('n2').log.entryAt(a.index)?.term).toBe(a.term);
  });
});
