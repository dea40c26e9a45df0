// A leader's backlog for a follower that is catching up (a whole flow-control window of appends
// in one Ready) goes out at most maxBytesPerTurn per turn of the event loop, so timers
// (heartbeats) and incoming messages are served between its batches: issue 18 saw the leader's
// loop held for 200-400 ms while it sent ~1,300 entries of 8 KiB, and a follower start an election.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { DEFAULT_TRANSPORT_OPTIONS } from '../../src/transport/transport.js';
import { bytes, connect, nodesPerTest, waitFor } from './helpers.js';

const { node } = nodesPerTest();

const MiB = 1024 * 1024;

/** An append of `count` entries of `size` bytes after `prevIndex`. */
function append(prevIndex: number, count: number, size: number): Extract<Message, { type: 'append' }> {
  const entries = Array.from({ length: count }, (_, k) => ({ index: prevIndex + k + 1, term: 2, type: 0 as const, data: bytes(size, prevIndex + k + 1) }));
  return { type: 'append', from: 'n1', to: 'n2', term: 2, prevIndex, prevTerm: 2, commit: 0, entries };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('catch-up pacing', () => {
  it('writes an 8 MiB backlog at most maxBytesPerTurn per turn, in order, and delivers all of it', async () => {
    const a = await node('n1');
    const b = await node('n2');
    connect([a, b]);
    a.transport.send([append(0, 1, 16)]);
    await waitFor('the stream is open', () => b.received.length === 1);
    const sentBefore = a.transport.stats().peers.get('n2')!.bytesSent;

    // 8 appends of 1 MiB (128 entries of 8 KiB), as one Ready for a lagging follower holds.
    const backlog = Array.from({ length: 8 }, (_, i) => append(1 + i * 128, 128, 8 * 1024));
    a.transport.send(backlog);
    const perTurn: number[] = [];
    let last = sentBefore;
    while (perTurn.length < 200 && b.received.length < 9) {
      await nextTurn();
      const sent = a.transport.stats().peers.get('n2')!.bytesSent;
      perTurn.push(sent - last);
      last = sent;
    }
    await waitFor('the whole backlog arrives', () => b.received.length === 9);
    // One batch may take the turn past the budget (a batch is never split), never more.
    const bound = DEFAULT_TRANSPORT_OPTIONS.maxBytesPerTurn + DEFAULT_TRANSPORT_OPTIONS.maxBatchBytes;
    expect(Math.max(...perTurn)).toBeGreaterThan(0);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(bound);
    const firstIndexes = b.received.slice(1).map((m) => (m.type === 'append' ? m.entries[0]!.index : -1));
    expect(firstIndexes).toEqual(backlog.map((m) => m.entries[0]!.index));
  });

  it('counts a lazily encoded append against the queue bound by its estimated size', async () => {
    // Each append is 128 x (8 KiB + 24) + 64 bytes by the estimate: a 3.5 MiB queue holds three.
    const a = await node('n1', { id: 'n1', options: { maxQueueBytes: 3.5 * MiB } });
    const b = await node('n2');
    connect([a, b]);
    const backlog = Array.from({ length: 8 }, (_, i) => append(1 + i * 128, 128, 8 * 1024));
    a.transport.send(backlog);
    await waitFor('the newest three arrive', () => b.received.length === 3);
    expect(a.transport.stats().peers.get('n2')!.dropped).toBe(5);
    expect(b.received.map((m) => (m.type === 'append' ? m.entries[0]!.index : -1))).toEqual(backlog.slice(5).map((m) => m.entries[0]!.index));
  });
});
