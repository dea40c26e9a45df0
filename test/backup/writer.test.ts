// Writing backups when things go wrong: a full disk at any point, a stream cut short, a stream
// whose summary does not match what it carried, bad options. Each time: an error, no .partial and
// no .rdbk left behind, and earlier backups in the directory untouched. A stream that stops
// anywhere before its summary never leaves a file that verifies.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupError, PARTIAL_EXTENSION, verifyBackup, writeBackupFromStream } from '../../src/backup/index.js';
import type { BackupPart } from '../../src/client/index.js';
import type { Disk } from '../../src/disk/disk.js';
import { nodeDisk } from '../../src/disk/node-disk.js';
import { StateMachine } from '../../src/state/index.js';
import { cleanup, prng, tempDir } from '../state/helpers.js';
import { backupParts, collect, diskWithFreeBytes, fill, replay } from './helpers.js';

const CHUNK = 64 * 1024;
let dir = '';
let sm: StateMachine;
let parts: BackupPart[] = [];
let out = '';
/** An earlier backup in `out`, and its bytes, which must never change. */
let earlier = '';
let earlierBytes: Buffer;

beforeAll(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(join(dir, 'source'));
  await fill(sm, 1000, 300);
  parts = await collect(backupParts(sm));
  out = join(dir, 'backups');
  earlier = (await writeBackupFromStream(replay(parts), out, { chunkBytes: CHUNK })).path;
  earlierBytes = await readFile(earlier);
});
afterAll(async () => {
  await sm?.close();
  await cleanup(dir);
});

/** The directory holds only the earlier backup, byte for byte. */
async function onlyEarlier(): Promise<void> {
  expect(await readdir(out)).toEqual([earlier.split('/').pop()]);
  expect((await readFile(earlier)).equals(earlierBytes)).toBe(true);
}

describe('writing a backup', () => {
  it('a full disk at any point: the error, the partial file removed, earlier backups untouched', async () => {
    const full = (await readFile(earlier)).length;
    const r = prng(5);
    const limits = [0, 1, 11, 12, 60, 400, CHUNK, full - 49, full - 48, full - 1, ...Array.from({ length: 20 }, () => r.int(full))];
    for (const free of limits) {
      const err = await writeBackupFromStream(replay(parts), out, { chunkBytes: CHUNK, disk: diskWithFreeBytes(free) }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `with ${free} bytes free`).toMatchObject({ code: 'ENOSPC' });
      await onlyEarlier();
    }
    // With room for it all, the same write succeeds.
    const ok = await writeBackupFromStream(replay(parts), out, { chunkBytes: CHUNK, disk: diskWithFreeBytes(full) });
    await verifyBackup(ok.path);
    await cleanupExcept(ok.path);
  });

  it('a final name that cannot be checked (not ENOENT) fails the backup rather than risk overwriting a file', async () => {
    const eacces = Object.assign(new Error('EACCES: permission denied, stat'), { code: 'EACCES' });
    const disk: Disk = { ...nodeDisk, sizeBytes: (path) => (path.endsWith(PARTIAL_EXTENSION) ? nodeDisk.sizeBytes(path) : Promise.reject(eacces)) };
    await expect(writeBackupFromStream(replay(parts), out, { chunkBytes: CHUNK, disk })).rejects.toMatchObject({ code: 'EACCES' });
    await onlyEarlier();
  });

  it('a stream that stops anywhere before its summary leaves nothing, and never a file that verifies', async () => {
    const r = prng(6);
    const cuts = new Set([0, 1, 2, parts.length - 2, parts.length - 1, ...Array.from({ length: 10 }, () => 1 + r.int(parts.length - 1))]);
    for (const cut of cuts) {
      // The member stops sending (ends the stream) ...
      await expect(writeBackupFromStream(replay(parts.slice(0, cut)), out, { chunkBytes: CHUNK })).rejects.toBeInstanceOf(Error);
      await onlyEarlier();
      // ... or the stream breaks (the member died).
      const broken = (async function* () {
        yield* parts.slice(0, cut);
        throw Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 });
      })();
      await expect(writeBackupFromStream(broken, out, { chunkBytes: CHUNK })).rejects.toThrow(/UNAVAILABLE|did not start/);
      await onlyEarlier();
    }
  });

  it('a summary that does not describe the data, or data missing in the middle, is refused', async () => {
    const summary = parts.at(-1) as Extract<BackupPart, { type: 'summary' }>;
    const lying = [...parts.slice(0, -1), { type: 'summary' as const, summary: { ...summary.summary, snapshotSha256: 'f'.repeat(64) } }];
    await expect(writeBackupFromStream(replay(lying), out, { chunkBytes: CHUNK })).rejects.toThrow(/summary does not describe/);
    await onlyEarlier();
    // One data message lost in transit: the snapshot's own framing and checksum catch it.
    const dataAt = parts.findIndex((p, i) => i > 1 && p.type === 'data');
    const gap = [...parts.slice(0, dataAt), ...parts.slice(dataAt + 1)];
    await expect(writeBackupFromStream(replay(gap), out, { chunkBytes: CHUNK })).rejects.toThrow(/snapshot|record|checksum/);
    await onlyEarlier();
    // Data after the summary.
    await expect(writeBackupFromStream(replay([...parts, parts[1]!]), out, { chunkBytes: CHUNK })).rejects.toThrow(/after the summary/);
    await onlyEarlier();
    // A stream from a newer member.
    const m = parts[0] as Extract<BackupPart, { type: 'manifest' }>;
    const newer = [{ type: 'manifest' as const, manifest: { ...m.manifest, formatVersion: 2 } }, ...parts.slice(1)];
    await expect(writeBackupFromStream(replay(newer), out, { chunkBytes: CHUNK })).rejects.toThrow(/Backup stream version 2; this raftdb reads version 1/);
    await onlyEarlier();
  });

  it('--rate-limit: the stream is read no faster than the limit', async () => {
    const bytes = parts.reduce((n, p) => n + (p.type === 'data' ? p.data.length : 0), 0);
    const limit = bytes / 0.5; // half a second's worth
    const t0 = performance.now();
    const w = await writeBackupFromStream(replay(parts), out, { chunkBytes: CHUNK, maxBytesPerSecond: limit });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    await cleanupExcept(w.path);
  });

  it('bad options are refused before anything is written', async () => {
    for (const o of [{ compression: 'gzip' as const, level: 10 }, { compression: 'brotli' as const, level: 12 }, { chunkBytes: 1000 }, { chunkBytes: 128 * 1024 * 1024 }]) {
      await expect(writeBackupFromStream(replay(parts), out, o)).rejects.toBeInstanceOf(BackupError);
      await onlyEarlier();
    }
  });
});

async function cleanupExcept(path: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(path);
  await onlyEarlier();
}
