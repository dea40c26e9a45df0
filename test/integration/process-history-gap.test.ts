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

test('kill -9 of the leader with no client traffic at all: the outage ends at the new leader\'s first commit, recorded without a write', async () => {
  const c = cluster!;
  const client = c.client();
  const old = await c.leader();
  const killedAt = Date.now();
  await c.kill9(old.id);
  const next = await c.leader(15_000, [old.id]);
  // Nobody writes, before or after: the event must come from the server alone.
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
  expect(event!.unavailableMs).toBeGreaterThan(0);
  expect(event!.unavailableMs).toBeLessThan(2500);
  await c.restart(old.id);
});

test('2 of 3 nodes killed for a few seconds, no client traffic: a quorum-loss event with about the outage as its duration', async () => {
  const c = cluster!;
  const client = c.client();
  const lead = await c.leader();
  const others = c.live().filter((id) => id !== lead.id);
  const killedAt = Date.now();
  await Promise.all(others.map((id) => c.kill9(id)));
  await new Promise((r) => setTimeout(r, 4000));
  const restartedAt = Date.now();
  await Promise.all(others.map((id) => c.restart(id)));
  const outageMs = restartedAt - killedAt;
  type Loss = Awaited<ReturnType<typeof client.cluster.failoverHistory>>['quorumLosses'][number];
  let loss: Loss | undefined;
  await eventually(async () => {
    const h = await client.cluster.failoverHistory();
    loss = h.quorumLosses.find((e) => e.startedAtMs >= killedAt - 1000);
    return loss !== undefined;
  }, 15_000, 200);
  const seenAt = Date.now();
  console.log(`[history] ${others.join(',')} killed for ${outageMs} ms (until their restart began); recorded ${JSON.stringify(loss)}`);
  // The survivor was the leader: it stepped down by check-quorum and saw commits resume.
  expect(loss).toMatchObject({ cause: 'check-quorum', lastLeader: lead.id, lastLeaderTerm: lead.term });
  expect(loss!.observedBy).toContain(lead.id);
  expect(loss!.regainedTerm).toBeGreaterThan(lead.term);
  // Behaviour, not timing: it began around the kill and lasted at least the time both were
  // down, and ended before the test saw it.
  expect(loss!.startedAtMs).toBeGreaterThan(killedAt - 1000);
  expect(loss!.startedAtMs).toBeLessThan(killedAt + 1000);
  expect(loss!.durationMs).toBeGreaterThan(outageMs - 1000);
  expect(loss!.endedAtMs).toBeLessThanOrEqual(seenAt);
  expect(loss!.durationMs).toBeCloseTo(loss!.endedAtMs - loss!.startedAtMs, 0);
  const h = await client.cluster.failoverHistory();
  expect(h.quorumLosses.filter((e) => e.regainedTerm === loss!.regainedTerm)).toHaveLength(1);
});
