// Every batch names the process that sent it, and a snapshot's answer the process that accepted
// it (raft.proto, `incarnation`): how a leader learns that a follower restarted and lost the
// snapshot it had acknowledged (src/node/snapshot-sends.ts). A restarted node speaks with a new
// incarnation; a member that predates the field (sends none) is not taken for a restarted one.
import * as grpc from '@grpc/grpc-js';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { raftMethods, type RaftBatch } from '../../src/transport/rpc.js';
import { CLUSTER, connect, everyMessage, snapshotMessage, startNode, waitFor, type TestNode } from './helpers.js';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

describe('transport incarnations', () => {
  it("tells the receiver the sender's incarnation before the messages of each batch", async () => {
    const seen: string[] = [];
    const a = await startNode({ id: 'n1' });
    const b = await startNode({
      id: 'n2',
      handlers: { onPeerIncarnation: (peer, incarnation) => seen.push(`${peer}@${incarnation}`), onMessage: (msg) => seen.push(msg.type) },
    });
    nodes = [a, b];
    connect(nodes);
    const sent = everyMessage('n1', 'n2');
    a.transport.send(sent);
    await waitFor('all messages', () => seen.filter((s) => !s.includes('@')).length === sent.length);
    expect(a.transport.incarnation).toBeGreaterThan(0);
    expect(seen[0]).toBe(`n1@${a.transport.incarnation}`);
    expect(new Set(seen.filter((s) => s.includes('@')))).toStrictEqual(new Set([`n1@${a.transport.incarnation}`]));
  });

  it('answers a snapshot with the incarnation of the process that accepted it; a restart answers with a new one', async () => {
    const a = await startNode({ id: 'n1' });
    const b = await startNode({ id: 'n2' });
    nodes = [a, b];
    connect(nodes);
    a.transport.send([snapshotMessage('n1', 'n2')]);
    await waitFor('snapshot acked', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent[0]).toStrictEqual({ peer: 'n2', ok: true, incarnation: b.transport.incarnation });
    // n2 restarts on the same port: its batches and its next answer carry its new incarnation.
    await b.close();
    const b2 = await startNode({ id: 'n2', port: b.port });
    nodes = [a, b2];
    connect(nodes);
    expect(b2.transport.incarnation).not.toBe(b.transport.incarnation);
    b2.transport.send([{ type: 'heartbeatResponse', from: 'n2', to: 'n1', term: 9, round: 1 }]);
    await waitFor('heartbeat response', () => a.incarnations.length > 0);
    expect(a.incarnations).toStrictEqual([{ peer: 'n2', incarnation: b2.transport.incarnation }]);
    a.transport.send([snapshotMessage('n1', 'n2')]);
    await waitFor('second snapshot acked', () => a.snapshotsSent.length === 2);
    expect(a.snapshotsSent[1]).toStrictEqual({ peer: 'n2', ok: true, incarnation: b2.transport.incarnation });
  });

  it('does not report an incarnation for a batch that carries none (a member that predates the field)', async () => {
    const b = await startNode({ id: 'n2' });
    nodes = [b];
    const client = new grpc.Client(b.address, grpc.credentials.createInsecure());
    try {
      const m = raftMethods();
      const heartbeat = new Packr({ useRecords: false }).pack({ type: 'heartbeat', from: 'n1', to: 'n2', term: 3, commit: 0, round: 1 });
      const batch: RaftBatch = { from: 'n1', clusterId: CLUSTER, messages: [heartbeat] };
      const code = await new Promise<grpc.status>((resolve) =>
        client.makeUnaryRequest(m.send.path, m.send.requestSerialize, m.send.responseDeserialize, batch, (err) => resolve(err ? err.code : grpc.status.OK)),
      );
      expect(code).toBe(grpc.status.OK);
      expect(b.received.map((msg) => msg.type)).toStrictEqual(['heartbeat']);
      expect(b.incarnations).toStrictEqual([]);
    } finally {
      client.close();
    }
  });
});
