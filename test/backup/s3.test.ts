// Backups in an S3-compatible store, against a real S3-protocol HTTP server (s3rver) on 127.0.0.1:
// create uploads only a complete backup, list reads manifests and trailers by ranged GETs, verify
// reads the object through the same reader (and names the object and chunk when a byte of it is
// damaged), prune deletes objects, restore reads from the object.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { StateMachine } from '../../src/state/index.js';
import { raftdb } from '../cli/harness.js';
import { InProcessCluster } from '../integration/in-process.js';
import { cleanup } from '../state/helpers.js';

let server: S3rver;
let s3: S3Client;
let cluster: InProcessCluster;
let dir = '';
let endpoints = '';
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raftdb-s3-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true });
  const { port } = await server.run();
  // What an operator sets: the store's endpoint and credentials, in the environment.
  Object.assign(process.env, { RAFTDB_S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await s3.send(new CreateBucketCommand({ Bucket: 'raftdb-backups' }));
  cluster = await InProcessCluster.start(3);
  await cluster.leader();
  endpoints = cluster.endpoints().join(',');
  const client = connect({ endpoints: cluster.endpoints() });
  for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => client.put(`s3/${i + j}`, `value ${i + j} `.repeat(30))));
  client.close();
});

afterAll(async () => {
  await cluster?.close();
  s3?.destroy();
  await server?.close();
  process.env = saved;
  await cleanup(dir);
});

