// InstallSnapshot: a ~20 MiB snapshot streams in ≤ 1 MiB chunks with back-pressure and is acked;
// a refusing receiver, a failing source and a second snapshot in flight are reported correctly.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotRequest } from '../../src/raft/types.js';
import { MAX_SNAPSHOT_CHUNK_BYTES } from '../../src/transport/index.js';
import { bytesSource, connect, snapshotMessage, startNode, waitFor, type TestNode } from './helpers.js';

let nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

async function digest(chunks: AsyncIterable<Uint8Array>, sizes?: number[]): Promise<string> {
  const h = createHash('sha256');
  for await (const c of chunks) {
    sizes?.push(c.length);
    h.update(c);
  }
  return h.digest('hex');
}

describe('transport snapshots', () => {
  it('streams a 20 MiB snapshot, rewritten by the source, and reports it acknowledged', async () => {
    const chunkSizes: number[] = [];
    let receivedDigest = '';
    let sourceCalls = 0;
    const rewritten = snapshotMessage('n1', 'n2', 5000);
    const a = await startNode({
      id: 'n1',
      handlers: {
        snapshotSource: async () => {
          sourceCalls++;
          // 5 × 4 MiB chunks: the transport must re-cut them to ≤ 1 MiB.
          return { message: rewritten, chunks: bytesSource(4 * 1024 * 1024, 5) };
        },
      },
    });
    const b = await startNode({
      id: 'n2',
      handlers: {
        onSnapshot: async (message, chunks) => {
          receivedDigest = await digest(chunks, chunkSizes);
          b.received.push(message);
        },
      },
    });
    nodes = [a, b];
    connect(nodes);
    a.transport.send([snapshotMessage('n1', 'n2', 1000)]);
    expect(a.transport.stats().peers.get('n2')!.snapshotInFlight).toBe(true);
    // Raft never asks twice, but if it did the second must not start a parallel transfer.
    a.transport.send([snapshotMessage('n1', 'n2', 1001)]);
    await waitFor('ack', () => a.snapshotsSent.length === 1, 60_000);
    expect(a.snapshotsSent).toStrictEqual([{ peer: 'n2', ok: true }]);
    expect(sourceCalls).toBe(1);
    expect(b.received).toStrictEqual([rewritten]);
    expect(receivedDigest).toBe(await digest(bytesSource(4 * 1024 * 1024, 5)));
    expect(chunkSizes.reduce((x, y) => x + y, 0)).toBe(20 * 1024 * 1024);
    expect(Math.max(...chunkSizes)).toBeLessThanOrEqual(MAX_SNAPSHOT_CHUNK_BYTES);
    const s = a.transport.stats().peers.get('n2')!;
    expect([s.snapshotsSent, s.snapshotsFailed, s.snapshotInFlight, s.dropped]).toStrictEqual([1, 0, false, 1]);
    expect(b.service.stats().snapshotsReceived).toBe(1);
  });

  it('reports failure to the sender when onSnapshot rejects, and the receiver keeps serving', async () => {
    const a = await startNode({ id: 'n1' });
    const b = await startNode({
      id: 'n2',
      handlers: {
        onSnapshot: async (_message, chunks) => {
          for await (const _ of chunks) break; // read a little, then fail like a full disk would
          throw new Error('disk full');
        },
      },
    });
    nodes = [a, b];
    connect(nodes);
    a.transport.send([snapshotMessage('n1', 'n2')]);
    await waitFor('failure reported', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent).toStrictEqual([{ peer: 'n2', ok: false }]);
    const s = a.transport.stats().peers.get('n2')!;
    expect(s.snapshotsFailed).toBe(1);
    expect(s.lastError).toContain('disk full');
    expect(b.service.stats().snapshotsRefused).toBe(1);
    // The next one may start at once, and ordinary traffic still flows.
    a.transport.send([{ type: 'heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, round: 1 }, snapshotMessage('n1', 'n2')]);
    await waitFor('second attempt reported', () => a.snapshotsSent.length === 2);
    await waitFor('heartbeat', () => b.received.length === 1);
  });

  it('reports failure when the snapshot source throws or the peer is removed mid-transfer', async () => {
    let release: () => void = () => undefined;
    const a = await startNode({
      id: 'n1',
      handlers: {
        snapshotSource: async (msg: SnapshotRequest) => {
          if (msg.snapshot.index === 1) throw new Error('no snapshot yet');
          async function* slow(): AsyncGenerator<Uint8Array> {
            yield new Uint8Array(10);
            await new Promise<void>((r) => (release = r));
            yield new Uint8Array(10);
          }
          return { message: msg, chunks: slow() };
        },
      },
    });
    const b = await startNode({ id: 'n2' });
    nodes = [a, b];
    connect(nodes);
    a.transport.send([snapshotMessage('n1', 'n2', 1)]);
    await waitFor('source failure reported', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent[0]).toStrictEqual({ peer: 'n2', ok: false });
    a.transport.send([snapshotMessage('n1', 'n2', 2)]);
    await waitFor('transfer started', () => a.transport.stats().peers.get('n2')?.snapshotInFlight === true);
    a.transport.setPeers(new Map()); // n2 removed from the cluster: Raft must not wait on it
    release();
    await waitFor('removal reported', () => a.snapshotsSent.length === 2);
    expect(a.snapshotsSent[1]).toStrictEqual({ peer: 'n2', ok: false });
  });

  it('cancels a transfer that makes no progress for snapshotStallTimeoutMs', async () => {
    const a = await startNode({
      id: 'n1',
      options: { snapshotStallTimeoutMs: 200 },
      handlers: {
        snapshotSource: async (msg: SnapshotRequest) => ({
          message: msg,
          chunks: (async function* () {
            yield new Uint8Array(10);
            await new Promise(() => undefined); // a source that hangs forever
          })(),
        }),
      },
    });
    const b = await startNode({ id: 'n2' });
    nodes = [a, b];
    connect(nodes);
    a.transport.send([snapshotMessage('n1', 'n2')]);
    await waitFor('stall reported', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent[0]).toStrictEqual({ peer: 'n2', ok: false });
    expect(a.transport.stats().peers.get('n2')!.lastError).toContain('stalled');
    // The receiver sees a stream without its last chunk: its staging fails instead of completing.
    await waitFor('receiver gave up too', () => b.service.stats().rejected === 1);
    expect(b.received).toStrictEqual([]);
  });
});
