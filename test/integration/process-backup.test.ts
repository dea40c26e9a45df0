// Backup and restore with real processes (the compiled `raftdb` binary throughout): a backup taken
// under write load (new keys, overwrites, deletes) holds exactly the keyspace at its revision;
// every old member hashes that revision the same; `backup verify` passes; a new 3-node cluster
// restored from it (each data directory by `raftdb restore`, the nodes started without
// --cluster-id so each reads its own) agrees on HashKV, holds every key with its value, create and
// mod revision and version, continues the revisions after the backup's, is independent of the old
// cluster, and a restored member refuses to start as a member of the old cluster. The old cluster
// changed its membership once, so the backup holds its address book, which the restore replaces.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyValue, RaftdbClient } from '../../src/client/index.js';
import { logTailsOnFailure, MAIN, ProcessCluster } from './process-cluster.js';
import { connect } from '../../src/client/index.js';
import { startWriters } from './fixtures/load.js';
import { consecutiveFreePorts } from './fixtures/ports.js';

const run = promisify(execFile);
/** The backup the first test takes (its create --json summary), for the next one. */
let taken: { path: string; revision: number; keyCount: number; hashKv: string } | null = null;
let old: ProcessCluster | undefined;
let restored: ProcessCluster | undefined;
logTailsOnFailure(() => restored ?? old);
afterAll(async () => {
  await restored?.close();
  await old?.close();
});

