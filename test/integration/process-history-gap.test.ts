// KNOWN FAILING (not committed): a leader records its own election in the replicated history
// only after its first acknowledged write, or 2 s after winning when there is none
// (src/failover/history.ts). A leader that hands over before that never records it: a
// leadership change goes missing from `raftdb history`.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

let cluster: ProcessCluster | undefined;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
});
afterAll(async () => cluster?.close());
logTailsOnFailure(() => cluster);

test('two switchovers in a row, no writes: both are in the history', async () => {
  const c = cluster!;
  const client = c.client();
  const first = await client.cluster.transferLeadership({});
  const second = await client.cluster.transferLeadership({ expectedLeader: first.leader });
  const wanted = [`${first.switchover!.from}->${first.leader}`, `${second.switchover!.from}->${second.leader}`];
  let seen: string[] = [];
  await eventually(async () => {
    const h = await client.cluster.failoverHistory();
    seen = h.events.filter((e) => e.reason === 'switchover').map((e) => `${e.from}->${e.to}`);
    return wanted.every((w) => seen.includes(w));
  }, 6000, 200);
  console.log(`[history] wanted ${wanted.join(', ')}; recorded ${seen.join(', ')}`);
  expect(seen).toEqual(wanted);
});
