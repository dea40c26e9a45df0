// Followers hold committed entries back before applying (src/server/held-applies.ts). Here they
// hold them for a minute, so only the driver's own releases can apply anything: compaction must
// release first (or the snapshot point is beyond the state machine and the follower cannot
// restart), and a follower that becomes leader must release first (or its reads never see them).
import { describe, expect, test } from 'vitest';
import { eventually } from './fixtures/load.js';
import { clusterWithClient } from './in-process.js';

describe('followers holding applies back', () => {
  const t = clusterWithClient(3, { followerApplyDelayMs: 60_000 });

  test('a follower compacts only what it applied, restarts, and serves everything once it leads', async () => {
    const leader = await t.cluster.leader();
    const followers = [...t.cluster.nodes.keys()].filter((id) => id !== leader.id);
    // 300 writes pass the compaction threshold (snapshotEntries 200 + keepEntries 20).
    for (let i = 0; i < 300; i++) await t.client.put(`k${i}`, `v${i}`);
    const compacted = () => followers.every((id) => t.cluster.nodes.get(id)!.raft.log.snapshotIndex > 0);
    expect(await eventually(compacted, 20_000, 20), 'followers compacted').toBe(true);
    // Restarting checks that the state machine is at or past the WAL's snapshot point.
    await t.cluster.stopNode(followers[0]!);
    await t.cluster.startNode(followers[0]!);
    // Written after the compaction: held by the followers now.
    for (let i = 300; i < 330; i++) await t.client.put(`k${i}`, `v${i}`);
    await t.cluster.stopNode(leader.id);
    const next = await t.cluster.leader();
    expect(followers).toContain(next.id);
    for (const i of [0, 150, 299, 300, 329]) expect(await t.client.getString(`k${i}`)).toBe(`v${i}`);
  });
});
