// Once SYNC has degraded to SEMI_SYNC because a voter is hung, further SYNC writes are
// acknowledged as SEMI_SYNC at once instead of each waiting the full syncTimeoutMs for that voter
// again (src/failover/commit-modes.ts acknowledge()). The first write outlives the client's 1 s
// write attempts: it moves between nodes with its request id until the leader answers.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

let cluster: ProcessCluster | undefined;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
});
afterAll(async () => cluster?.close());
logTailsOnFailure(() => cluster);

test('a degraded SYNC cluster acknowledges as SEMI_SYNC without waiting syncTimeout again', async () => {
  const c = cluster!;
  const client = c.client({ timeoutMs: 10_000 });
  await client.cluster.setCommitMode({ mode: 'sync', syncPolicy: 'degrade', syncTimeoutMs: 4000 });
  const leader = await c.leader();
  const follower = [...c.nodes.keys()].find((id) => id !== leader.id)!;
  c.sigstop(follower);
  try {
    // The first write waits syncTimeoutMs (4 s), then degrades.
    await client.put('deg/1', 'v');
    expect((await c.status(leader.id))?.syncDegraded).toBe(true);
    // A SEMI_SYNC write takes milliseconds here; 2 s is half the sync timeout.
    const second = await client.put('deg/2', 'v', { timeoutMs: 2000 }).then(() => 'OK', (e: { code: string }) => e.code);
    expect(second).toBe('OK');
  } finally {
    c.sigcont(follower);
  }
});
