// Load shedding on real processes under artificially small bounds (serve flags): past the bound
// of proposals waiting to be applied, the leader answers new writes UNAVAILABLE at once with a
// retry hint; a follower whose event loop was stopped answers the requests it finds waiting
// UNAVAILABLE instead of serving them late. Both are counted in raftdb_shed_requests_total.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sample, scrape } from './fixtures/flood.js';
import { RawKv } from './fixtures/raw.js';
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

  test("a follower stopped for a second sheds the requests it finds waiting instead of serving them late, then serves again", async () => {
    const c = cluster!;
    const leader = await c.leader();
    const id = [...c.nodes.keys()].find((n) => n !== leader.id)!;
    const node = c.nodes.get(id)!;
    const kv = new RawKv(node.address, undefined, true);
    try {
      expect((await kv.call('Get', { key: key('shed/warm'), consistency: 'SERIALIZABLE' })).code).toBe('OK'); // connected
      c.sigstop(id);
      const pending = kv.call('Get', { key: key('shed/warm'), consistency: 'SERIALIZABLE' }, 10_000);
      await sleep(1000);
      c.sigcont(id);
      const late = await pending;
      console.log(`[shedding] a read that waited for a stopped follower: ${late.code} ${late.details}`);
      expect(late.code).toBe('UNAVAILABLE');
      expect(late.details).toMatch(/node overloaded: its event loop runs \d+ ms late \(--shed-event-loop-delay-ms 300\)/);
      let served = false;
      for (let i = 0; i < 50 && !served; i++) {
        served = (await kv.call('Get', { key: key('shed/warm'), consistency: 'SERIALIZABLE' })).code === 'OK';
        if (!served) await sleep(100);
      }
      expect(served).toBe(true);
      const metrics = (await scrape(node.http))!;
      expect(sample(metrics, 'raftdb_shed_requests_total', 'reason="event_loop"')).toBeGreaterThanOrEqual(1);
      const count = sample(metrics, 'raftdb_eventloop_delay_seconds_count')!;
      const under = sample(metrics, 'raftdb_eventloop_delay_seconds_bucket', 'le="0.5"')!;
      expect(count - under).toBeGreaterThanOrEqual(1); // the stop, as one sample past 500 ms
    } finally {
      kv.close();
    }
  });
});
