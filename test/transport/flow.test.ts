// Throughput and isolation: batching per event-loop turn, reconnecting to a peer that starts
// late, and a peer that stops reading, none of which may hold up traffic to the other peers.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { raftMethods, type RaftBatch } from '../../src/transport/rpc.js';
import { gc } from '../gc.js';
import { bind, bytes, connect, freePort, sleep, nodesPerTest, waitFor } from './helpers.js';

const { node, onCleanup } = nodesPerTest();

function append(from: string, to: string, index: number, dataBytes = 256): Message {
  return { type: 'append', from, to, term: 2, prevIndex: index - 1, prevTerm: 2, commit: 0, entries: [{ index, term: 2, type: 0, data: bytes(dataBytes, index) }] };
}

function heartbeat(from: string, to: string, round: number): Message {
  return { type: 'heartbeat', from, to, term: 2, commit: 0, round };
}

describe('transport flow', () => {
  it('batches 1,000 appends queued in one turn into a few RaftBatches', async () => {
    const a = await node('n1');
    const b = await node('n2');
    connect([a, b]);
    const msgs = Array.from({ length: 1000 }, (_, i) => append('n1', 'n2', i + 1));
    // Half in one call, half in 500 separate calls of the same turn: both must coalesce.
    a.transport.send(msgs.slice(0, 500));
    for (const m of msgs.slice(500)) a.transport.send([m]);
    await waitFor('1,000 appends', () => b.received.length === 1000);
    expect(b.received.map((m) => (m.type === 'append' ? m.prevIndex + 1 : -1))).toStrictEqual(msgs.map((_, i) => i + 1));
    const batches = b.service.stats().batchesReceived;
    expect(batches).toBeLessThanOrEqual(3);
    expect(a.transport.stats().peers.get('n2')!.batchesSent).toBe(batches);
  });

  it('reconnects to a peer that starts late, without delaying the healthy peer', async () => {
    const a = await node('n1', { id: 'n1', options: { reconnectBaseMs: 20, reconnectMaxMs: 200 } });
    const c = await node('n3');
    const downPort = await freePort();
    a.transport.setPeers(new Map([['n2', `127.0.0.1:${downPort}`], ['n3', c.address]]));
    let round = 0;
    const beat = (): void => a.transport.send([heartbeat('n1', 'n2', round), heartbeat('n1', 'n3', round), { type: 'preVote', from: 'n1', to: 'n2', term: 3, lastLogIndex: 0, lastLogTerm: 0 }]);
    const t0 = Date.now();
    beat();
    await waitFor('n3 gets the first heartbeat', () => c.received.length === 1);
    expect(Date.now() - t0).toBeLessThan(1000);
    await waitFor('n2 reported unreachable', () => a.unreachable.includes('n2'));
    for (round = 1; round <= 5; round++) {
      beat();
      await sleep(30);
    }
    expect(c.received.length).toBe(6); // n2 being down never held n3's traffic
    expect(a.transport.stats().peers.get('n2')!.reconnects).toBeGreaterThan(0);

    const b = await node('n2', { id: 'n2', port: downPort });
    const timer = setInterval(() => {
      round++;
      beat();
    }, 20);
    try {
      await waitFor('n2 gets heartbeats and the pre-vote after it starts', () =>
        b.received.some((m) => m.type === 'heartbeat') && b.received.some((m) => m.type === 'preVote'),
      );
      // Heartbeats and votes may arrive over the urgent lane's own connection first; the stream's
      // channel reconnects on its own back-off (at most reconnectMaxMs), so wait for it too.
      await waitFor('the stream to n2 reconnects', () => a.transport.stats().peers.get('n2')!.connected);
    } finally {
      clearInterval(timer);
    }
  });

  it('bounds the queue to a peer that stops reading and keeps serving the others', async () => {
    // A "slow" n2: accepts the stream and never reads from it, so HTTP/2 flow control fills up.
    const m = raftMethods();
    const stalled: grpc.ServerReadableStream<RaftBatch, unknown>[] = [];
    const slow = new grpc.Server();
    slow.addService(m.service, {
      Stream: (call: grpc.ServerReadableStream<RaftBatch, unknown>) => {
        call.pause();
        stalled.push(call);
      },
      Send: (_: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
      InstallSnapshot: (_: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { accepted: false, reason: 'slow' }),
    });
    const slowPort = await bind(slow);
    onCleanup(async () => slow.forceShutdown());
    const maxQueueBytes = 1024 * 1024;
    const a = await node('n1', { id: 'n1', options: { maxQueueBytes } });
    const c = await node('n3');
    a.transport.setPeers(new Map([['n2', `127.0.0.1:${slowPort}`], ['n3', c.address]]));

    const entryBytes = 64 * 1024;
    const rounds = 100; // 100 × 32 × 64 KiB = 200 MiB offered to the slow peer
    gc();
    const arrayBuffers0 = process.memoryUsage().arrayBuffers;
    let maxQueued = 0;
    for (let r = 0; r < rounds; r++) {
      const batch: Message[] = [];
      for (let i = 0; i < 32; i++) batch.push(append('n1', 'n2', r * 32 + i + 1, entryBytes));
      batch.push(heartbeat('n1', 'n3', r));
      a.transport.send(batch);
      await sleep(1);
      maxQueued = Math.max(maxQueued, a.transport.stats().peers.get('n2')!.queuedBytes);
    }
    await waitFor('n3 gets every heartbeat', () => c.received.length === rounds);
    const s = a.transport.stats().peers.get('n2')!;
    expect(stalled.length).toBe(1);
    expect(maxQueued).toBeLessThanOrEqual(maxQueueBytes);
    expect(s.dropped).toBeGreaterThan(rounds * 32 * 0.5);
    expect(a.unreachable).toContain('n2');
    expect(s.inflightBytes).toBeLessThanOrEqual(4 * 1024 * 1024 + 33 * entryBytes);
    gc();
    // Queue plus gRPC/HTTP/2 buffers stay a few MiB, far from the 200 MiB offered.
    expect(process.memoryUsage().arrayBuffers - arrayBuffers0).toBeLessThan(32 * 1024 * 1024);
  });
});
