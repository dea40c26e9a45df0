// Acknowledgements wait for the disk. With each node's WAL on an in-memory disk that can be held
// (test/support/memory-disk.ts#stall), a write whose log records have not reached the disks it
// depends on must not be acknowledged: a follower answers an append only once it is durable
// (else a majority could "hold" a write that a power cut takes from all of them), and an ASYNC
// write is acknowledged once the leader's own copy is durable, not before. The disks are held for
// less than an election timeout, so leadership stays put while the write waits.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { MemoryDisk } from '../support/memory-disk.js';
import { InProcessCluster } from './in-process.js';

const HOLD_MS = 400;

/** What `p` has come to after `ms` (still pending, resolved or rejected). */
async function after(p: Promise<unknown>, ms: number): Promise<'pending' | 'ok' | 'failed'> {
  let state: 'pending' | 'ok' | 'failed' = 'pending';
  p.then(
    () => (state = 'ok'),
    () => (state = 'failed'),
  );
  await new Promise((r) => setTimeout(r, ms));
  return state;
}

describe('acknowledgements wait for the disk', () => {
  const disks = new Map<string, MemoryDisk>();
  let cluster: InProcessCluster;
  let client: RaftdbClient;

  beforeAll(async () => {
    // Inline (synchronous) WAL writes cannot be held: every write goes through the async path.
    cluster = await InProcessCluster.start(3, {}, (id) => {
      const disk = new MemoryDisk();
      disks.set(id, disk);
      return { wal: { disk: disk.mount(), inlineMaxEntries: 0 } };
    });
    client = connect({ endpoints: cluster.endpoints(), timeoutMs: 10_000 });
    await client.put('warm-up', 'x');
  });

  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  test('a SYNC write is not acknowledged while no follower has it on disk', async () => {
    const leader = await cluster.leader();
    const releases = [...disks].filter(([id]) => id !== leader.id).map(([, d]) => d.stall());
    const put = client.put('sync-key', 'v', { commitMode: 'sync' });
    const during = await after(put, HOLD_MS);
    for (const release of releases) release();
    expect(during, 'acknowledged while both followers still had it in flight to their disks').not.toBe('ok');
    if (during === 'pending') await put;
    else await client.put('sync-key', 'v', { commitMode: 'sync' });
    expect(await client.getString('sync-key')).toBe('v');
  });

  test("an ASYNC write is not acknowledged before the leader's own copy is on disk", async () => {
    const leader = await cluster.leader();
    const release = disks.get(leader.id)!.stall();
    const put = client.put('async-key', 'v', { commitMode: 'async' });
    const during = await after(put, HOLD_MS);
    release();
    expect(during, "acknowledged while the leader's log write was still in flight").not.toBe('ok');
    if (during === 'pending') await put;
    else await client.put('async-key', 'v', { commitMode: 'async' });
    expect(await client.getString('async-key')).toBe('v');
  });
});
