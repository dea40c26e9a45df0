// Linearizable reads arriving before the next Ready share one ReadIndex request
// (driver.ts#confirmReadIndex, the core's joinReadIndex): one pending read in the core and one
// waiter for all of them. A read arriving once that request's round has left makes its own, and
// is served at an index no lower than the commit index when it arrived.
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/state/index.js';
import { elected, singleNode, type SingleNode } from './driver-node.js';

/** Counts the core's readIndex and leaseRead requests: the ReadIndex requests the driver made. */
function countRequests(n: SingleNode): { readIndex: number; leaseRead: number } {
  const counts = { readIndex: 0, leaseRead: 0 };
  const readIndex = n.raft.readIndex.bind(n.raft);
  const leaseRead = n.raft.leaseRead.bind(n.raft);
  n.raft.readIndex = (ctx) => {
    counts.readIndex++;
    readIndex(ctx);
  };
  n.raft.leaseRead = (ctx, nowMs) => {
    counts.leaseRead++;
    leaseRead(ctx, nowMs);
  };
  return counts;
}

const put = (k: string): Uint8Array => encodeCommand({ type: 'put', key: Buffer.from(k), value: Buffer.from('v') });

describe('RaftDriver linearizable reads', () => {
  it('reads of one turn share one ReadIndex request; a read after its round makes its own, at an index that covers an acknowledged write', async () => {
    const n = await singleNode();
    try {
      await elected(n);
      const counts = countRequests(n);
      const committedBefore = n.raft.log.committed;
      const first = await Promise.all(Array.from({ length: 50 }, () => n.driver.confirmReadIndex(false)));
      expect(counts.readIndex).toBe(1);
      expect(new Set(first).size).toBe(1);
      expect(first[0]).toBeGreaterThanOrEqual(committedBefore);

      // A write acknowledged after the first reads' round: the next read must see it.
      const w = n.driver.propose(put('k'));
      await w.result;
      const after = await Promise.all([n.driver.confirmReadIndex(false), n.driver.confirmReadIndex(false)]);
      expect(counts.readIndex).toBe(2);
      expect(after[0]).toBeGreaterThanOrEqual(w.index);
      expect(after[1]).toBe(after[0]);

      // Lease reads are not joined: each is judged on the clock at its own arrival.
      await Promise.all([n.driver.confirmReadIndex(true), n.driver.confirmReadIndex(true)]);
      expect(counts.leaseRead).toBe(2);
      expect(counts.readIndex).toBe(2);
    } finally {
      await n.close();
    }
  });

  it('every read joined to a request the core refuses is refused with it, and the next read starts afresh', async () => {
    const n = await singleNode();
    try {
      await elected(n);
      const readIndex = n.raft.readIndex.bind(n.raft);
      let refuse = true;
      n.raft.readIndex = (ctx) => {
        if (refuse) throw new Error('refused for the test');
        readIndex(ctx);
      };
      await expect(n.driver.confirmReadIndex(false)).rejects.toThrow('refused for the test');
      await expect(n.driver.confirmReadIndex(false)).rejects.toThrow('refused for the test'); // not joined to the refused one
      refuse = false;
      const reads = await Promise.all([n.driver.confirmReadIndex(false), n.driver.confirmReadIndex(false)]);
      expect(reads[0]).toBe(n.raft.log.committed);
      expect(reads[1]).toBe(reads[0]);
    } finally {
      await n.close();
    }
  });
});
