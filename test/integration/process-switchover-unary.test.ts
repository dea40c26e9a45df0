// Switchover as a client without retries sees it: plain unary gRPC writers (no leader tracking,
// no retries, no request ids) spread over every member. Every member must carry a request
// through the moment it knows no leader (holding it until the new leader is known) instead of
// answering UNAVAILABLE, so such a client sees a pause, never an error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, failureSummary, longestGapMs, medianMax, missingWrites, readPrefix, startUnaryWriters } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const SWITCHOVERS = 20;
const WRITERS = 16;
/** Switchovers overtaken by an election that are tolerated (and printed) before the test fails. */
const MAX_REFUSED = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('switchover under plain unary writers on every member, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test(`${SWITCHOVERS} switchovers in a row under ${WRITERS} unary writers: no client error, no lost write`, async () => {
    const c = cluster!;
    const admin = c.client({ timeoutMs: 15_000 });
    const load = startUnaryWriters(c.endpoints(), { writers: WRITERS, prefix: 'uw', timeoutMs: 10_000 });
    await sleep(500);
    const ackGaps: number[] = [];
    const refused: string[] = [];
    let done = 0;
    let leader = (await c.leader()).id;
    try {
      for (let attempt = 1; done < SWITCHOVERS && attempt <= SWITCHOVERS + MAX_REFUSED; attempt++) {
        const acksBefore = load.ackTimes.length;
        try {
          const res = await admin.cluster.transferLeadership({ expectedLeader: leader }, { timeoutMs: 15_000 });
          expect(res.switchover, `switchover ${attempt}`).toMatchObject({ state: 'done', from: leader });
          leader = res.leader;
          done++;
        } catch (e) {
          const err = e as { code?: string; message: string };
          if (!err.code) throw e;
          refused.push(`attempt ${attempt} from ${leader}: ${err.code} ${err.message}`);
          leader = (await c.leader()).id;
        }
        await eventually(() => load.ackTimes.length > acksBefore + WRITERS, 10_000, 5);
        ackGaps.push(longestGapMs(load.ackTimes.slice(acksBefore)));
      }
    } finally {
      await load.stop();
    }
    for (const r of refused) console.log(`[switchover-unary] ${r}`);
    const g = medianMax(ackGaps);
    console.log(
      `[switchover-unary] ${done} done, ${refused.length} failed; longest write gap per switchover median ${g.median} ms, max ${g.max} ms ` +
        `(all: ${ackGaps.join(' ')}); ${load.acked.size} writes acked, client errors ${load.failures.length} ${JSON.stringify(failureSummary(load.failures))}`,
    );
    for (const f of load.failures.slice(0, 10)) console.log(`  ${f.key}: ${f.code} ${f.message}`);
    expect(done).toBe(SWITCHOVERS);
    expect(load.failures).toEqual([]);
    expect(missingWrites(load.acked, await readPrefix(admin, 'uw/'))).toEqual([]);
    admin.close();
  });
});