describe('backups in an S3-compatible store', () => {
  it('create, list, verify, damage, prune and restore through s3://', async () => {
    const where = 's3://raftdb-backups/prod/raftdb';
    const first = await raftdb(['backup', 'create', '--out', where, '--endpoints', endpoints, '--json', '--chunk-size', '65536']);
    expect(first.stderr.replace(/.*NodeVersionSupportWarning[\s\S]*?warning was created\)\n/, '')).toBe('');
    const b = JSON.parse(first.stdout);
    expect(b.path).toMatch(/^s3:\/\/raftdb-backups\/prod\/raftdb\/backup-test-\d{8}T\d{6}Z-r\d+-[0-9a-f]{8}\.rdbk$/);
    expect(b.keyCount).toBe(200);
    const second = JSON.parse((await raftdb(['backup', 'create', '--out', where, '--endpoints', endpoints, '--json'])).stdout);

    const list = JSON.parse((await raftdb(['backup', 'list', where, '--json'])).stdout);
    expect(list.backups.map((x: { name: string }) => `${where}/${x.name}`).sort()).toEqual([b.path, second.path].sort());
    expect(list.backups.every((x: { ok: boolean; keyCount: number }) => x.ok && x.keyCount === 200)).toBe(true);

    const v = await raftdb(['backup', 'verify', where]);
    expect(v.code).toBe(0);
    expect(v.stdout.match(/^OK s3:\/\//gm)).toHaveLength(2);
    expect(v.stdout).toContain(`OK ${b.path}: revision ${b.revision}, 200 keys, HashKV ${b.hashKv} matches`);

    // Restore straight from the object.
    const dataDir = join(dir, 'restored');
    const r = await raftdb(['restore', '--from', b.path, '--data-dir', dataDir, '--name', 'n1', '--initial-cluster', 'n1=127.0.0.1:1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ revision: b.revision, keys: 200, hashKv: b.hashKv });
    const sm = await StateMachine.open(join(dataDir, 'state'));
    expect((await sm.hashKv()).hash).toBe(b.hashKv);
    await sm.close();

    // A damaged byte in the first object: verify names the object, the chunk and the offset.
    const key = b.path.slice('s3://raftdb-backups/'.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'raftdb-backups', Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    bytes[bytes.length - 3000]! ^= 0x10;
    await s3.send(new PutObjectCommand({ Bucket: 'raftdb-backups', Key: key, Body: bytes }));
    const bad = await raftdb(['backup', 'verify', b.path]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`FAILED ${b.path}: backup ${b.path} is damaged: chunk \\d+ at byte offset \\d+`));

    // Prune to the newest one: the other object is deleted.
    const pruned = JSON.parse((await raftdb(['backup', 'prune', where, '--keep-last', '1', '--yes', '--json'])).stdout);
    expect(pruned.remove).toHaveLength(1);
    const after = JSON.parse((await raftdb(['backup', 'list', where, '--json'])).stdout);
    expect(after.backups).toHaveLength(1);
    expect(after.backups[0].name).toBe(pruned.keep[0].name);
  });

  it('the object reader returns exactly the bytes asked for, across its read-ahead windows', async () => {
    const { randomBytes } = await import('node:crypto');
    const { S3Store, s3ClientFromEnv } = await import('../../src/backup/s3.js');
    const body = randomBytes(20 * 1024 * 1024 + 123);
    await s3.send(new PutObjectCommand({ Bucket: 'raftdb-backups', Key: 'raw/blob', Body: body }));
    const store = new S3Store(await s3ClientFromEnv(), { bucket: 'raftdb-backups', prefix: 'raw/' });
    const f = await store.disk().open('blob', {});
    expect(await f.sizeBytes()).toBe(body.length);
    let pos = 0;
    for (const len of [12, 37, 400, 45, 4 * 1024 * 1024, 1, 9 * 1024 * 1024, 45, 5 * 1024 * 1024, 3 * 1024 * 1024]) {
      const buf = Buffer.alloc(len);
      let off = 0;
      while (off < len) {
        const n = await f.read(buf, off, len - off, pos + off);
        if (n === 0) break;
        off += n;
      }
      expect(buf.subarray(0, off).equals(body.subarray(pos, pos + off)), `read ${len} at ${pos}`).toBe(true);
      pos += off;
    }
    expect(pos).toBe(body.length);
    await f.close();
    expect((await store.list()).map((o) => o.name)).toEqual(['blob']);
  });

  it('a backup larger than a part goes up in parts: the object is byte for byte the file, and verifies', async () => {
    const { readFile } = await import('node:fs/promises');
    const { randomBytes } = await import('node:crypto');
    const { S3Store, s3ClientFromEnv } = await import('../../src/backup/s3.js');
    const { writeBackupFromStream } = await import('../../src/backup/index.js');
    const { backupParts } = await import('./helpers.js');
    const { entry, b: bytes } = await import('../state/helpers.js');
    // ~3.5 MiB of incompressible values: with 1 MiB parts, four parts, the last one short.
    const sm = await StateMachine.open(join(dir, 'multipart-source'));
    for (let i = 0; i < 56; i++) await sm.apply([entry(sm.appliedIndex() + 1, { type: 'put', key: bytes(`m/${i}`), value: randomBytes(64 * 1024) })]);
    const local = (await writeBackupFromStream(backupParts(sm, { clusterId: 'multi' }), join(dir, 'multipart-local'))).path;
    await sm.close();
    const file = await readFile(local);
    expect(file.length).toBeGreaterThan(3 * 1024 * 1024);
    const client = await s3ClientFromEnv();
    const sent: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => (sent.push(context.commandName ?? ''), next(args)), { step: 'initialize' });
    const store = new S3Store(client, { bucket: 'raftdb-backups', prefix: 'multi/' }, 1024 * 1024);
    await store.upload(local, 'big.rdbk');
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(Math.ceil(file.length / (1024 * 1024)));
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect(sent).not.toContain('PutObjectCommand');
    expect((await store.get('big.rdbk')).equals(file)).toBe(true);
    const verified = await raftdb(['backup', 'verify', 's3://raftdb-backups/multi/big.rdbk', '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject([{ ok: true, keys: 56 }]);

    // A part that fails (the store or the network): the upload is abandoned, nothing under the name.
    let parts = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && ++parts === 3) throw new Error('connection reset');
        return next(args);
      },
      { step: 'initialize', name: 'failThirdPart' },
    );
    await expect(store.upload(local, 'broken.rdbk')).rejects.toThrow('connection reset');
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect((await store.list()).map((o) => o.name)).toEqual(['big.rdbk']);
    client.destroy();
  });

  it('continuous archiving into a bucket, and a point-in-time restore from it', async () => {
    const { Archiver } = await import('../../src/backup/archiver.js');
    const { archiveStoreOf } = await import('../../src/backup/archive-store.js');
    const { restoreDataDir, writeBackupFromStream } = await import('../../src/backup/index.js');
    const { backupParts } = await import('./helpers.js');
    const { entry, b: bytes } = await import('../state/helpers.js');
    const { pino } = await import('pino');
    const sm = await StateMachine.open(join(dir, 'arch-source'));
    const put = async (i: number): Promise<void> => void (await sm.apply([entry(sm.appliedIndex() + 1, { type: 'put', key: bytes(`a/${i % 7}`), value: bytes(`v${i}`) })]));
    for (let i = 0; i < 20; i++) await put(i);
    const backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'arch' }), join(dir, 'arch-backups'))).path;
    const store = await archiveStoreOf('s3://raftdb-backups/archive/arch');
    const a = new Archiver({ store, clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, pino({ level: 'silent' }));
    a.start();
    const hashes = new Map<number, string>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) await put(100 + round * 10 + i);
      hashes.set(sm.revision(), (await sm.hashKv()).hash);
      await a.runOnce();
    }
    expect(a.status()).toMatchObject({ lastArchivedRevision: sm.revision(), segmentsWritten: 3, lastError: null });
    expect((await store.names()).filter((n) => n.endsWith('.rdar'))).toHaveLength(3);
    for (const [revision, hash] of hashes) {
      const r = await restoreDataDir({ from: backup, dataDir: join(dir, `arch-r${revision}`), name: 'r1', initialCluster: new Map([['r1', 'h:1']]), pointInTime: { archiveDir: 's3://raftdb-backups/archive/arch', toRevision: revision } });
      expect(r.pointInTime?.revision).toBe(revision);
      expect(r.hashKv).toBe(hash);
    }
    await a.stop();
    await sm.close();
  });

  it('scheduled backups into a bucket, with retention', async () => {
    const { BackupScheduler } = await import('../../src/backup/scheduler.js');
    const { pino } = await import('pino');
    const { entry, b: bytes } = await import('../state/helpers.js');
    const sm = await StateMachine.open(join(dir, 'sched-source'));
    await sm.apply([entry(1, { type: 'put', key: bytes('x'), value: bytes('1') })]);
    const sched = new BackupScheduler({ cron: '0 0 1 1 *', dir: 's3://raftdb-backups/scheduled', clusterId: 'sched', memberId: 'n1', keep: { keepLast: 1 } }, sm, () => true, pino({ level: 'silent' }));
    await sched.start();
    const first = await sched.runNow();
    await sm.apply([entry(2, { type: 'put', key: bytes('x'), value: bytes('2') })]);
    const second = await sched.runNow();
    expect(first).toMatchObject({ ok: true, revision: 1 });
    expect(second).toMatchObject({ ok: true, revision: 2, removed: 1 });
    expect(second!.path).toMatch(/^s3:\/\/raftdb-backups\/scheduled\/backup-sched-.*-r2-.*\.rdbk$/);
    const list = JSON.parse((await raftdb(['backup', 'list', 's3://raftdb-backups/scheduled', '--json'])).stdout);
    expect(list.backups.map((x: { revision: number }) => x.revision)).toEqual([2]);
    await sched.stop();
    await sm.close();
  });

  it('a malformed s3:// URL is refused', async () => {
    const r = await raftdb(['backup', 'list', 's3://X']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not s3://bucket[/prefix]');
  });
});
