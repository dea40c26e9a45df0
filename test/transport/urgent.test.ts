// Votes and TimeoutNow decide how long an election or a switchover takes: they go over the peer's
// stream when nothing is queued there (a stream message costs a fraction of a grpc-js unary
// call), and as a unary call when appends are queued ahead of them, so they never wait behind a
// backlog.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { raftMethods, type RaftBatch } from '../../src/transport/rpc.js';
import { bind, bytes, connect, sleep, nodesPerTest, waitFor } from './helpers.js';

const { node, onCleanup } = nodesPerTest();

const vote = (from: string, to: string): Message => ({ type: 'vote', from, to, term: 3, lastLogIndex: 10, lastLogTerm: 2, transfer: true });
const timeoutNow = (from: string, to: string): Message => ({ type: 'timeoutNow', from, to, term: 2 });

describe('votes and TimeoutNow', () => {
  it('go over an idle stream, not as unary calls', async () => {
    const a = await node('n1');
    const b = await node('n2');
    connect([a, b]);
    a.transport.send([vote('n1', 'n2')]);
    await waitFor('n2 gets the vote', () => b.received.some((m) => m.type === 'vote'));
    a.transport.send([timeoutNow('n1', 'n2')]);
    await waitFor('n2 gets TimeoutNow', () => b.received.some((m) => m.type === 'timeoutNow'));
    const s = a.transport.stats().peers.get('n2')!;
    expect(s.messagesSent).toBe(2);
    expect(s.unarySent).toBe(0);
  });

  it('go as a unary call when appends are queued on the stream', async () => {
    // n2 accepts the stream and never reads it, so appends pile up in n1's queue; unary calls
    // are recorded as they arrive.
    const m = raftMethods();
    const unary: RaftBatch[] = [];
    const stalled = new grpc.Server();
    stalled.addService(m.service, {
      Stream: (call: grpc.ServerReadableStream<RaftBatch, unknown>) => call.pause(),
      Send: (call: grpc.ServerUnaryCall<RaftBatch, object>, cb: grpc.sendUnaryData<object>) => {
        unary.push(call.request);
        cb(null, {});
      },
      InstallSnapshot: (_: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { accepted: false, reason: 'stalled' }),
    });
    const port = await bind(stalled);
    onCleanup(async () => stalled.forceShutdown());
    const a = await node('n1');
    a.transport.setPeers(new Map([['n2', `127.0.0.1:${port}`]]));
    for (let r = 0; r < 40; r++) {
      const batch: Message[] = [];
      for (let i = 0; i < 16; i++) {
        const index = r * 16 + i + 1;
        batch.push({ type: 'append', from: 'n1', to: 'n2', term: 2, prevIndex: index - 1, prevTerm: 2, commit: 0, entries: [{ index, term: 2, type: 0, data: bytes(64 * 1024, index) }] });
      }
      a.transport.send(batch);
      await sleep(1);
    }
    await waitFor('a backlog builds up', () => a.transport.stats().peers.get('n2')!.queuedMessages > 0);
    a.transport.send([timeoutNow('n1', 'n2')]);
    await waitFor('the unary call arrives', () => unary.length === 1);
    // Counted when its answer is back, which may be a moment after the server saw it.
    await waitFor('n1 counts it as unary', () => a.transport.stats().peers.get('n2')!.unarySent === 1);
    expect(unary[0]!.messages.length).toBe(1);
  });

  it('heartbeats, too, and on a connection of their own when a large append is still crossing the stream', async () => {
    // Nothing is queued, but a 1 MiB append is written and cannot flush (n2 never reads): a
    // heartbeat on the stream would wait behind its bytes, and followers would start elections.
    const m = raftMethods();
    const unary: { batch: RaftBatch; peer: string }[] = [];
    const streamPeers: string[] = [];
    const stalled = new grpc.Server();
    stalled.addService(m.service, {
      Stream: (call: grpc.ServerReadableStream<RaftBatch, unknown>) => {
        streamPeers.push(call.getPeer());
        call.pause();
      },
      Send: (call: grpc.ServerUnaryCall<RaftBatch, object>, cb: grpc.sendUnaryData<object>) => {
        unary.push({ batch: call.request, peer: call.getPeer() });
        cb(null, {});
      },
      InstallSnapshot: (_: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { accepted: false, reason: 'stalled' }),
    });
    const port = await bind(stalled);
    onCleanup(async () => stalled.forceShutdown());
    const a = await node('n1');
    a.transport.setPeers(new Map([['n2', `127.0.0.1:${port}`]]));
    a.transport.send([{ type: 'append', from: 'n1', to: 'n2', term: 2, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 2, type: 0, data: bytes(1024 * 1024, 1) }] }]);
    await waitFor('the append is on the stream', () => streamPeers.length === 1 && a.transport.stats().peers.get('n2')!.inflightBytes > 64 * 1024);
    expect(a.transport.stats().peers.get('n2')!.queuedMessages).toBe(0);
    a.transport.send([{ type: 'heartbeat', from: 'n1', to: 'n2', term: 2, commit: 0, round: 7 }]);
    await waitFor('the heartbeat arrives as a unary call', () => unary.length === 1);
    expect(unary[0]!.batch.messages.length).toBe(1);
    expect(unary[0]!.peer, 'a connection apart from the append stream').not.toBe(streamPeers[0]);
  });
});
