// A peer that comes back (a restarted follower) is reached as soon as it announces itself, not
// after this node's reconnect back-off: issue 18 saw a restarted follower wait 2-3 s
// (reconnectMaxMs) for the leader. The back-off here is 10 s, so only the reset can explain a
// delivery within the test's few seconds.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/types.js';
import { freePort, nodesPerTest, sleep, waitFor } from './helpers.js';

const { node } = nodesPerTest();

const heartbeat = (from: string, to: string, round: number): Message => ({ type: 'heartbeat', from, to, term: 2, commit: 0, round });
const append = (from: string, to: string, index: number): Message => ({
  type: 'append',
  from,
  to,
  term: 2,
  prevIndex: index - 1,
  prevTerm: 2,
  commit: 0,
  entries: [{ index, term: 2, type: 0, data: new Uint8Array(8) }],
});

describe('reconnecting to a peer that comes back', () => {
  it('connects at once, stream and urgent lane, when the peer sends its first message', async () => {
    const slow = { reconnectBaseMs: 10_000, reconnectMaxMs: 10_000 };
    const a = await node('n1', { id: 'n1', options: slow });
    const downPort = await freePort();
    a.transport.setPeers(new Map([['n2', `127.0.0.1:${downPort}`]]));
    // Appends (the stream) and heartbeats (the urgent lane, unary while the stream is down) fail.
    a.transport.send([append('n1', 'n2', 1), heartbeat('n1', 'n2', 1)]);
    await waitFor('n2 reported unreachable', () => a.unreachable.includes('n2'));
    await sleep(300); // both channels are in gRPC's back-off now
    a.transport.send([heartbeat('n1', 'n2', 2)]);

    const b = await node('n2', { id: 'n2', port: downPort });
    b.transport.setPeers(new Map([['n1', a.address]]));
    // n2 announces itself, as a restarted follower's first pre-vote does.
    b.transport.send([{ type: 'preVote', from: 'n2', to: 'n1', term: 3, lastLogIndex: 0, lastLogTerm: 0 }]);
    await waitFor('n1 hears from n2', () => a.received.some((m) => m.type === 'preVote'));
    a.transport.send([heartbeat('n1', 'n2', 3), append('n1', 'n2', 2)]);
    await waitFor('n2 gets the heartbeat and the append', () => b.received.some((m) => m.type === 'heartbeat') && b.received.some((m) => m.type === 'append'), 3000);
    expect(b.received.filter((m) => m.type === 'append').map((m) => (m.type === 'append' ? m.entries[0]!.index : 0))).toEqual([2]);
  });

  it('ignores a peer it is not backing off from: a healthy connection is left alone', async () => {
    const a = await node('n1');
    const b = await node('n2');
    a.transport.setPeers(new Map([['n2', b.address]]));
    b.transport.setPeers(new Map([['n1', a.address]]));
    a.transport.send([append('n1', 'n2', 1)]);
    await waitFor('the stream works', () => b.received.length === 1);
    b.transport.send(Array.from({ length: 20 }, (_, i) => heartbeat('n2', 'n1', i)));
    await waitFor('n1 hears n2', () => a.received.length === 20);
    a.transport.send([append('n1', 'n2', 2)]);
    await waitFor('the same stream goes on', () => b.received.length === 2);
    expect(a.transport.stats().peers.get('n2')!.reconnects).toBe(0);
  });
});
