// Disk used by real node processes started with a small --watch-history-max-bytes (1 MiB): after
// 4 MiB of 64 KiB values written twice (every key overwritten) and a defragment, and without a
// compact, each member's state/ stays within 1.5x the live data, its history gauge within the
// bound, and a watch from a revision the bound dropped is refused as compacted (OUT_OF_RANGE).
// Then a Defragment sent to a follower that has not yet applied a compact (frozen meanwhile) waits
// until it has, so it gives the space back.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient, RaftdbError } from '../../src/client/index.js';
import { diskBytes } from '../support/disk-bytes.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const HISTORY_BYTES = 1024 * 1024;
const VALUE_BYTES = 64 * 1024;
const KEYS = 64; // 4 MiB of live values
const LIVE_BYTES = KEYS * VALUE_BYTES;

async function gauge(http: string, name: string): Promise<number | null> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('disk use with a byte-bounded watch history (3 processes)', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--watch-history-max-bytes', String(HISTORY_BYTES)] });
    client = cluster.client({ timeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  test('state/ within 1.5x the live data after a defragment, the history within its bound, older watches compacted', async () => {
    const c = cluster!;
    let last = 0;
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let k = w; k < KEYS; k += 8) last = Math.max(last, (await client.put(`d/${k}`, randomBytes(VALUE_BYTES))).header.revision);
        }),
      );
    }
    // Every member applies up to the last put before its size is looked at.
    await client.put('sync', 'x');
    for (const n of c.nodes.values()) {
      const applied = async () => (await client.cluster.status({ endpoint: n.address })).appliedIndex;
      const target = (await client.cluster.status()).commitIndex;
      for (let i = 0; i < 100 && (await applied()) < target; i++) await new Promise((r) => setTimeout(r, 100));
      await client.cluster.defragment(n.address, { timeoutMs: 60_000 });
      const state = await diskBytes(join(n.dataDir, 'state'));
      const history = await gauge(n.http, 'raftdb_watch_history_bytes');
      console.log(`[disk] ${n.id}: state/ ${state} bytes for ${LIVE_BYTES} live (${(state / LIVE_BYTES).toFixed(2)}x), history ${history} bytes`);
      expect(history).toBeGreaterThan(0);
      expect(history).toBeLessThanOrEqual(HISTORY_BYTES);
      expect(state).toBeLessThanOrEqual(1.5 * LIVE_BYTES);
    }
    // 2 x 64 puts of 64 KiB: 1 MiB holds at most the last 8 revisions (each overwrite holds two values).
    const watch = client.watch({ key: 'd/', prefix: true, startRevision: last - 20 });
    const err = await watch.next().then(
      () => null,
      (e: unknown) => e as RaftdbError,
    );
    watch.cancel();
    expect(err?.code).toBe('OUT_OF_RANGE');
  });

  test('a defragment right after a compact frees the space on a follower that had not applied the compact yet', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const follower = c.nodes.get([...c.nodes.keys()].find((id) => id !== leader.id)!)!;
    const before = await diskBytes(join(follower.dataDir, 'state'));
    // Frozen, the follower cannot apply what the other two commit: every key overwritten, then a
    // compact. The defragment asked of it waits in its socket and runs as soon as it resumes,
    // while those 4 MiB of entries and the compact are still on their way to it.
    c.sigstop(follower.id);
    let defrag: Promise<unknown>;
    try {
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let k = w; k < KEYS; k += 8) await client.put(`d/${k}`, randomBytes(VALUE_BYTES));
        }),
      );
      await client.cluster.compact(0);
      defrag = client.cluster.defragment(follower.address, { timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      c.sigcont(follower.id);
    }
    await defrag;
    const after = await diskBytes(join(follower.dataDir, 'state'));
    console.log(`[disk] ${follower.id} (follower): state/ ${before} -> ${after} bytes by compact + defrag`);
    // The overwritten values and the history are gone once the defragment returns.
    expect(after).toBeLessThanOrEqual(1.1 * LIVE_BYTES);
  });
});
