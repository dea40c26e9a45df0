// The Maintenance service on an in-process 3-node cluster: HashKV equal on every member at the
// same revision (current and past), a backup taken from a follower while writes go on holds
// exactly the keyspace of its revision, and bad HashKV requests get their status.
import { describe, expect, it } from 'vitest';
import type { BackupPart } from '../../src/client/index.js';
import { StateMachine, writeSnapshotDir } from '../../src/state/index.js';
import { cleanup, tempDir } from '../state/helpers.js';
import { clusterWithClient } from './in-process.js';
import { eventually } from './fixtures/load.js';

const env = clusterWithClient(3);

async function put(n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => env.client.put(`${prefix}/${i + j}`, `v${i + j}`)));
  }
}

describe('Maintenance on a cluster', () => {
  it('HashKV is equal on every member at the current and at a past revision', async () => {
    await put(200, 'a');
    await env.client.delete({ key: 'a/1', prefix: true });
    const endpoints = env.cluster.endpoints();
    const revision = (await env.client.get('a/0')).header.revision;
    // Followers apply a little later: wait until each has reached the revision.
    expect(await eventually(async () => (await Promise.all(endpoints.map((e) => env.client.cluster.status({ endpoint: e })))).every((s) => s.revision >= revision), 10_000)).toBe(true);
    const now = await Promise.all(endpoints.map((endpoint) => env.client.maintenance.hashKv({ revision }, { endpoint })));
    expect(new Set(now.map((h) => h.hash)).size).toBe(1);
    expect(now.map((h) => h.revision)).toEqual([revision, revision, revision]);
    expect(now[0]!.keyCount).toBe(200 - 111); // a/1, a/10..a/19, a/100..a/199 deleted
    await put(50, 'b');
    const past = await Promise.all(endpoints.map((endpoint) => env.client.maintenance.hashKv({ revision }, { endpoint })));
    expect(past.map((h) => h.hash)).toEqual(now.map((h) => h.hash));
    const later = await env.client.maintenance.hashKv({}, { endpoint: endpoints[0]! });
    expect(later.hash).not.toBe(now[0]!.hash);
  });

  it('a backup from a follower under writes holds exactly the keyspace of its revision', async () => {
    const leader = await env.cluster.leader();
    const follower = [...env.cluster.nodes.values()].find((n) => n.id !== leader.id)!;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await env.client.put(`w/${i % 300}`, `x${i}`);
    })();
    await put(100, 'c');
    const parts: BackupPart[] = [];
    for await (const p of env.client.maintenance.backup(follower.address)) parts.push(p);
    await put(50, 'd');
    writing = false;
    await writer;
    const manifest = (parts[0] as Extract<BackupPart, { type: 'manifest' }>).manifest;
    const summary = (parts.at(-1) as Extract<BackupPart, { type: 'summary' }>).summary;
    expect(manifest).toMatchObject({ clusterId: 'test', memberId: follower.id });
    const dir = await tempDir();
    try {
      const data = parts.flatMap((p) => (p.type === 'data' ? [p.data] : []));
      await writeSnapshotDir((async function* () {
        yield* data;
      })(), `${dir}/copy`);
      const copy = await StateMachine.open(`${dir}/copy`);
      const restored = await copy.hashKv();
      await copy.close();
      expect(restored).toMatchObject({ hash: summary.hashKv, keys: summary.keyCount, revision: manifest.revision });
      // The leader, far past that revision now, hashes it the same from its history.
      const atLeader = await env.client.maintenance.hashKv({ revision: manifest.revision }, { endpoint: leader.address });
      expect(atLeader.hash).toBe(summary.hashKv);
    } finally {
      await cleanup(dir);
    }
  });

  it('refuses a revision ahead of the member and a negative one', async () => {
    const endpoint = env.cluster.endpoints()[0]!;
    const current = (await env.client.maintenance.hashKv({}, { endpoint })).revision;
    await expect(env.client.maintenance.hashKv({ revision: current + 1000 }, { endpoint })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(env.client.maintenance.hashKv({ revision: -1 }, { endpoint })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
