// Every leadership change is in `raftdb history`, with its unavailability measured on the
// server: a new leader records the event as soon as the first entry of its term commits
// (src/failover/history.ts). It used to wait for the first client write (or 2 s), so a leader
// that handed over before then never recorded its own election, and an outage read as long as
// the time until some client happened to write.
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

test('kill -9 of the leader with no client traffic: the outage ends at the new leader\'s first commit, not at the next write', async () => {
  const c = cluster!;
  const client = c.client();
  await client.put('hg/before', 'v');
  const old = await c.leader();
  const killedAt = Date.now();
  await c.kill9(old.id);
  const next = await c.leader(15_000, [old.id]);
  await new Promise((r) => setTimeout(r, 3000)); // nobody writes for 3 s
  await client.put('hg/after', 'v');
  let event: { to: string; term: number; unavailableMs: number; firstWriteAtMs: number } | undefined;
  await eventually(async () => {
    const h = await client.cluster.failoverHistory();
    event = h.events.find((e) => e.term === next.term);
    return event !== undefined;
  }, 6000, 100);
  console.log(`[history] ${old.id} killed; ${next.id} elected at term ${next.term}; recorded unavailability ${event?.unavailableMs} ms, first commit ${event ? event.firstWriteAtMs - killedAt : '?'} ms after the kill`);
  expect(event?.to).toBe(next.id);
  expect(event!.firstWriteAtMs).toBeGreaterThan(killedAt);
  expect(event!.firstWriteAtMs - killedAt).toBeLessThan(2500);
  expect(event!.unavailableMs).toBeLessThan(2500);
  await c.restart(old.id);
});
