// The backup verbs end to end against an in-process 3-node cluster: create (plain and
// encrypted), list, verify (a file, a directory, a damaged file, a missing key), prune (dry run,
// --yes, no rule), keygen, and check hash — including a member whose LevelDB was altered behind
// its back, which must be named; and alarm disarm --alarm CORRUPT.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { InProcessCluster } from '../integration/in-process.js';
import { cleanup, tempDir } from '../state/helpers.js';
import { raftdb } from './harness.js';

let cluster: InProcessCluster;
let dir = '';
let endpoints = '';

beforeAll(async () => {
  dir = await tempDir();
  // Followers apply up to 500 ms late: a backup from one must still hold every acknowledged write.
  cluster = await InProcessCluster.start(3, { followerApplyDelayMs: 500 });
  await cluster.leader();
  endpoints = cluster.endpoints().join(',');
  const client = connect({ endpoints: cluster.endpoints() });
  for (let i = 0; i < 300; i += 30) await Promise.all(Array.from({ length: 30 }, (_, j) => client.put(`k/${i + j}`, `value ${i + j}`.repeat(20))));
  client.close();
});
afterAll(async () => {
  await cluster?.close();
  await cleanup(dir);
});

describe('raftdb backup', () => {
  it('create, list, verify, and list again shows it verified', async () => {
    const out = join(dir, 'plain');
    const created = await raftdb(['backup', 'create', '--out', out, '--endpoints', endpoints, '--json']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout);
    expect(c).toMatchObject({ clusterId: 'test', keyCount: 300, compression: 'gzip', keyId: null, failedAttempts: [] });
    expect(c.fileBytes).toBeLessThan(c.snapshotBytes);
    expect(await readdir(out)).toEqual([c.path.split('/').pop()]);

    const text = await raftdb(['backup', 'create', '--out', out, '--endpoints', endpoints, '--compression', 'brotli', '--level', '9']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^backup written: .*\.rdbk\n  revision \d+ \(index \d+, term \d+\), 300 keys, from n\d/);

    const list = await raftdb(['backup', 'list', out]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(c.path.split('/').pop());
    expect(list.stdout.match(/\.rdbk/g)).toHaveLength(2);
    expect(JSON.parse((await raftdb(['backup', 'list', out, '--json'])).stdout).backups.every((b: { verifiedAtMs: number | null }) => b.verifiedAtMs === null)).toBe(true);

    const v = await raftdb(['backup', 'verify', c.path]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^OK ${c.path}: revision ${c.revision}, 300 keys, HashKV ${c.hashKv} matches`));
    const vd = await raftdb(['backup', 'verify', out, '--json']);
    expect(vd.code).toBe(0);
    expect(JSON.parse(vd.stdout).map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    const listed = JSON.parse((await raftdb(['backup', 'list', out, '--json'])).stdout).backups;
    expect(listed.every((b: { verifiedAtMs: number | null }) => b.verifiedAtMs !== null)).toBe(true);

    // A damaged byte: verify fails naming the chunk, and list no longer calls the file verified.
    const bytes = await readFile(c.path);
    bytes[bytes.length - 200]! ^= 0x40; // inside the trailer
    bytes[400]! ^= 0x40; // inside chunk 0
    await writeFile(c.path, bytes);
    const bad = await raftdb(['backup', 'verify', out]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`FAILED ${c.path}: backup ${c.path} is damaged: chunk 0 at byte offset \\d+`));
    expect(bad.stdout).toMatch(/^OK /m); // the other file still verifies
    expect(bad.stderr).toContain('1 of 2 backup(s) failed verification');
    const after = JSON.parse((await raftdb(['backup', 'list', out, '--json'])).stdout).backups;
    expect(after.find((b: { name: string }) => c.path.endsWith(b.name))).toMatchObject({ ok: false });
  });

  it('create lowers its own priority to --nice (19 by default) before it starts, and reports it', async () => {
    // A recording stand-in: the real one would nice this test process and its in-process cluster
    // (test/cli/priority.test.ts runs the real one in a process of its own).
    const priority = (): { calls: number[]; priority: { lower(n: number): void; current(): number } } => {
      const calls: number[] = [];
      return { calls, priority: { lower: (n) => void calls.push(n), current: () => calls.at(-1) ?? 0 } };
    };
    const byDefault = priority();
    const c = await raftdb(['backup', 'create', '--out', join(dir, 'niced'), '--endpoints', endpoints, '--json'], { priority: byDefault.priority });
    expect(c.code).toBe(0);
    expect(byDefault.calls).toEqual([19]);
    expect(JSON.parse(c.stdout).nice).toBe(19);
    const optOut = priority();
    expect((await raftdb(['backup', 'create', '--out', join(dir, 'niced'), '--endpoints', endpoints, '--nice', '0', '--json'], { priority: optOut.priority })).code).toBe(0);
    expect(optOut.calls).toEqual([0]);
    const bad = await raftdb(['backup', 'create', '--out', join(dir, 'niced'), '--endpoints', endpoints, '--nice', '20']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be 0..19');
  });

  it('encrypted: keygen, create with the key, verify needs it', async () => {
    const keyFile = join(dir, 'backup.key');
    const kg = await raftdb(['backup', 'keygen', '--out', keyFile]);
    expect(kg.code).toBe(0);
    const keyId = /key ([0-9a-f]{16})/.exec(kg.stdout)![1]!;
    expect((await raftdb(['backup', 'keygen', '--out', keyFile])).code).toBe(1);
    const out = join(dir, 'encrypted');
    const c = JSON.parse((await raftdb(['backup', 'create', '--out', out, '--endpoints', endpoints, '--key-file', keyFile, '--json'])).stdout);
    expect(c.keyId).toBe(keyId);
    const noKey = await raftdb(['backup', 'verify', c.path]);
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toContain(`encrypted with key id ${keyId}: give its key file with --key-file`);
    const other = join(dir, 'other.key');
    await raftdb(['backup', 'keygen', '--out', other]);
    expect((await raftdb(['backup', 'verify', c.path, '--key-file', other])).stdout).toContain('no key file given has that id');
    const ok = await raftdb(['backup', 'verify', c.path, '--key-file', other, '--key-file', keyFile]);
    expect(ok.code).toBe(0);
    expect((await raftdb(['backup', 'list', out])).stdout).toContain(keyId);
  });

  it('prune: a dry run by default, --yes deletes, at least one rule', async () => {
    const out = join(dir, 'prune');
    for (let i = 0; i < 3; i++) expect((await raftdb(['backup', 'create', '--out', out, '--endpoints', endpoints])).code).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(3);
    const dry = await raftdb(['backup', 'prune', out, '--keep-last', '1']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.match(/would delete/g)).toHaveLength(2);
    expect((await readdir(out)).sort()).toEqual(files);
    const yes = await raftdb(['backup', 'prune', out, '--keep-last', '1', '--yes', '--json']);
    const r = JSON.parse(yes.stdout);
    expect(r).toMatchObject({ dryRun: false, keep: [{ reasons: ['last 1'] }] });
    expect(await readdir(out)).toEqual([r.keep[0].name]);
    expect((await raftdb(['backup', 'prune', out])).code).toBe(2);
    expect((await raftdb(['backup', 'list', join(dir, 'nowhere')])).stderr).toContain('no such directory');
  });
});

describe('raftdb restore', () => {
  it('writes a member, says how to start it, and refuses a non-empty directory and bad usage', async () => {
    const out = join(dir, 'for-restore');
    const c = JSON.parse((await raftdb(['backup', 'create', '--out', out, '--endpoints', endpoints, '--json'])).stdout);
    const dataDir = join(dir, 'restored-n1');
    const initial = 'n1=127.0.0.1:17001,n2=127.0.0.1:17002,n3=127.0.0.1:17003';
    const r = await raftdb(['restore', '--from', c.path, '--data-dir', dataDir, '--name', 'n1', '--initial-cluster', initial]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^restored n1 into ${dataDir}: revision ${c.revision} \\(index \\d+\\) of cluster test, 300 keys, HashKV ${c.hashKv} verified`));
    expect(r.stdout).toMatch(/new cluster id: test-restored-[0-9a-f]{8}\nstart it with:\n  raftdb serve --id n1 --listen 127.0.0.1:17001 --peers n1=.* --data-dir .* --cluster-id test-restored-/);
    const again = await raftdb(['restore', '--from', c.path, '--data-dir', dataDir, '--name', 'n1', '--initial-cluster', initial]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`data directory ${dataDir} is not empty`);
    expect((await raftdb(['restore', '--from', c.path, '--data-dir', dataDir, '--initial-cluster', initial])).code).toBe(2);
    expect((await raftdb(['restore', '--from', c.path, '--data-dir', dataDir, '--name', 'n1', '--initial-cluster', 'n1=nowhere'])).code).toBe(2);
    const forced = await raftdb(['restore', '--from', c.path, '--data-dir', dataDir, '--name', 'n2', '--initial-cluster', initial, '--force', '--json']);
    expect(JSON.parse(forced.stdout)).toMatchObject({ name: 'n2', revision: c.revision, keys: 300, hashKv: c.hashKv });
  });
});

