// A follower restarted behind a backlog is caught up without costing the cluster its leader, and
// the leader reaches it as soon as it is back. Issue 18 item 4: sending ~1,300 entries of 8 KiB
// to a restarted follower stalled the leader for 200-400 ms and the other follower started an
// election; a restarted follower waited up to reconnectMaxMs (2 s) for the leader to reconnect.
// Asserted: no member's term moves while the backlog is shipped, the follower catches up, and it
// hears from the leader well within reconnectMaxMs of starting (before the reconnect fix: 1.2-1.6 s
// after it started listening in 4 of 6 runs). Other timings are printed, not asserted. To try
// harder cases by hand: CATCHUP_ENTRIES (default 1500) and CATCHUP_BURNERS (processes spinning
// on the CPU while the backlog is shipped, default 0).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const ENTRIES = Number(process.env.CATCHUP_ENTRIES ?? 1500);
const VALUE_BYTES = 8 * 1024;
const WRITERS = 16;

/** Milliseconds (pino `time`) of the first log line after the last start marker matching `pick`. */
function lastRunTime(log: string, pick: (line: Record<string, unknown>) => boolean): number | null {
  const run = log.slice(log.lastIndexOf('\n---- ') + 1);
  for (const text of run.split('\n')) {
    if (!text.startsWith('{')) continue;
    const line = JSON.parse(text) as Record<string, unknown>;
    if (pick(line)) return Number(line.time);
  }
  return null;
}

/** Samples of the event-loop delay histogram above 100 ms, from a node's /metrics. */
async function slowLoopSamples(http: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  let total = 0;
  let upTo100ms = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('raftdb_eventloop_delay_seconds_count')) total = Number(line.split(' ').pop());
    const m = /^raftdb_eventloop_delay_seconds_bucket\{[^}]*le="0\.1"[^}]*\} (\d+)/.exec(line);
    if (m) upTo100ms = Number(m[1]);
  }
  return total - upTo100ms;
}

describe('catch-up of a restarted follower, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test(`${ENTRIES} x 8 KiB behind: caught up, no election, reached within a fraction of reconnectMaxMs`, async () => {
    const c = cluster!;
    const client = c.client({ timeoutMs: 20_000 });
    await client.put('catchup/warm', 'v');
    const leader = await c.leader();
    const follower = c.live().find((id) => id !== leader.id)!;
    const other = c.live().find((id) => id !== leader.id && id !== follower)!;
    expect(await c.sigterm(follower)).toBe(0);

    const value = Buffer.alloc(VALUE_BYTES, 7);
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < ENTRIES; i = next++) await client.put(`catchup/${i}`, value);
      }),
    );
    // The backlog is in place and the leader has been failing to reach the follower for a while.
    const before = await c.leader();
    expect(before.id).toBe(leader.id);
    const leaderHttp = c.httpOf(leader.id);
    const slowBefore = await slowLoopSamples(leaderHttp);

    // Client work goes on while the backlog is shipped: it must not stall either.
    let writing = true;
    let during = 0;
    const trickle = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; writing; i++, during++) await client.put(`catchup/during/${w}/${i}`, value);
    });
    const burners = Array.from({ length: Number(process.env.CATCHUP_BURNERS ?? 0) }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    const restartedAt = Date.now();
    await c.restart(follower, { wait: false });
    const commit = (await c.status(leader.id))!.commitIndex;
    const caughtUp = await eventually(async () => ((await c.status(follower))?.appliedIndex ?? 0) >= commit, 60_000);
    const caughtUpMs = Date.now() - restartedAt;
    writing = false;
    for (const b of burners) b.kill('SIGKILL');
    await Promise.all(trickle);
    const after = await Promise.all([leader.id, other, follower].map((id) => c.status(id)));
    const slowAfter = await slowLoopSamples(leaderHttp);
    const appendErrors = (await (await fetch(`http://${leaderHttp}/metrics`)).text()).split('\n').filter((l) => l.startsWith('raftdb_append_errors_total'));

    const log = c.logTail(follower, 100_000);
    const startedAt = lastRunTime(log, (l) => l.msg === 'raftdb node started');
    const heardAt = lastRunTime(log, (l) => l.msg === 'raft state changed' && typeof l.leader === 'string' && l.leader !== '');
    const reachedMs = startedAt !== null && heardAt !== null ? heardAt - startedAt : null;
    console.log(
      `[catch-up] ${ENTRIES} x ${VALUE_BYTES} B: caught up in ${caughtUpMs} ms (${during} puts meanwhile); leader reached the follower ${reachedMs} ms after it started listening; ` +
        `leader event-loop samples > 100 ms during catch-up: ${slowAfter - slowBefore}; terms ${after.map((s) => `${s?.id}@${s?.term}`).join(' ')} (was ${before.term}); leader ${appendErrors.join(' ')}`,
    );
    expect(caughtUp).toBe(true);
    for (const s of after) expect({ id: s?.id, term: s?.term }).toEqual({ id: s?.id, term: before.term });
    expect((await c.leader()).id).toBe(leader.id);
    // A peer that comes back is reached within about a heartbeat (50 ms) of announcing itself
    // (its first pre-vote, 150-300 ms after start); reconnectMaxMs is 2 s.
    expect(reachedMs).not.toBeNull();
    expect(reachedMs!).toBeLessThan(1000);
    const local = c.client({ endpoints: c.endpoints([follower]) });
    const got = await local.get(`catchup/${ENTRIES - 1}`, { consistency: 'serializable' });
    expect(got.kv?.value.length).toBe(VALUE_BYTES);
  }, 120_000);
});
