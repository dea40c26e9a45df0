// A learner catches up with one snapshot while clients keep writing: the leader keeps, beyond
// keepEntries, the log entries after the snapshot it is sending (up to catchUpBytes). Before,
// a transfer that took longer than keepEntries writes found the entries after its snapshot
// compacted, and the learner needed another snapshot, and under steady writes another. The
// transfer is made slow on purpose with the node's snapshot rate limit (1 MiB/s).
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { freePorts, InProcessCluster } from './in-process.js';
import type { NodeOptions } from '../../src/server/index.js';

let cluster: InProcessCluster | undefined;
const clients: RaftdbClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.close();
  cluster = undefined;
});

const MiB = 1024 * 1024;

/**
 * 3 nodes (in-process defaults: snapshotEntries 200, keepEntries 20) holding 3 MiB, then a learner
 * added while 8 writers put small values; resolves with the snapshots the leader sent and the
 * puts made between MemberAdd and the learner's install.
 */
async function catchUpUnderWrites(
  extra: Partial<NodeOptions>,
  perNode: (id: string) => Partial<NodeOptions> = () => ({}),
  keys = 300,
): Promise<{ sent: number; putsDuringTransfer: number; leaderChanged: boolean; snapshotLines: string[]; leaderId: string }> {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  cluster = await InProcessCluster.start(3, { logger, snapshotSendBytesPerSec: MiB, ...extra }, perNode);
  await cluster.leader();
  const client = connect({ endpoints: cluster.endpoints(), timeoutMs: 20_000, maxConcurrentWrites: 16 });
  clients.push(client);
  for (let i = 0; i < keys; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => client.put(`big/${i + j}`, Buffer.alloc(10 * 1024, i + j))));
  const leader = await cluster.leader();
  expect(leader.raft.snapshot.index, 'the leader compacted its log: a new member needs a snapshot').toBeGreaterThan(0);

  const [port] = await freePorts(1);
  const address = `127.0.0.1:${port}`;
  cluster.peers.set('n4', address);
  await cluster.startNode('n4', true);
  let puts = 0;
  let writing = true;
  const writers = Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        await client.put(`small/${w}/${i % 50}`, `v${i}`);
        puts++;
      }
    }),
  );
  try {
    const putsAtAdd = puts;
    const termAtAdd = leader.raft.term;
    await client.cluster.memberAdd({ id: 'n4', address, learner: true });
    // The in-process nodes share one logger: only n4 installs a snapshot here.
    const installed = (): boolean => lines.some((l) => l.includes('installed snapshot from leader'));
    if (!(await eventually(installed, 60_000))) console.log(lines.filter((l) => /snapshot|n4/.test(l)).slice(-30).join(""));
    expect(installed(), "n4 installed a snapshot").toBe(true);
    const putsDuringTransfer = puts - putsAtAdd;
    // Caught up while the writes go on: n4 applied what the leader had committed a moment ago.
    const n4 = cluster.nodes.get('n4')!;
    for (let round = 0; round < 2; round++) {
      const target = (await cluster.leader()).raft.log.committed;
      expect(await eventually(() => n4.raft.log.applied >= target, 60_000), `n4 applied ${target}`).toBe(true);
    }
    const sent = lines.filter((l) => l.includes('"msg":"sending snapshot"')).length;
    const now = await cluster.leader();
    // A new leader knows nothing of the first transfer and starts its own: a host too busy to
    // keep its leader (2 cores shared with the rest of the suite) is no failure of this test.
    const leaderChanged = now.id !== leader.id || now.raft.term !== termAtAdd;
    return { sent, putsDuringTransfer, leaderChanged, snapshotLines: lines.filter((l) => /snapshot/.test(l)), leaderId: leader.id };
  } finally {
    writing = false;
    await writers;
  }
}

