// Restore (src/backup/restore.ts): what a restored data directory holds (state with the new
// address book, a WAL at the backup's index and term with the new voters, the cluster id), what
// it refuses (a non-empty directory without --force, a member not in the list, the old cluster's
// id), what a failure leaves (nothing), and that a node refuses an unfinished restore or another
// cluster id, then starts from a restored directory and serves its data.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreRefusedError, restoreDataDir, restoredClusterId, writeBackupFromStream } from '../../src/backup/index.js';
import { connect } from '../../src/client/index.js';
import { startNode } from '../../src/server/index.js';
import { StateMachine } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';
import { freePorts } from '../integration/in-process.js';
import { cleanup, entry, tempDir } from '../state/helpers.js';
import { backupParts, fill } from './helpers.js';

let dir = '';
let backup = '';
let sm: StateMachine;
const members = new Map([
  ['a', '127.0.0.1:7101'],
  ['b', '127.0.0.1:7102'],
  ['c', '127.0.0.1:7103'],
]);

beforeAll(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(join(dir, 'source'));
  await fill(sm, 500, 100);
  // The old cluster had a NOSPACE alarm active when it was backed up.
  await sm.apply([entry(sm.appliedIndex() + 1, { type: 'alarm', action: 'activate', memberId: 'n1', alarm: 'NOSPACE' })]);
  backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'old' }), join(dir, 'backups'), { chunkBytes: 64 * 1024 })).path;
});
afterAll(async () => {
  await sm?.close();
  await cleanup(dir);
});

