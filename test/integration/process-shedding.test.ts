// Load shedding on real processes under artificially small bounds (serve flags): past the bound
// of proposals waiting to be applied, the leader answers new writes UNAVAILABLE at once with a
// retry hint; a follower whose event loop stays late (stopped and continued again and again)
// answers new requests UNAVAILABLE instead of serving them late, while one stall alone sheds
// nothing. Both are counted in raftdb_shed_requests_total.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sample, scrape } from './fixtures/flood.js';
import { RawKv, type RawResult } from './fixtures/raw.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const key = (s: string): Buffer => Buffer.from(s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('load shedding, 3 processes with --shed-pending-proposals 1 --shed-event-loop-delay-ms 300', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--shed-pending-proposals', '1', '--shed-event-loop-delay-ms', '300'] });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('writes past one waiting proposal are shed at once with UNAVAILABLE and a retry hint; the others are applied; reads are served', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const node = c.nodes.get(leader.id)!;
    const kv = new RawKv(node.address, undefined, true);
    try {
      expect((await kv.call('Put', { key: key('shed/warm'), value: key('v') })).code).toBe('OK');
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => kv.call('Put', { key: key(`shed/${i}`), value: key(`v${i}`) })));
      const ok = results.filter((r) => r.code === 'OK');
      const shed = results.filter((r) => r.code !== 'OK');
      const byProposals = shed.filter((r) => r.details.includes('proposals wait to be applied (--shed-pending-proposals 1)'));
      console.log(`[shedding] 40 concurrent puts: ${ok.length} applied, ${shed.length} shed (${byProposals.length} for waiting proposals): ${shed[0]?.details}`);
      expect(ok.length).toBeGreaterThan(0);
      expect(byProposals.length).toBeGreaterThan(0);
      for (const r of shed) {
        expect(r.code).toBe('UNAVAILABLE');
        expect(r.details).toMatch(/^node overloaded: .*; retry in 200 ms or on another node$/);
        expect(r.retryPushbackMs).toBe(200);
      }
      // What was applied is there; what was shed is not; reads are not shed by proposals.
      for (let i = 0; i < 40; i++) {
        const got = await kv.call('Get', { key: key(`shed/${i}`) });
        expect(got.code).toBe('OK');
        expect(got.response!.found).toBe(results[i]!.code === 'OK');
      }
      const metrics = await scrape(node.http);
      expect(sample(metrics!, 'raftdb_shed_requests_total', 'reason="pending_proposals"')).toBeGreaterThanOrEqual(byProposals.length);
    } finally {
      kv.close();
    }
  });

  test('writes sent to a follower and shed by the leader reach the client with the same status, message and retry hint', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const follower = c.nodes.get([...c.nodes.keys()].find((id) => id !== leader.id)!)!;
    const kv = new RawKv(follower.address, undefined, true);
    try {
      expect((await kv.call('Put', { key: key('shed/f/warm'), value: key('v') })).code).toBe('OK');
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => kv.call('Put', { key: key(`shed/f/${i}`), value: key(`v${i}`) })));
      const shed = results.filter((r) => r.code !== 'OK');
      console.log(`[shedding] 40 concurrent puts through a follower: ${results.length - shed.length} applied, ${shed.length} shed: ${shed[0]?.details} (pushback ${shed[0]?.retryPushbackMs} ms)`);
      expect(shed.length).toBeGreaterThan(0);
      for (const r of shed) {
        expect(r.code).toBe('UNAVAILABLE');
        expect(r.details).toMatch(/^node overloaded: .*; retry in 200 ms or on another node$/);
        expect(r.retryPushbackMs).toBe(200);
      }
    } finally {
      kv.close();
    }
  });

  test('a follower stopped once for a second serves the reads it finds waiting; one whose loop stays late sheds new reads, then serves again', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const id = [...c.nodes.keys()].find((n) => n !== leader.id)!;
    const node = c.nodes.get(id)!;
    const kv = new RawKv(node.address, undefined, true);
    const read = (): Promise<RawResult> => kv.call('Get', { key: key('shed/warm'), consistency: 'SERIALIZABLE' }, 10_000);
    try {
      expect((await read()).code).toBe('OK'); // connected
      // One stall is not overload: the read that waited through it is served (issue 13's frozen
      // leader must still answer the reads queued in its socket).
      c.sigstop(id);
      const pending = read();
      await sleep(1000);
      c.sigcont(id);
      const waited = await pending;
      console.log(`[shedding] a read that waited through one 1 s stop: ${waited.code} ${waited.details}`);
      expect(waited.code).toBe('OK');
      // A loop late turn after turn (stopped 400 ms, running ~3 ms, as a starved or throttled
      // process): new reads are shed, counted, and the stall shows in the histogram.
      const pid = c.pid(id)!;
      const shed: RawResult[] = [];
      for (let round = 0; round < 10 && shed.length === 0; round++) {
        const inFlight = read();
        for (let i = 0; i < 4; i++) {
          process.kill(pid, 'SIGSTOP');
          await sleep(400);
          process.kill(pid, 'SIGCONT');
          const until = performance.now() + 3;
          while (performance.now() < until) {
            // the node runs a few ms: one turn, one late sample
          }
        }
        const r = await inFlight;
        if (r.code !== 'OK') shed.push(r);
      }
      console.log(`[shedding] a read sent to a follower whose loop stays late: ${shed[0]?.code} ${shed[0]?.details}`);
      expect(shed.length).toBe(1);
      expect(shed[0]!.code).toBe('UNAVAILABLE');
      expect(shed[0]!.details).toMatch(/node overloaded: its event loop runs \d+ ms late \(--shed-event-loop-delay-ms 300\); retry in 200 ms/);
      let served = false;
      for (let i = 0; i < 50 && !served; i++) {
        served = (await read()).code === 'OK';
        if (!served) await sleep(100);
      }
      expect(served).toBe(true);
      const metrics = (await scrape(node.http))!;
      expect(sample(metrics, 'raftdb_shed_requests_total', 'reason="event_loop"')).toBeGreaterThanOrEqual(1);
      const count = sample(metrics, 'raftdb_eventloop_delay_seconds_count')!;
      const under = sample(metrics, 'raftdb_eventloop_delay_seconds_bucket', 'le="0.2"')!;
      expect(count - under).toBeGreaterThanOrEqual(2); // the stops, as samples past 200 ms
    } finally {
      c.sigcont(id);
      kv.close();
    }
  });
});
