// Continuous archiving and point-in-time restore without processes: the archiver on real state
// machines (segments while leading, nothing while following, a new leader resuming with no gap or
// changed duplicate, a gap named when history is gone), segment corruption, and restores to exact
// revisions and times, with the covered range named when the target is outside it.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveCoverage, archivedRevisions } from '../../src/backup/archive-reader.js';
import { decodeSegment, parseSegmentName } from '../../src/backup/archive-format.js';
import { Archiver } from '../../src/backup/archiver.js';
import { dirArchiveStore } from '../../src/backup/archive-store.js';
import { BackupCorruptError, restoreDataDir, writeBackupFromStream } from '../../src/backup/index.js';
import type { Command } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/index.js';
import { b, cleanup, dump, entry, plain, prng, tempDir } from '../state/helpers.js';
import { backupParts } from './helpers.js';

const log = pino({ level: 'silent' });
let dir = '';
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => cleanup(dir));

/** A seeded mix of puts (some overwrites), deletes, range deletes and 2-key txns. */
function commands(seed: number, n: number): Command[] {
  const r = prng(seed);
  const key = (): Buffer => b(`k/${String(r.int(50)).padStart(2, '0')}`);
  return Array.from({ length: n }, (_, i): Command => {
    const x = r.int(10);
    if (x < 6) return { type: 'put', key: key(), value: b(`v${seed}.${i}`) };
    if (x < 8) return { type: 'delete', key: key() };
    if (x === 8) return { type: 'deleteRange', key: b('k/1'), rangeEnd: b('k/2') };
    return { type: 'txn', compare: [], success: [{ type: 'put', key: key(), value: b(`t${i}`) }, { type: 'put', key: key(), value: b(`u${i}`) }], failure: [] };
  });
}

async function applyAll(sms: StateMachine[], cmds: Command[]): Promise<void> {
  for (const c of cmds) for (const sm of sms) await sm.apply([entry(sm.appliedIndex() + 1, c)]);
}

