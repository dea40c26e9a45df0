// setPeers at run time: peers are added, removed and re-addressed without disturbing the others.
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { startNode, waitFor, type TestNode } from './helpers.js';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

const hb = (to: string, round: number): Message => ({ type: 'heartbeat', from: 'n1', to, term: 1, commit: 0, round });

describe('transport membership changes', () => {
  it('adds, re-addresses and removes peers', async () => {
    const [a, b, c, b2] = (nodes = [await startNode({ id: 'n1' }), await startNode({ id: 'n2' }), await startNode({ id: 'n3' }), await startNode({ id: 'n2' })]) as [TestNode, TestNode, TestNode, TestNode];
    a.transport.setPeers(new Map([['n2', b.address]]));
    a.transport.send([hb('n2', 1), hb('n3', 1)]);
    await waitFor('n2 reached', () => b.received.length === 1);
    expect(a.unreachable).toStrictEqual(['n3']);

    // n3 joins; n2 moves to another address (the same id on a new machine).
    a.transport.setPeers(new Map([['n2', b2.address], ['n3', c.address]]));
    a.transport.send([hb('n2', 2), hb('n3', 2)]);
    await waitFor('new n2 and n3 reached', () => b2.received.length === 1 && c.received.length === 1);
    expect(b.received).toHaveLength(1);

    // A stale address now pointing at another node: that node refuses, the sender logs why.
    a.transport.setPeers(new Map([['n2', c.address], ['n3', c.address]]));
    a.transport.send([hb('n2', 3), hb('n3', 3)]);
    await waitFor('n3 reached', () => c.received.length === 2);
    await waitFor('refusal logged', () => a.logger.lines.some((l) => l.level === 'error' && l.msg === 'peer refused raft messages'));
    expect(c.received.every((m) => m.to === 'n3')).toBe(true);
    expect(a.unreachable).toContain('n2');

    a.transport.setPeers(new Map([['n3', c.address]]));
    expect([...a.transport.stats().peers.keys()]).toStrictEqual(['n3']);
    a.transport.send([hb('n2', 4), hb('n3', 4)]);
    await waitFor('n3 still reached', () => c.received.length === 3);
    expect(a.transport.stats().droppedNoAddress).toBe(2);
  });
});
