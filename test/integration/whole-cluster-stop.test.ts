// A whole cluster stopped at once (docker compose down, `raftdb dev` on Ctrl-C) is routine: the
// leader finds nobody to hand over to and says so at info, with no warning. A member that began to
// stop answers Status with UNAVAILABLE, so a leader stopping beside it does not pick it and start a
// transfer that the election of the others' shutdown then aborts (a CI run saw exactly that).
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { connect } from '../../src/client/index.js';
import { Forwarder } from '../../src/server/forwarder.js';
import { InProcessCluster } from './in-process.js';

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test('stopping every member at once: the leader stops without a handover, and nothing warns', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  cluster = await InProcessCluster.start(3, { logger });
  const leader = await cluster.leader();
  const client = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000 });
  await client.put('k', 'v');
  client.close();

  const nodes = [...cluster.nodes.values()];
  await Promise.all(nodes.map((n) => n.close()));
  const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; node?: string });
  const said = (msg: string): boolean => records.some((r) => r.msg === msg);
  expect(said('stopping without a handover: no other voter can take over'), `leader ${leader.id} found nobody to hand over to`).toBe(true);
  expect(said('switchover aborted')).toBe(false);
  expect(records.filter((r) => r.level >= 40)).toEqual([]);
});

test('a stopping member answers Status with UNAVAILABLE, as a leader stopping beside it asks it', async () => {
  cluster = await InProcessCluster.start(3);
  const leader = await cluster.leader();
  // The call a stopping leader's switchover makes to check a candidate (failover-ports.ts): one
  // attempt, no retries.
  const peers = new Forwarder();
  const status = (): Promise<unknown> => peers.forward(leader.address, 'cluster', 'Status', {}, new Date(Date.now() + 1000)).then(() => null, (e: unknown) => e);
  try {
    expect(await status()).toBeNull();
    // The leader's close() hands over first: it still serves meanwhile, but says it is stopping.
    const closing = leader.close();
    const err = await status();
    await closing;
    expect(err).toMatchObject({ code: 14, details: `${leader.id} is stopping` });
  } finally {
    peers.close();
  }
});