describe('restore', () => {
  it('writes state, WAL and cluster id for a new member', async () => {
    const dataDir = join(dir, 'member-a');
    const r = await restoreDataDir({ from: backup, dataDir, name: 'a', initialCluster: members });
    expect(r.clusterId).toBe(restoredClusterId('old', r.manifest.id, members));
    expect(r.clusterId).toMatch(/^old-restored-[0-9a-f]{8}$/);
    expect((await readdir(dataDir)).sort()).toEqual(['cluster-id', 'state', 'wal']);
    expect((await readFile(join(dataDir, 'cluster-id'), 'utf8')).trim()).toBe(r.clusterId);
    const restored = await StateMachine.open(join(dataDir, 'state'));
    expect((await restored.hashKv()).hash).toBe((await sm.hashKv()).hash);
    expect(restored.appliedIndex()).toBe(sm.appliedIndex());
    expect(restored.revision()).toBe(sm.revision());
    // The old cluster's address book is gone: the new members' addresses are in its place.
    expect(await sm.getMeta('members')).toEqual({ n1: '127.0.0.1:1' });
    expect(await restored.getMeta('members')).toEqual(Object.fromEntries(members));
    // ... and so are its alarms: the new cluster would otherwise refuse writes for an old member's disk.
    expect(sm.alarms()).toEqual([{ memberId: 'n1', alarm: 'NOSPACE' }]);
    expect(restored.alarms()).toEqual([]);
    expect(restored.noSpace()).toBe(false);
    await restored.close();
    const wal = await Wal.open(join(dataDir, 'wal'));
    const rs = await wal.recover();
    await wal.close();
    expect(rs.snapshot).toEqual({ index: sm.appliedIndex(), term: 1, conf: { voters: ['a', 'b', 'c'], votersOutgoing: [], learners: [], learnersNext: [] } });
    expect(rs.hardState).toEqual({ term: 1, vote: null, commit: sm.appliedIndex() });
    expect(rs.entries).toEqual([]);
  });

  it('the default cluster id is the same for every member of one list, another for another list', () => {
    const reordered = new Map([...members].reverse());
    expect(restoredClusterId('old', 'f'.repeat(32), reordered)).toBe(restoredClusterId('old', 'f'.repeat(32), members));
    expect(restoredClusterId('old', 'f'.repeat(32), new Map([...members, ['d', '127.0.0.1:7104']]))).not.toBe(restoredClusterId('old', 'f'.repeat(32), members));
    expect(restoredClusterId('old', 'e'.repeat(32), members)).not.toBe(restoredClusterId('old', 'f'.repeat(32), members));
  });

  it('refuses a non-empty directory unless forced, a member not listed, and the old cluster id', async () => {
    const dataDir = join(dir, 'busy');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'precious'), 'do not lose me');
    await expect(restoreDataDir({ from: backup, dataDir, name: 'a', initialCluster: members })).rejects.toThrow(/is not empty \(precious\).*--force/);
    expect(await readFile(join(dataDir, 'precious'), 'utf8')).toBe('do not lose me');
    await expect(restoreDataDir({ from: backup, dataDir: join(dir, 'x'), name: 'z', initialCluster: members })).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(restoreDataDir({ from: backup, dataDir: join(dir, 'x'), name: 'a', initialCluster: members, clusterId: 'old' })).rejects.toThrow(/must have a new one/);
    const r = await restoreDataDir({ from: backup, dataDir, name: 'b', initialCluster: members, force: true });
    expect((await readdir(dataDir)).sort()).toEqual(['cluster-id', 'state', 'wal']);
    expect(r.name).toBe('b');
  });

  it('a damaged backup leaves nothing behind', async () => {
    const bad = join(dir, 'bad.rdbk');
    const bytes = await readFile(backup);
    bytes[bytes.length - 2000]! ^= 0x08; // in the last chunk: found after state/ was begun
    await writeFile(bad, bytes);
    const fresh = join(dir, 'fresh');
    await expect(restoreDataDir({ from: bad, dataDir: fresh, name: 'a', initialCluster: members })).rejects.toThrow(/is damaged: chunk \d+ at byte offset/);
    await expect(readdir(fresh)).rejects.toThrow(/ENOENT/);
    const existing = join(dir, 'existing');
    await mkdir(existing);
    await expect(restoreDataDir({ from: bad, dataDir: existing, name: 'a', initialCluster: members })).rejects.toThrow(/is damaged/);
    expect(await readdir(existing)).toEqual([]);
  });

  it('a node refuses an unfinished restore and another cluster id, and starts from a restored directory', async () => {
    const [port] = await freePorts(1);
    const single = new Map([['solo', `127.0.0.1:${port}`]]);
    const dataDir = join(dir, 'solo');
    const r = await restoreDataDir({ from: backup, dataDir, name: 'solo', initialCluster: single });
    const base = { id: 'solo', listen: single.get('solo')!, http: null, peers: single, dataDir, join: false, priority: 1, logLevel: 'silent', logger: pino({ level: 'silent' }) };
    await expect(startNode({ ...base, clusterId: 'old' })).rejects.toThrow(`belongs to cluster '${r.clusterId}'`);
    await writeFile(join(dataDir, 'restore-in-progress'), 'interrupted');
    await expect(startNode({ ...base, clusterId: r.clusterId })).rejects.toThrow(/unfinished restore/);
    await import('node:fs/promises').then((fs) => fs.rm(join(dataDir, 'restore-in-progress')));
    const node = await startNode({ ...base, clusterId: r.clusterId });
    const client = connect({ endpoints: [node.address] });
    try {
      // It elects itself at a term after the backup's and serves the backed-up data ...
      expect((await client.getString('key/0000001'))).toBe('rewritten');
      const before = (await client.get('key/0000002')).kv!;
      expect(before.version).toBe(1);
      // ... and new writes continue the revisions and the log after the backup's.
      const put = await client.put('key/0000002', 'new');
      expect(put.header.revision).toBe(r.manifest.revision + 1);
      expect((await client.get('key/0000002')).kv).toMatchObject({ version: 2, createRevision: before.createRevision });
      const status = await client.cluster.status();
      expect(status.appliedIndex).toBeGreaterThan(r.manifest.raftIndex);
      expect(status.term).toBeGreaterThan(r.manifest.raftTerm);
    } finally {
      client.close();
      await node.close();
    }
  });
});
