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
});