describe('a learner catching up while clients write', () => {
  test('needs one snapshot: the leader keeps the log after the snapshot it sends', async () => {
    const { sent, putsDuringTransfer, leaderChanged, snapshotLines } = await catchUpUnderWrites({});
    console.log(`[catch-up] ${putsDuringTransfer} puts during the transfer, ${sent} snapshot(s) sent${leaderChanged ? ', the leader changed' : ''}`);
    if (sent !== 1) console.log(snapshotLines.join(''));
    // Without writes past keepEntries + snapshotEntries during the transfer this proves nothing.
    expect(putsDuringTransfer, 'puts while the 3 MiB went at 1 MiB/s').toBeGreaterThan(300);
    // One snapshot is the design. On a heavily loaded host a second one happened in about 1 run
    // of 6 until the hold followed the stream in flight rather than the core's pending index
    // (67f5f35); since then 18 of 18 loaded runs (load average 5-15, up to three copies at once)
    // and every CI run sent one. The old code sent 3, 4, or one per transfer without end.
    if (!leaderChanged) expect(sent).toBe(1);
  });
});

/** The value of metric `name` (summed over its labels) on the node serving metrics at `http`. */
async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('snapshot sends yield to client writes (--snapshot-send-yield)', () => {
  /** Each node's metrics address, by id (n4 included). */
  async function httpAddresses(): Promise<Map<string, string>> {
    const ports = await freePorts(4);
    return new Map(ports.map((p, i) => [`n${i + 1}`, `127.0.0.1:${p}`]));
  }

  test('with writes going on, a transfer without a limit is paced: it starts at a moderate rate and waits for it', async () => {
    const http = await httpAddresses();
    // No --snapshot-send-max-bytes-per-sec: only the yield paces the stream.
    const { leaderId, leaderChanged } = await catchUpUnderWrites({ snapshotSendBytesPerSec: 0 }, (id) => ({ http: http.get(id)! }));
    if (leaderChanged) return; // the new leader's transfer may have started without writes to judge by
    const leaderHttp = http.get(leaderId)!;
    // The writers' acknowledgements reached the pacer: it set a pace, and the 3 MiB waited for it.
    expect(await metric(leaderHttp, 'raftdb_snapshot_send_pace_changes_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(leaderHttp, 'raftdb_snapshot_send_throttled_seconds_total')).toBeGreaterThan(0);
    expect(await metric(leaderHttp, 'raftdb_snapshot_sent_bytes_total')).toBeGreaterThan(2 * MiB);
    // The log kept for n4 (32 MiB by default) was nowhere near its bound.
    expect(await metric(leaderHttp, 'raftdb_snapshot_send_pace_lifted_total')).toBe(0);
  });

  test('the pace is lifted once the log kept for the learner is half used: the yield never costs a second snapshot', async () => {
    const http = await httpAddresses();
    // 12 MiB at the start pace of 32 MiB/s spans a few 200 ms windows; a 4 KiB log budget for the
    // learner is half used by the first hundred-odd writes after its snapshot. The log is
    // compacted by bytes (8 MiB, during the fill), not by count during the transfer.
    const tight = { snapshotSendBytesPerSec: 0, catchUpBytes: 4096, snapshotBytes: 8 * MiB, snapshotEntries: 100_000 };
    const { leaderId, leaderChanged } = await catchUpUnderWrites(tight, (id) => ({ http: http.get(id)! }), 1200);
    if (leaderChanged) return;
    expect(await metric(http.get(leaderId)!, 'raftdb_snapshot_send_pace_lifted_total')).toBeGreaterThanOrEqual(1);
  });

  test('turned off, the same transfer is not paced', async () => {
    const http = await httpAddresses();
    const { leaderId } = await catchUpUnderWrites({ snapshotSendBytesPerSec: 0, snapshotSendYield: false }, (id) => ({ http: http.get(id)! }));
    const leaderHttp = http.get(leaderId)!;
    expect(await metric(leaderHttp, 'raftdb_snapshot_send_pace_changes_total')).toBe(0);
    expect(await metric(leaderHttp, 'raftdb_snapshot_send_throttled_seconds_total')).toBe(0);
    expect(await metric(leaderHttp, 'raftdb_snapshot_sent_bytes_total')).toBeGreaterThan(2 * MiB);
  });
});
