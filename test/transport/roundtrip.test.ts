// Every message type crosses the wire unchanged, between two and between three nodes.
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { asReceived, connect, everyMessage, snapshotMessage, startNode, waitFor, type TestNode } from './helpers.js';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

function byType(msgs: Message[]): Map<string, Message> {
  return new Map(msgs.map((m) => [m.type, m]));
}

describe('transport round trip', () => {
  it('delivers every message type with every field intact between two nodes', async () => {
    nodes = [await startNode({ id: 'n1' }), await startNode({ id: 'n2' })];
    connect(nodes);
    const [a, b] = nodes as [TestNode, TestNode];
    const sent = everyMessage('n1', 'n2');
    a.transport.send(sent);
    await waitFor('all messages', () => b.received.length === sent.length);
    const got = byType(b.received);
    for (const m of sent) expect(got.get(m.type)).toStrictEqual(asReceived(m));
    // Responses travel back the same way, on the other node's own connections.
    const back = everyMessage('n2', 'n1');
    b.transport.send(back);
    await waitFor('replies', () => a.received.length === back.length);
    for (const m of back) expect(byType(a.received).get(m.type)).toStrictEqual(asReceived(m));
  });

  it('keeps stream order and routes by destination among three nodes', async () => {
    nodes = [await startNode({ id: 'n1' }), await startNode({ id: 'n2' }), await startNode({ id: 'n3' })];
    connect(nodes);
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const heartbeats = (to: string): Message[] =>
      Array.from({ length: 50 }, (_, i) => ({ type: 'heartbeat', from: 'n1', to, term: 3, commit: i, round: i }) as Message);
    a.transport.send([...heartbeats('n2'), ...everyMessage('n1', 'n3'), ...heartbeats('n3'), ...everyMessage('n1', 'n2')]);
    c.transport.send(everyMessage('n3', 'n2'));
    await waitFor('n2 traffic', () => b.received.length === 50 + 9 + 9);
    await waitFor('n3 traffic', () => c.received.length === 50 + 9);
    expect(b.received.every((m) => m.to === 'n2')).toBe(true);
    expect(c.received.every((m) => m.to === 'n3' && m.from === 'n1')).toBe(true);
    const rounds = b.received.filter((m) => m.type === 'heartbeat' && m.from === 'n1').map((m) => (m.type === 'heartbeat' ? m.round : -1));
    expect(rounds.slice(0, 50)).toStrictEqual([...Array(50).keys()]);
    expect(byType(b.received.filter((m) => m.from === 'n3')).get('append')).toStrictEqual(asReceived(everyMessage('n3', 'n2')[4]!));
    expect(a.transport.stats().peers.get('n2')!.dropped).toBe(0);
  });

  it('carries a snapshot message with its full metadata', async () => {
    nodes = [await startNode({ id: 'n1' }), await startNode({ id: 'n2' })];
    connect(nodes);
    const [a, b] = nodes as [TestNode, TestNode];
    const msg = snapshotMessage('n1', 'n2');
    a.transport.send([msg]);
    await waitFor('snapshot acked', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent).toStrictEqual([{ peer: 'n2', ok: true, incarnation: b.transport.incarnation }]);
    expect(b.received).toStrictEqual([msg]);
  });

  it('ignores itself in the peer map and reports messages to unknown nodes unreachable', async () => {
    nodes = [await startNode({ id: 'n1' })];
    connect(nodes);
    const [a] = nodes as [TestNode];
    a.transport.send([{ type: 'heartbeat', from: 'n1', to: 'n9', term: 1, commit: 0, round: 0 }]);
    expect(a.unreachable).toStrictEqual(['n9']);
    expect(a.transport.stats().droppedNoAddress).toBe(1);
    expect([...a.transport.stats().peers.keys()]).toStrictEqual([]);
  });
});