describe('raftdb check hash', () => {
  it('all members agree; a member whose data was altered behind its back is named', async () => {
    const ok = await raftdb(['check', 'hash', '--endpoints', endpoints]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/all 3 members agree at revision \d+/);

    // Alter one value in n3's LevelDB while it is stopped (disk corruption, a bad restore ...).
    await cluster.stopNode('n3');
    const db = new Level<Buffer, Buffer>(join(cluster.dir, 'n3', 'state'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const key = Buffer.from('k/7');
    const dbKey = Buffer.concat([Buffer.from('k'), key]);
    const v = (await db.get(dbKey))!;
    v[v.length - 1]! ^= 0x01; // the last byte of the value
    await db.put(dbKey, v);
    await db.close();
    await cluster.startNode('n3');
    await cluster.leader();

    const bad = await raftdb(['check', 'hash', '--endpoints', endpoints, '--json']);
    expect(bad.code).toBe(1);
    const r = JSON.parse(bad.stdout);
    expect(r.mismatched).toEqual(['n3']);
    expect(bad.stderr).toMatch(/HashKV mismatch at revision \d+: n3 differ from n1, n2|HashKV mismatch at revision \d+: n3 differ from n2, n1/);
  });
});

describe('raftdb alarm disarm --alarm', () => {
  it('clears a CORRUPT alarm by kind; NOSPACE by default leaves it; a kind it does not know is bad usage', async () => {
    const { loadRaftdbProto } = await import('../../src/proto/load.js');
    const grpc = await import('@grpc/grpc-js');
    // A member raises its CORRUPT alarm with AlarmActivate (what its corruption check does).
    const stub = new (loadRaftdbProto().Cluster)(cluster.endpoints()[0]!, grpc.credentials.createInsecure()) as unknown as {
      AlarmActivate(req: object, cb: (err: Error | null) => void): void;
      close(): void;
    };
    await new Promise<void>((resolve, reject) => stub.AlarmActivate({ memberId: 'n2', alarm: 'CORRUPT' }, (err) => (err ? reject(err) : resolve())));
    stub.close();
    expect(await raftdb(['alarm', 'list', '--endpoints', endpoints])).toMatchObject({ code: 0, stdout: expect.stringMatching(/n2\s+│\s+CORRUPT/) });
    expect(await raftdb(['alarm', 'disarm', '--endpoints', endpoints])).toMatchObject({ code: 0, stdout: expect.stringContaining('no alarm to disarm') });
    const bad = await raftdb(['alarm', 'disarm', '--alarm', 'BOGUS', '--endpoints', endpoints]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be NOSPACE or CORRUPT');
    const done = await raftdb(['alarm', 'disarm', '--alarm', 'corrupt', '--json', '--endpoints', endpoints]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ disarmed: [{ memberId: 'n2', alarm: 'CORRUPT' }], alarms: [] });
  });
});
