// Linearizable reads without log writes (thesis §6.4): ReadIndex confirms leadership with a
// heartbeat round acknowledged by a quorum; a lease read skips the round while the leader's
// lease (§6.4.1) provably holds.
import { describe, expect, test } from 'vitest';
import { NotLeaderError, type Message } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network } from './harness.js';

function electedCluster(): Network {
  const net = new Network();
  net.elect('n1');
  net.tickAll();
  return net;
}

const reads = (net: Network, id: string) => net.peer(id).readStates.map((rs) => rs.ctx);

describe('ReadIndex and leases', () => {
  test('readIndex yields a ReadState only once a quorum has acknowledged a heartbeat round sent after it', () => {
    const net = electedCluster();
    const healN2 = net.isolate('n2');
    net.isolate('n3');
    net.request('n1', (r) => r.readIndex('r1'));
    net.stabilize();
    expect(net.peer('n1').readStates).toEqual([]);

    healN2();
    net.tickAll();
    expect(net.peer('n1').readStates).toEqual([{ ctx: 'r1', index: 2 }]);
  });

  test('a leader cut off after a read never answers it: it steps down and reports the read failed', () => {
    const net = electedCluster();
    net.isolate('n1');
    net.request('n1', (r) => r.readIndex('r1'));
    net.tickAll(3 * ELECTION_TICKS);

    expect(net.raft('n1').role).not.toBe('leader');
    expect(reads(net, 'n1')).toEqual([]);
    expect(net.peer('n1').failedReads).toEqual(['r1']);
  });

  test('a read joined to an unsent one raises its index to the commit index at the join; a sent round takes no more reads', () => {
    const net = electedCluster();
    const n1 = net.raft('n1');
    // A write is replicated, its acknowledgements held back from n1.
    const held: Message[] = [];
    const restore = net.drop((m) => {
      if (m.type === 'appendResponse' && m.to === 'n1') held.push(m);
      return m.type === 'appendResponse' && m.to === 'n1';
    });
    net.request('n1', (r) => r.propose([new Uint8Array([1])]));
    net.stabilize();
    restore();
    const before = n1.log.committed;
    n1.readIndex('r1'); // no Ready taken: r1's round is not sent
    // The acknowledgements arrive in the same turn: the write commits before the second read.
    for (const m of held) n1.step(m);
    expect(n1.log.committed).toBeGreaterThan(before);
    expect(n1.joinReadIndex('r1')).toBe(true);
    net.request('n1', () => undefined); // the Ready: r1's round leaves
    expect(n1.joinReadIndex('r1')).toBe(false);
    net.stabilize();
    // Served at the index the joined read arrived at, which includes the write.
    expect(net.peer('n1').readStates).toEqual([{ ctx: 'r1', index: n1.log.committed }]);
    expect(() => net.raft('n2').joinReadIndex('r1')).toThrow(NotLeaderError);
  });

  test('a read issued before the leader committed an entry of its term waits for that commit', () => {
    const net = new Network();
    const restore = net.drop((m) => m.type === 'appendResponse' && m.to === 'n1');
    net.elect('n1');
    expect(net.raft('n1').log.committed).toBe(1); // its no-op (index 2) is not known committed

    net.request('n1', (r) => r.readIndex('r1'));
    net.tickAll(2);
    expect(net.peer('n1').readStates).toEqual([]);

    restore();
    net.tickAll(2);
    // Served at the new term's commit index: index 1 might have missed writes of earlier leaders.
    expect(net.peer('n1').readStates).toEqual([{ ctx: 'r1', index: 2 }]);
  });

  test('leaseRead is answered in the same Ready while the lease holds, and goes through ReadIndex once it lapsed', () => {
    const net = electedCluster();
    const before = net.peer('n1').readies.length;
    net.leaseRead('n1', 'r1');
    const rds = net.peer('n1').readies.slice(before);
    expect(rds.flatMap((rd) => rd.readStates)).toEqual([{ ctx: 'r1', index: 2 }]);
    expect(rds.flatMap((rd) => rd.messages)).toEqual([]);

    // No quorum acknowledgement for (election timeout - safety margin) ticks: the lease is gone.
    net.isolate('n2');
    net.isolate('n3');
    net.tickAll(ELECTION_TICKS - net.raft('n1').cfg.leaseSafetyTicks);
    expect(net.raft('n1').role).toBe('leader');
    net.leaseRead('n1', 'r2');
    expect(reads(net, 'n1')).toEqual(['r1']);
    expect(net.inFlight().filter((m) => m.type === 'heartbeat')).toHaveLength(2);
  });

  test('leaseRead right after a transfer sent TimeoutNow is not served from the lease', () => {
    const net = electedCluster();
    const before = net.peer('n1').readies.length;
    net.request('n1', (r) => {
      r.transferLeadership('n2');
      r.leaseRead('r1', net.nowMs('n1'));
    });
    expect(net.peer('n1').readies.slice(before).flatMap((rd) => rd.readStates)).toEqual([]);

    net.stabilize();
    expect(net.leader()).toBe('n2');
    // Through ReadIndex it is either confirmed by a quorum of term 2 or failed; never lost.
    expect([...reads(net, 'n1'), ...net.peer('n1').failedReads]).toEqual(['r1']);
  });

  test('readIndex and leaseRead on a follower throw NotLeaderError naming the leader', () => {
    const net = electedCluster();
    for (const read of ['readIndex', 'leaseRead'] as const) {
      let err: unknown;
      try {
        if (read === 'readIndex') net.raft('n2').readIndex('r1');
        else net.raft('n2').leaseRead('r1', net.nowMs('n2'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotLeaderError);
      expect((err as NotLeaderError).leader).toBe('n1');
    }
  });
});
