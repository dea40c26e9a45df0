import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Wal, WalCorruptionError } from '../../src/wal/index.js';
import { InProcessCluster } from '../integration/in-process.js';
import { entry, rmDir, tmpDir } from '../wal/helpers.js';
import { raftdb } from './harness.js';

describe('raftdb repair', () => {
  let dir = '';
  afterAll(() => rmDir(dir));

  test('cuts a corrupt WAL at its first bad record so the node can start again', async () => {
    dir = await tmpDir('raftdb-repair-');
    const walDir = join(dir, 'wal');
    const wal = await Wal.open(walDir);
    for (let i = 1; i <= 40; i++) await wal.append([entry(i, 1)]);
    await wal.close();
    const seg = join(walDir, (await readdir(walDir)).filter((f) => f.endsWith('.wal') || f.includes('seg')).sort()[0]!);
    // Flip a byte well inside the segment (not in the final batch): corruption, not a torn tail.
    const fh = await open(seg, 'r+');
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, 600);
    buf[0]! ^= 0x10;
    await fh.write(buf, 0, 1, 600);
    await fh.close();
    await expect(Wal.open(walDir)).rejects.toBeInstanceOf(WalCorruptionError);

    const res = await raftdb(['repair', '--data-dir', dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/truncated/);
    const reopened = await Wal.open(walDir);
    expect(reopened.lastIndex()).toBeLessThan(40);
    await reopened.close();
    expect((await raftdb(['repair', '--data-dir', dir])).stdout).toMatch(/nothing to repair/);
  });

  test('a usage error without --data-dir', async () => {
    expect((await raftdb(['repair'])).code).toBe(2);
  });
});

describe('raftdb top', () => {
  let cluster: InProcessCluster | null = null;
  afterAll(async () => cluster?.close());

  test('prints one screen with every node and the leader', async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const res = await raftdb(['top', '--once', '--endpoints', cluster.endpoints().join(',')]);
    expect(res.code).toBe(0);
    for (const id of ['n1', 'n2', 'n3']) expect(res.stdout).toContain(id);
    expect(res.stdout).toContain(`leader ${leader.id}`);
  });
});