async function raftdb(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Every key of a cluster (at `revision`, or now), with its metadata, in key order. */
async function everything(client: RaftdbClient, revision = 0): Promise<{ key: string; value: string; c: number; m: number; v: number }[]> {
  const out: { key: string; value: string; c: number; m: number; v: number }[] = [];
  for await (const page of client.rangeAll({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision, pageSize: 2000 })) {
    for (const kv of page.kvs as KeyValue[]) out.push({ key: kv.keyString(), value: kv.valueString(), c: kv.createRevision, m: kv.modRevision, v: kv.version });
  }
  return out;
}

describe('backup and restore, real processes', () => {
  it('a backup under load restores into a new cluster with the same HashKV and every key', async () => {
    old = await ProcessCluster.start({ nodes: 3 });
    const client = old.client();
    // A membership change writes the replicated address book (old addresses): the restore must
    // replace it, or the new members would look for each other at the old cluster's addresses.
    await client.cluster.memberAdd({ id: 'n4', address: '127.0.0.1:9', learner: true });
    await client.cluster.memberRemove('n4');
    for (let i = 0; i < 2000; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => client.put(`pre/${String(i + j).padStart(5, '0')}`, `p${i + j}`)));
    const load = startWriters(client, { writers: 8, prefix: 'load' });
    let hot = true;
    const churn = (async () => {
      for (let i = 0; hot; i++) {
        if (i % 5 === 4) await client.delete(`hot/${(i * 7) % 60}`).catch(() => undefined);
        else await client.put(`hot/${i % 60}`, `h${i}`).catch(() => undefined);
      }
    })();
    await new Promise((r) => setTimeout(r, 800));
    const out = join(old.dir, 'backups');
    const b = JSON.parse(await raftdb(['backup', 'create', '--out', out, '--endpoints', old.endpoints().join(','), '--json']));
    taken = b;
    await new Promise((r) => setTimeout(r, 300));
    hot = false;
    await load.stop();
    await churn;
    console.log(`[backup] revision ${b.revision}, ${b.keyCount} keys from ${b.member}, ${b.snapshotBytes} B -> ${b.fileBytes} B in ${b.seconds} s; ${load.acked.size} writes acknowledged during the test`);
    expect(load.acked.size).toBeGreaterThan(50);
    expect(b.failedAttempts).toEqual([]);

    // What the backup must hold: the old cluster's keyspace at the backup's revision (writes went on after it).
    const expected = await everything(client, b.revision);
    expect(expected.length).toBe(b.keyCount);
    expect((await client.get('pre/00000')).header.revision).toBeGreaterThan(b.revision);
    for (const endpoint of old.endpoints()) {
      expect((await client.maintenance.hashKv({ revision: b.revision }, { endpoint, timeoutMs: 30_000 })).hash).toBe(b.hashKv);
    }
    expect(await raftdb(['backup', 'verify', b.path])).toMatch(new RegExp(`^OK .*: revision ${b.revision}, ${b.keyCount} keys, HashKV ${b.hashKv} matches`));

    // A new cluster from it: every data directory written by `raftdb restore`.
    let newClusterId = '';
    restored = await ProcessCluster.start({
      nodes: 3,
      clusterId: null,
      beforeStart: async (nodes) => {
        const initial = nodes.map((n) => `${n.id}=${n.address}`).join(',');
        for (const n of nodes) {
          const r = JSON.parse(await raftdb(['restore', '--from', b.path, '--data-dir', n.dataDir, '--name', n.id, '--initial-cluster', initial, '--json']));
          expect(r).toMatchObject({ revision: b.revision, keys: b.keyCount, hashKv: b.hashKv, fromClusterId: 'proc-test' });
          newClusterId ||= r.clusterId;
          expect(r.clusterId).toBe(newClusterId);
        }
      },
    });
    expect(newClusterId).toMatch(/^proc-test-restored-/);
    const check = JSON.parse(await raftdb(['check', 'hash', '--endpoints', restored.endpoints().join(','), '--json']));
    expect(check).toMatchObject({ revision: b.revision, majorityHash: b.hashKv, mismatched: [], unchecked: [] });
    const fresh = restored.client();
    expect(await everything(fresh)).toEqual(expected);

    // The new cluster goes on from the backup's revision, on its own.
    const put = await fresh.put('after/restore', 'x');
    expect(put.header.revision).toBe(b.revision + 1);
    expect((await client.get('after/restore')).kv).toBeNull();
    expect((await fresh.get(expected[0]!.key)).kv?.valueString()).toBe(expected[0]!.value);

    // A restored member does not start as a member of the old cluster.
    const n1 = restored.nodes.get('n1')!;
    await restored.kill9('n1');
    const refused = await run(process.execPath, [MAIN, ...n1.args, '--cluster-id', 'proc-test'], { timeout: 30_000 }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain(`belongs to cluster '${newClusterId}'`);
    await restored.restart('n1');
    expect((await fresh.get('after/restore', { consistency: 'linearizable' })).kv?.valueString()).toBe('x');
  });

  it('the member serving a backup dies midway: the partial file is removed and the backup is taken from the next member', async () => {
    const c = old!;
    const client = c.client();
    // About 8 MiB, read at 1 MB/s: the backup takes several seconds.
    const big = Buffer.alloc(32 * 1024, 7);
    for (let i = 0; i < 256; i += 16) await Promise.all(Array.from({ length: 16 }, (_, j) => client.put(`big/${i + j}`, big)));
    const leader = await c.leader();
    // backup create asks followers first, in endpoint order.
    const victim = [...c.nodes.keys()].find((id) => id !== leader.id)!;
    const out = join(c.dir, 'backups-kill');
    const args = [MAIN, 'backup', 'create', '--out', out, '--endpoints', c.endpoints().join(','), '--json', '--rate-limit', '1', '--chunk-size', '65536'];
    const running = run(process.execPath, args, { maxBuffer: 1 << 20 });
    await new Promise((r) => setTimeout(r, 2500));
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(out)).some((n) => n.endsWith('.partial'))).toBe(true);
    await c.kill9(victim);
    const b = JSON.parse((await running).stdout);
    expect(b.failedAttempts.map((f: { endpoint: string }) => f.endpoint)).toEqual([c.nodes.get(victim)!.address]);
    expect(b.member).not.toBe(victim);
    expect(await readdir(out)).toEqual([b.path.split('/').pop()]);
    expect(await raftdb(['backup', 'verify', b.path])).toMatch(/^OK /);
    await c.restart(victim);
  });

  it('raftdb dev --restore-from brings a local cluster up from the backup, and resumes from its data', async () => {
    expect(taken).not.toBeNull();
    const b = taken!;
    const dir = join(old!.dir, 'dev');
    const [base, httpBase] = [await consecutiveFreePorts(3), await consecutiveFreePorts(3)];
    const endpoints = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`);
    for (const restore of [true, false]) {
      const args = [MAIN, 'dev', '--dir', dir, '--base-port', String(base), '--http-base-port', String(httpBase), ...(restore ? ['--restore-from', b.path] : [])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      try {
        await Promise.race([
          (async () => {
            while (!/raftdb dev cluster ready: 3 nodes/.test(out)) await new Promise((r) => setTimeout(r, 50));
          })(),
          exited.then(() => {
            throw new Error(`dev exited early: ${out}`);
          }),
        ]);
        if (restore) expect(out).toMatch(new RegExp(`restored n1: revision ${b.revision} of proc-test, ${b.keyCount} keys`));
        const check = JSON.parse(await raftdb(['check', 'hash', '--endpoints', endpoints.join(','), '--json']));
        const c = connect({ endpoints });
        try {
          if (restore) {
            expect(check).toMatchObject({ revision: b.revision, majorityHash: b.hashKv, mismatched: [] });
            await c.put('dev/marker', 'kept');
          } else {
            expect(check.mismatched).toEqual([]);
            expect(await c.getString('dev/marker')).toBe('kept');
          }
        } finally {
          c.close();
        }
      } finally {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  });
});
