// What the entries a node keeps in memory cost it. Every node keeps the entries since its last
// snapshot (and some behind it) in its Raft log; an entry whose payload is a view into a larger
// buffer keeps that whole buffer alive. On the leader, payloads were views into the state codec's
// shared msgpack output buffer (several MiB, mostly records and watch events packed beside the
// command): 300 MiB of 64 KiB puts left the leader's anonymous RSS at ~700 MiB, the followers'
// at ~250 MiB (docs/performance.md, "Memory"). Measured here without RSS, which a shared host
// makes noisy: the bytes of the distinct buffers behind the kept entries, against the entries' own.
import { describe, expect, test } from 'vitest';
import type { RunningNode } from '../../src/server/index.js';
import { eventually } from './fixtures/load.js';
import { clusterWithClient } from './in-process.js';

const VALUE_BYTES = 64 * 1024;
const PUTS = 96;

/** The entries' own payload bytes, and the bytes of the distinct ArrayBuffers they keep alive. */
function keptBytes(node: RunningNode): { entries: number; payloadBytes: number; bufferBytes: number } {
  const log = node.raft.log;
  const buffers = new Set<ArrayBufferLike>();
  let payloadBytes = 0;
  let entries = 0;
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) {
    const e = log.entryAt(i);
    if (e === undefined || e.data.byteLength === 0) continue;
    entries++;
    payloadBytes += e.data.byteLength;
    buffers.add(e.data.buffer);
  }
  let bufferBytes = 0;
  for (const b of buffers) bufferBytes += b.byteLength;
  return { entries, payloadBytes, bufferBytes };
}

describe('memory kept by log entries, 3 nodes', () => {
  // No compaction during the test: every entry stays in every node's log.
  const t = clusterWithClient(3, { snapshotEntries: 100_000, keepEntries: 100_000 });

  test(`after ${PUTS} puts of 64 KiB, no node's log keeps more than 1.25x its entries' bytes alive`, async () => {
    const leader = await t.cluster.leader();
    const value = Buffer.alloc(VALUE_BYTES, 7);
    // 16 in flight, as a loaded leader sees them: commands, records and watch events interleave.
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < PUTS) await t.client.put(`m/${next++}`, value);
    }));
    const last = leader.raft.log.lastIndex();
    const replicated = () => [...t.cluster.nodes.values()].every((n) => n.raft.log.lastIndex() >= last);
    expect(await eventually(replicated, 10_000, 20), 'every node holds every entry').toBe(true);
    for (const node of t.cluster.nodes.values()) {
      const kept = keptBytes(node);
      const role = node === leader ? 'leader' : 'follower';
      console.log(`[entry-memory] ${node.id} (${role}): ${kept.entries} entries, ${kept.payloadBytes} B of payload keep ${kept.bufferBytes} B of buffers`);
      expect(kept.payloadBytes, `${node.id}`).toBeGreaterThanOrEqual(PUTS * VALUE_BYTES);
      expect(kept.bufferBytes, `${node.id} (${role})`).toBeLessThanOrEqual(kept.payloadBytes * 1.25);
    }
  });
});
