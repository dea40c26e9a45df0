// Metrics and readiness on a real 3-node cluster of processes: the values follow what happens —
// the term rises on a failover, a paused follower's lag rises and falls back after it resumes,
// and /readyz flips while a node cannot see a leader.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { eventually } from './fixtures/load.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

/** The value of one series in a node's /metrics (first sample whose labels contain `labels`). */
async function metric(http: string, name: string, labels = ''): Promise<number | null> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

async function readyz(http: string): Promise<number> {
  return (await fetch(`http://${http}/readyz`)).status;
}

describe('3-node cluster of processes: metrics and readiness', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
    client = cluster.client();
    await client.put('m', 'v');
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  const http = (id: string): string => cluster!.nodes.get(id)!.http;

  test('every node exports live Raft values and is ready', async () => {
    const leader = await cluster!.leader();
    for (const id of ['n1', 'n2', 'n3']) {
      expect(await metric(http(id), 'raftdb_raft_term')).toBe(leader.term);
      expect(await metric(http(id), 'raftdb_has_quorum')).toBe(1);
      expect(await metric(http(id), 'raftdb_raft_role', `role="${id === leader.id ? 'leader' : 'follower'}"`)).toBe(1);
      expect(await readyz(http(id))).toBe(200);
      // The put's revision is in every member's own watch history.
      expect(await eventually(async () => ((await metric(http(id), 'raftdb_watch_history_bytes')) ?? 0) > 0, 5_000)).toBe(true);
    }
    expect(await metric(http(leader.id), 'raftdb_raft_commit_index')).toBeGreaterThan(0);
  });

  test('a paused follower: its lag rises on the leader, then falls after it resumes', async () => {
    const leader = await cluster!.leader();
    const follower = ['n1', 'n2', 'n3'].find((id) => id !== leader.id)!;
    cluster!.sigstop(follower);
    for (let i = 0; i < 50; i++) await client.put(`lag-${i}`, 'v');
    const lagged = await metric(http(leader.id), 'raftdb_replication_lag_entries', `peer="${follower}"`);
    expect(lagged).toBeGreaterThanOrEqual(50);
    cluster!.sigcont(follower);
    expect(await eventually(async () => (await metric(http(leader.id), 'raftdb_replication_lag_entries', `peer="${follower}"`)) === 0, 10_000)).toBe(true);
  });

  test('a leader failover: the term rises and leader changes are counted; an isolated node is not ready', async () => {
    const old = await cluster!.leader();
    const survivor = ['n1', 'n2', 'n3'].find((id) => id !== old.id)!;
    const changesBefore = (await metric(http(survivor), 'raftdb_raft_leader_changes_total')) ?? 0;
    await cluster!.kill9(old.id);
    const now = await cluster!.leader(15_000, [old.id]);
    expect(now.term).toBeGreaterThan(old.term);
    expect(await eventually(async () => (await metric(http(survivor), 'raftdb_raft_term')) === now.term, 5_000)).toBe(true);
    expect(await metric(http(survivor), 'raftdb_raft_leader_changes_total')).toBeGreaterThan(changesBefore);
    await cluster!.restart(old.id);
    // Both other nodes frozen: the remaining one loses its leader and says it is not ready.
    const others = ['n1', 'n2', 'n3'].filter((id) => id !== survivor);
    for (const id of others) cluster!.sigstop(id);
    try {
      expect(await eventually(async () => (await readyz(http(survivor))) === 503, 10_000)).toBe(true);
    } finally {
      for (const id of others) cluster!.sigcont(id);
    }
    expect(await eventually(async () => (await readyz(http(survivor))) === 200, 15_000)).toBe(true);
  });
});