describe('continuous archive', () => {
  it('the lag is measured when asked: it grows while revisions wait for the next segment, 0 once archived', async () => {
    const base = join(dir, 'lag');
    const sm = await StateMachine.open(join(base, 'n1'));
    const a = new Archiver({ store: dirArchiveStore(join(base, 'archive')), clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, log);
    a.start();
    await a.runOnce(); // now the archiving leader, nothing to archive yet
    expect(a.status()).toMatchObject({ active: true, lagSeconds: 0 });
    await applyAll([sm], commands(20, 5));
    await new Promise((r) => setTimeout(r, 400));
    // No round has run since the writes (segments every 60 s here): the lag is their age.
    expect(a.status().lagSeconds).toBeGreaterThanOrEqual(0.35);
    expect(a.status().lagSeconds).toBeLessThan(30);
    await a.runOnce();
    expect(a.status()).toMatchObject({ lastArchivedRevision: sm.revision(), lagSeconds: 0 });
    await a.stop();
    await sm.close();
  });

  it('the leader archives every revision; a new leader resumes after the last segment; restore to any revision is exact', async () => {
    const base = join(dir, 'a');
    // Three members applying the same entries, as a cluster's would.
    const sms = await Promise.all(['n1', 'n2', 'n3'].map((id) => StateMachine.open(join(base, id))));
    await applyAll(sms, commands(1, 100));
    const backup = (await writeBackupFromStream(backupParts(sms[0]!, { clusterId: 'arch' }), join(base, 'backups'))).path;
    const backupRevision = sms[0]!.revision();
    const archive = join(base, 'archive');
    let leader = 'n1';
    const archivers = sms.map((sm, i) => new Archiver({ store: dirArchiveStore(archive), clusterId: 'arch', memberId: `n${i + 1}`, segmentMs: 60_000 }, sm, () => leader === `n${i + 1}`, log));
    for (const a of archivers) a.start();
    // Revisions after the backup, each member's archiver asked to run between batches.
    const truth = new Map<number, unknown>();
    const record = async (): Promise<void> => {
      truth.set(sms[0]!.revision(), plain(await dump(sms[0]!)));
    };
    await record();
    for (const [i, chunk] of [commands(2, 60), commands(3, 60), commands(4, 60)].entries()) {
      for (let j = 0; j < chunk.length; j += 20) {
        await applyAll(sms, chunk.slice(j, j + 20));
        await record();
        for (const a of archivers) await a.runOnce();
      }
      // Leadership moves twice: n1 -> n2 -> n3. The old leader had archived everything so far;
      // the new one must continue right after it, from its own history.
      leader = ['n2', 'n3', 'n3'][i]!;
    }
    await applyAll(sms, commands(5, 30));
    await record();
    for (const a of archivers) await a.runOnce();
    expect(archivers.map((a) => a.status().active)).toEqual([false, false, true]);
    const last = sms[0]!.revision();
    expect(archivers[2]!.status()).toMatchObject({ lastArchivedRevision: last, gapRevisions: 0, lastError: null });
    const names = (await readdir(archive)).filter((n) => parseSegmentName(n)).sort();
    const writers = new Set<string>();
    let expect1 = 1;
    for (const n of names) {
      const seg = await decodeSegment(n, await readFile(join(archive, n)));
      writers.add(seg.header.memberId);
      // Segments follow each other with no gap and no overlap here (one leader at a time).
      expect(seg.header.firstRevision).toBe(expect1);
      expect1 = seg.header.lastRevision + 1;
    }
    expect(expect1).toBe(last + 1);
    expect([...writers].sort()).toEqual(['n1', 'n2', 'n3']);
    const cov = await archiveCoverage(dirArchiveStore(archive), backupRevision + 1);
    expect(cov.last).toBe(last);

    // Restore to three revisions (and the backup's own, and the archive's end): exactly the state then.
    const members = new Map([['r1', '127.0.0.1:1']]);
    const targets = [backupRevision, backupRevision + 1, Math.floor((backupRevision + last) / 2), last - 1, last];
    for (const [i, to] of targets.entries()) {
      const dataDir = join(base, `restore-${i}`);
      const r = await restoreDataDir({ from: backup, dataDir, name: 'r1', initialCluster: members, pointInTime: { archiveDir: archive, toRevision: to } });
      expect(r.pointInTime).toMatchObject({ revision: to, archivedThrough: last });
      const restored = await StateMachine.open(join(dataDir, 'state'));
      expect(restored.revision()).toBe(to);
      const want = truth.get(to) ?? plain(await dump(sms[0]!, to));
      expect(plain(await dump(restored)), `revision ${to}`).toEqual(want);
      expect((await restored.hashKv()).hash).toBe((await sms[1]!.hashKv(to)).hash);
      expect(r.hashKv).toBe((await sms[2]!.hashKv(to)).hash);
      await restored.close();
    }
    // Outside what the backup and the archive cover: refused, saying what they cover.
    for (const to of [backupRevision - 1, last + 1]) {
      await expect(
        restoreDataDir({ from: backup, dataDir: join(base, 'nope'), name: 'r1', initialCluster: members, pointInTime: { archiveDir: archive, toRevision: to } }),
      ).rejects.toThrow(`revision ${to} is outside what the backup and the archive cover: the backup is at revision ${backupRevision} and the archive continues it without a gap to revision ${last}`);
    }
    await expect(readdir(join(base, 'nope'))).rejects.toThrow(/ENOENT/);
    for (const a of archivers) await a.stop();
    for (const sm of sms) await sm.close();
  });

  it('restore to a time takes the last revision applied by then; times outside are refused', async () => {
    const base = join(dir, 't');
    const sm = await StateMachine.open(join(base, 'n1'));
    await applyAll([sm], commands(6, 50));
    const backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'arch' }), join(base, 'backups'))).path;
    const archive = join(base, 'archive');
    const a = new Archiver({ store: dirArchiveStore(archive), clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, log);
    a.start();
    const marks: { atMs: number; revision: number; state: unknown }[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      await applyAll([sm], commands(10 + i, 20));
      await a.runOnce();
      await new Promise((r) => setTimeout(r, 30));
      marks.push({ atMs: Date.now(), revision: sm.revision(), state: plain(await dump(sm)) });
    }
    const members = new Map([['r1', '127.0.0.1:1']]);
    for (const [i, m] of marks.slice(0, 2).entries()) {
      const r = await restoreDataDir({ from: backup, dataDir: join(base, `at-${i}`), name: 'r1', initialCluster: members, pointInTime: { archiveDir: archive, toTimeMs: m.atMs } });
      expect(r.pointInTime?.revision).toBe(m.revision);
      const restored = await StateMachine.open(join(base, `at-${i}`, 'state'));
      expect(plain(await dump(restored))).toEqual(m.state);
      await restored.close();
    }
    const restore = (ms: number): Promise<unknown> => restoreDataDir({ from: backup, dataDir: join(base, 'nope'), name: 'r1', initialCluster: members, pointInTime: { archiveDir: archive, toTimeMs: ms } });
    await expect(restore(Date.now() + 60_000)).rejects.toThrow(/is after the last archived revision \(\d+, applied .*\): the backup is at revision \d+ and the archive continues it/);
    await expect(restore(Date.now() - 3_600_000)).rejects.toThrow(/is before the backup was taken/);
    await a.stop();
    await sm.close();
  });

  it('a member whose history no longer holds the next revision archives on and names the gap; restore refuses across it', async () => {
    const base = join(dir, 'g');
    const sm = await StateMachine.open(join(base, 'n1'), { watchHistoryRevisions: 20 });
    await applyAll([sm], commands(7, 30));
    const backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'arch' }), join(base, 'backups'))).path;
    const backupRevision = sm.revision();
    const archive = join(base, 'archive');
    const a = new Archiver({ store: dirArchiveStore(archive), clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, log);
    await applyAll([sm], commands(8, 60)); // more than the 20 revisions of history, before any archiving
    await a.runOnce();
    const st = a.status();
    expect(st.gapRevisions).toBeGreaterThan(0);
    expect(st.lastArchivedRevision).toBe(sm.revision());
    await expect(
      restoreDataDir({ from: backup, dataDir: join(base, 'nope'), name: 'r1', initialCluster: new Map([['r1', 'h:1']]), pointInTime: { archiveDir: archive, toRevision: sm.revision() } }),
    ).rejects.toThrow(`the backup is at revision ${backupRevision}, and the archive has no segment that continues it`);
    await sm.close();
  });

  it('an encrypted archive: no value in the segments, restore needs the key', async () => {
    const base = join(dir, 'e');
    const { generateKeyFile } = await import('../../src/backup/index.js');
    const key = await generateKeyFile(join(base + '-key'));
    const other = await generateKeyFile(join(base + '-other-key'));
    const sm = await StateMachine.open(join(base, 'n1'));
    await applyAll([sm], commands(13, 20));
    // The backup is not encrypted: what needs the key below is the archive.
    const backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'arch' }), join(base, 'backups'))).path;
    const archive = join(base, 'archive');
    const a = new Archiver({ store: dirArchiveStore(archive), key, clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, log);
    await applyAll([sm], [{ type: 'put', key: b('secret'), value: b('the-plaintext-value-1234') }, ...commands(14, 30)]);
    await a.runOnce();
    const names = (await readdir(archive)).filter((n) => parseSegmentName(n));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect((await readFile(join(archive, n))).includes(Buffer.from('the-plaintext-value-1234'))).toBe(false);
    const members = new Map([['r1', 'h:1']]);
    const restore = (keys: typeof key[], to: string): Promise<unknown> =>
      restoreDataDir({ from: backup, dataDir: join(base, to), name: 'r1', initialCluster: members, keys, pointInTime: { archiveDir: archive } });
    await expect(restore([], 'x')).rejects.toThrow(new RegExp(`archive-\\d+-\\d+\\.rdar is encrypted with key id ${key.id}: give its key file`));
    await expect(readdir(join(base, 'x'))).rejects.toThrow(/ENOENT/);
    await expect(restore([other], 'y')).rejects.toThrow(/no key file given has that id/);
    const r = (await restore([key], 'z')) as { hashKv: string; pointInTime: { revision: number } };
    expect(r.pointInTime.revision).toBe(sm.revision());
    expect(r.hashKv).toBe((await sm.hashKv()).hash);
    await sm.close();
  });

  it('a damaged segment is refused naming the file; an archive that does not continue the state is refused', async () => {
    const base = join(dir, 'd');
    const sm = await StateMachine.open(join(base, 'n1'));
    await applyAll([sm], commands(9, 20));
    const backup = (await writeBackupFromStream(backupParts(sm, { clusterId: 'arch' }), join(base, 'backups'))).path;
    const sm0Revision = sm.revision();
    const archive = join(base, 'archive');
    const a = new Archiver({ store: dirArchiveStore(archive), clusterId: 'arch', memberId: 'n1', segmentMs: 60_000 }, sm, () => true, log);
    await applyAll([sm], commands(10, 40));
    await a.runOnce();
    const [name] = (await readdir(archive)).filter((n) => parseSegmentName(n));
    const path = join(archive, name!);
    const good = await readFile(path);
    const r = prng(4);
    for (let i = 0; i < 60; i++) {
      const bad = Buffer.from(good);
      bad[r.int(bad.length)]! ^= 1 << r.int(8);
      await expect(decodeSegment(path, bad)).rejects.toThrow(path);
    }
    for (const cut of [0, 11, 60, good.length - 41, good.length - 1]) await expect(decodeSegment(path, good.subarray(0, cut))).rejects.toBeInstanceOf(BackupCorruptError);
    // Flipped on disk: the restore refuses, naming the file.
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0x20;
    await writeFile(path, bad);
    const members = new Map([['r1', 'h:1']]);
    await expect(restoreDataDir({ from: backup, dataDir: join(base, 'x'), name: 'r1', initialCluster: members, pointInTime: { archiveDir: archive } })).rejects.toThrow(`backup ${path} is damaged`);
    await writeFile(path, good);
    // An archive of another history (a segment moved in from elsewhere): the prev checks catch it.
    const other = await StateMachine.open(join(base, 'other'));
    await applyAll([other], commands(11, 20));
    const foreign = join(base, 'foreign');
    const fa = new Archiver({ store: dirArchiveStore(foreign), clusterId: 'arch', memberId: 'n9', segmentMs: 60_000 }, other, () => true, log);
    await applyAll([other], commands(12, 40));
    await fa.runOnce();
    const cov = await archiveCoverage(dirArchiveStore(foreign), sm0Revision + 1);
    expect(cov.last).toBeGreaterThan(sm0Revision + 1);
    expect((await collect(archivedRevisions(dirArchiveStore(foreign), cov, cov.last, 'arch'))).length).toBe(cov.last - sm0Revision);
    await expect(restoreDataDir({ from: backup, dataDir: join(base, 'y'), name: 'r1', initialCluster: members, pointInTime: { archiveDir: foreign } })).rejects.toThrow(
      new RegExp(`does not continue the backup: archived revision ${sm0Revision + 1} changes key [0-9a-f]+ last written at revision \\d+, but the state has it at`),
    );
    await expect(readdir(join(base, 'y'))).rejects.toThrow(/ENOENT/);
    await sm.close();
    await other.close();
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
