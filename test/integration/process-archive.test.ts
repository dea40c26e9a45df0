// Continuous archiving with real processes: 3 members share --archive-dir; under load (new keys,
// overwrites, deletes) the leader is killed with SIGKILL twice; afterwards the archive holds every
// revision from the first to the last, without a gap, and point-in-time restores (the compiled
// binary's `restore --archive --to-revision`) of a backup taken early reproduce the old cluster's
// keyspace exactly at three revisions across the kills (every key, value, create and mod revision,
// version; and HashKV), and `--to-time` lands on a revision applied by then (and holds exactly it).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveCoverage } from '../../src/backup/archive-reader.js';
import { dirArchiveStore } from '../../src/backup/archive-store.js';
import type { KeyValue, RaftdbClient } from '../../src/client/index.js';
import { StateMachine } from '../../src/state/index.js';
import { eventually, startWriters } from './fixtures/load.js';
import { logTailsOnFailure, MAIN, ProcessCluster } from './process-cluster.js';

const run = promisify(execFile);
let cluster: ProcessCluster | undefined;
logTailsOnFailure(() => cluster);
afterAll(async () => cluster?.close());

async function raftdb(args: string[]): Promise<string> {
  return (await run(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

type Row = { key: string; value: string; c: number; m: number; v: number };
const row = (kv: KeyValue): Row => ({ key: kv.keyString(), value: kv.valueString(), c: kv.createRevision, m: kv.modRevision, v: kv.version });

/** The old cluster's whole keyspace at `revision` (from the leader's history). */
async function at(client: RaftdbClient, revision: number): Promise<Row[]> {
  const out: Row[] = [];
  for await (const page of client.rangeAll({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision, pageSize: 2000 })) out.push(...page.kvs.map(row));
  return out;
}

/** A restored state directory's whole keyspace. */
async function restoredRows(stateDir: string): Promise<{ rows: Row[]; revision: number; hash: string }> {
  const sm = await StateMachine.open(stateDir);
  try {
    const page = await sm.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
    expect(page.more).toBe(false);
    const rows = page.kvs.map((kv) => ({ key: Buffer.from(kv.key).toString(), value: Buffer.from(kv.value).toString(), c: kv.createRevision, m: kv.modRevision, v: kv.version }));
    return { rows, revision: sm.revision(), hash: (await sm.hashKv()).hash };
  } finally {
    await sm.close();
  }
}

describe('continuous archiving, real processes', () => {
  it('no gap across two leader kills; point-in-time restores are exact at three revisions', async () => {
    cluster = await ProcessCluster.start({ nodes: 3, nodeArgs: (_id, dir) => ['--archive-dir', join(dir, 'archive'), '--archive-segment-ms', '200'] });
    const archive = join(cluster.dir, 'archive');
    const client = cluster.client({ timeoutMs: 15_000 });
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => client.put(`pre/${i + j}`, `p${i + j}`)));
    const b = JSON.parse(await raftdb(['backup', 'create', '--out', join(cluster.dir, 'backups'), '--endpoints', cluster.endpoints().join(','), '--json']));
    const load = startWriters(client, { writers: 4, prefix: 'load' });
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        if (i % 4 === 3) await client.delete(`hot/${(i * 7) % 40}`).catch(() => undefined);
        else await client.put(`hot/${i % 40}`, `h${i}`).catch(() => undefined);
      }
    })();
    const marks: number[] = [];
    const markTimes: number[] = [];
    const mark = async (): Promise<void> => {
      marks.push((await client.get('pre/0')).header.revision);
      markTimes.push(Date.now());
    };
    await new Promise((r) => setTimeout(r, 700));
    await mark();
    // Two leader kills; the first victim comes back before the second, so a majority remains.
    for (let k = 0; k < 2; k++) {
      const leader = await cluster.leader();
      await cluster.kill9(leader.id);
      const next = await cluster.leader(30_000, [leader.id]);
      console.log(`[archive] killed leader ${leader.id}; ${next.id} leads at term ${next.term}`);
      await new Promise((r) => setTimeout(r, 500));
      await mark();
      await cluster.restart(leader.id);
    }
    await new Promise((r) => setTimeout(r, 500));
    churning = false;
    await load.stop();
    await churn;
    const end = (await client.get('pre/0')).header.revision;
    // The leader archives what remains within a few segment periods.
    const caughtUp = await eventually(async () => {
      const s = await client.cluster.status({ endpoint: (await cluster!.leader()).address });
      return s.archiveActive && s.archiveLastRevision >= end;
    }, 30_000);
    expect(caughtUp).toBe(true);
    const cov = await archiveCoverage(dirArchiveStore(archive), 1);
    console.log(`[archive] revisions 1..${cov.last} in ${cov.all.length} segments (${cov.chain.length} in the chain); backup at ${b.revision}; marks ${marks.join(', ')}; end ${end}; ${load.acked.size} writes acknowledged`);
    expect(cov.last).toBeGreaterThanOrEqual(end);
    expect(marks[0]!).toBeGreaterThan(b.revision);

    // Point-in-time restores to three revisions: after the load began, after each kill.
    const initial = 'r1=127.0.0.1:1';
    for (const [i, target] of marks.entries()) {
      const dataDir = join(cluster.dir, `pitr-${i}`);
      const r = JSON.parse(await raftdb(['restore', '--from', b.path, '--archive', archive, '--to-revision', String(target), '--data-dir', dataDir, '--name', 'r1', '--initial-cluster', initial, '--json']));
      expect(r).toMatchObject({ revision: target, backupRevision: b.revision, pointInTime: { revision: target } });
      const got = await restoredRows(join(dataDir, 'state'));
      const want = await at(client, target);
      expect(got.revision).toBe(target);
      expect(got.rows.length, `keys at revision ${target}`).toBe(want.length);
      expect(got.rows).toEqual(want);
      expect(got.hash).toBe((await client.maintenance.hashKv({ revision: target })).hash);
      expect(r.hashKv).toBe(got.hash);
    }
    // Past the archive's end: refused with the covered range.
    const refused = await run(process.execPath, [MAIN, 'restore', '--from', b.path, '--archive', archive, '--to-revision', String(cov.last + 100), '--data-dir', join(cluster.dir, 'nope'), '--name', 'r1', '--initial-cluster', initial]).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toContain(`is outside what the backup and the archive cover: the backup is at revision ${b.revision} and the archive continues it without a gap to revision ${cov.last}`);
    // To a time: at least the revision a linearizable read saw just before, and exactly the
    // old cluster's state at the revision restored.
    const timed = JSON.parse(await raftdb(['restore', '--from', b.path, '--archive', archive, '--to-time', new Date(markTimes[1]!).toISOString(), '--data-dir', join(cluster.dir, 'pitr-t'), '--name', 'r1', '--initial-cluster', initial, '--json']));
    expect(timed.revision).toBeGreaterThanOrEqual(marks[1]!);
    expect(timed.revision).toBeLessThan(marks[2]!);
    expect((await restoredRows(join(cluster.dir, 'pitr-t', 'state'))).rows).toEqual(await at(client, timed.revision));
    // A minute ago the backup had not been taken yet: refused as before the backup.
    const early = await run(process.execPath, [MAIN, 'restore', '--from', b.path, '--archive', archive, '--to-time', new Date(Date.now() - 60_000).toISOString(), '--data-dir', join(cluster.dir, 'nope'), '--name', 'r1', '--initial-cluster', initial]).catch((e: { stderr: string }) => e);
    expect((early as { stderr: string }).stderr).toMatch(/is before the backup was taken/);
  });
});
