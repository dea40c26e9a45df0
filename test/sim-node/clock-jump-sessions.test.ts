// Exactly-once under a wall-clock jump: the exactly-once table may push out a session only once it
// has been idle for sessionIdleMs, by the time stamped into each request. A leader whose wall
// clock jumped forward an hour must not make a session active a moment ago look idle: that
// session's retry would then apply a second time.
import { expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import { HistoryRecorder } from '../../src/history/index.js';
import { threeMembers } from './three-members.js';
import { VirtualTime } from './virtual-time.js';
import { Workload } from './workload.js';

test("a leader's wall clock jumping an hour ahead does not evict a live session: its retry is answered from the table, not applied again", async () => {
  const time = new VirtualTime();
  try {
    const rng = new Rng(1);
    const { net, members, leader } = await threeMembers(time, rng, { member: { dedupe: { maxClients: 2, sessionIdleMs: 60_000 } } });
    const clients = new Workload(rng, net, members, new HistoryRecorder({ clockNs: () => time.historyNs() }), { clients: 0, keys: 1, asyncShare: 0, writeBudgetMs: 3_000, attemptMs: [3_000] });
    const put = async (client: string, seq: number, value: string): Promise<string> => {
      const p = clients.call(client, leader, 'Put', { key: Buffer.from(client), value: Buffer.from(value), commitMode: 'SEMI_SYNC', id: { clientId: client, seq } }).then(
        (r) => `revision ${(r as { header: { revision: number } }).header.revision}`,
        (err: Error) => err.message,
      );
      await time.advance(200);
      return p;
    };
    const first = await put('a', 1, 'a1');
    await put('b', 1, 'b1');
    leader.clock.jump(3_600_000);
    // A third session while the table is full: a and b were active within the last 60 s.
    const third = await put('c', 1, 'c1');
    // a's first attempt was applied but, say, its answer lost: the retry carries the same request id.
    const retry = await put('a', 1, 'a1');
    expect({ first, third, retry }).toEqual({ first, third: expect.stringMatching(/exactly-once table is full/), retry: first });
    // A minute later (real time, on every clock) the sessions are idle: the new one gets in.
    await time.advance(61_000);
    expect(await put('c', 1, 'c1')).toMatch(/^revision \d+$/);
    for (const m of members) m.crash(false);
  } finally {
    time.uninstall();
  }
}, 60_000);
