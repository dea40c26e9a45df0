// The backup file format (src/backup): round trips for every compression with and without
// encryption; every byte of every structure, and random bytes of the data, flipped: each flip is
// refused naming the file and where (chunk and offset); truncation anywhere; keys missing, wrong
// or forged; chunks swapped; a newer format; and the reading side of interrupted writes.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupCorruptError,
  BackupFileReader,
  BackupKeyError,
  BackupVersionError,
  type BackupKey,
  type Compression,
  generateKeyFile,
  loadKeyFile,
  readBackupSummary,
  replayBackup,
  verifyBackup,
  writeBackupFromStream,
} from '../../src/backup/index.js';
import { StateMachine } from '../../src/state/index.js';
import { cleanup, prng, tempDir } from '../state/helpers.js';
import { backupParts, collect, fill } from './helpers.js';

const CHUNK = 64 * 1024;
let dir = '';
let sm: StateMachine;
let key: BackupKey;
let otherKey: BackupKey;

beforeAll(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(join(dir, 'source'));
  await fill(sm, 1200, 200); // ~280 KiB of snapshot: several 64 KiB chunks
  key = await generateKeyFile(join(dir, 'key'));
  otherKey = await generateKeyFile(join(dir, 'other.key'));
});
afterAll(async () => {
  await sm?.close();
  await cleanup(dir);
});

async function backupTo(out: string, compression: Compression, k: BackupKey | null): Promise<string> {
  const w = await writeBackupFromStream(backupParts(sm), out, { compression, chunkBytes: CHUNK, key: k });
  return w.path;
}

/** Reads a whole backup file through the reader (chunks, trailer, footer), without LevelDB. */
async function readAll(path: string, keys: BackupKey[] = []): Promise<void> {
  const r = await BackupFileReader.open(path, { keys });
  try {
    await collect(r.chunks());
  } finally {
    await r.close();
  }
}

/** The regions of a backup file, found from the documented layout (docs/backup.md), not the reader. */
function layout(buf: Buffer): { part: string; chunk?: number; start: number; end: number; structEnd: number }[] {
  const out: { part: string; chunk?: number; start: number; end: number; structEnd: number }[] = [{ part: 'preamble', start: 0, end: 12, structEnd: 12 }];
  let p = 12;
  const hlen = buf.readUInt32BE(p + 1);
  out.push({ part: 'header', start: p, end: p + 37 + hlen, structEnd: p + 37 + hlen });
  p += 37 + hlen;
  for (let i = 0; buf[p] === 0x43; i++) {
    const stored = buf.readUInt32BE(p + 9);
    out.push({ part: 'chunk', chunk: i, start: p, end: p + 45 + stored, structEnd: p + 45 });
    p += 45 + stored;
  }
  const tlen = buf.readUInt32BE(p + 1);
  out.push({ part: 'trailer', start: p, end: p + 37 + tlen, structEnd: p + 37 + tlen });
  p += 37 + tlen;
  out.push({ part: 'footer', start: p, end: p + 48, structEnd: p + 48 });
  expect(p + 48).toBe(buf.length);
  return out;
}

describe('backup files', () => {
  for (const compression of ['gzip', 'brotli', 'none'] as const) {
    for (const encrypted of [false, true]) {
      it(`round trip: ${compression}${encrypted ? ', encrypted' : ''}`, async () => {
        const out = join(dir, `rt-${compression}-${encrypted}`);
        const path = await backupTo(out, compression, encrypted ? key : null);
        expect(await readdir(out)).toEqual([path.split('/').pop()]);
        expect(path).toMatch(/backup-unit-\d{8}T\d{6}Z-r\d+-[0-9a-f]{8}\.rdbk$/);
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        const v = await verifyBackup(path, { keys: encrypted ? [key] : [] });
        const want = await sm.hashKv();
        expect(v).toMatchObject({ hashKv: want.hash, keys: want.keys });
        expect(v.manifest).toMatchObject({ clusterId: 'unit', memberId: 'n1', revision: sm.revision(), raftIndex: sm.appliedIndex(), compression, chunkBytes: CHUNK });
        expect(v.manifest.encryption).toEqual(encrypted ? { algorithm: 'aes-256-gcm', keyId: key.id } : null);
        expect(v.trailer.chunks).toBeGreaterThan(3);
        const summary = await readBackupSummary(path);
        expect(summary.trailer).toEqual(v.trailer);
        expect(summary.digest).toBe(v.digest);
        if (encrypted) {
          // Nothing of the data is readable without the key: no value appears in the file.
          const bytes = await readFile(path);
          expect(bytes.includes(Buffer.from('value-2-value-2'))).toBe(false);
          expect(bytes.includes(Buffer.from(key.key.toString('hex')))).toBe(false);
        }
        if (compression !== 'none') expect(v.trailer.storedBytes).toBeLessThan(v.trailer.rawBytes);
      });
    }
  }

  for (const [compression, encrypted] of [['gzip', false], ['none', false], ['gzip', true]] as const) {
    it(`every flipped byte of every structure, and 150 in the data, is refused naming the file and the place (${compression}${encrypted ? ', encrypted' : ''})`, async () => {
      const path = await backupTo(join(dir, `flip-${compression}-${encrypted}`), compression, encrypted ? key : null);
      const good = await readFile(path);
      const regions = layout(good);
      const r = prng(encrypted ? 2 : compression === 'none' ? 3 : 1);
      const offsets = new Set<number>();
      for (const g of regions) for (let o = g.start; o < g.structEnd; o++) offsets.add(o);
      const data = regions.filter((g) => g.part === 'chunk');
      for (let i = 0; i < 150; i++) {
        const g = data[r.int(data.length)]!;
        offsets.add(g.structEnd + r.int(g.end - g.structEnd));
      }
      let versionErrors = 0;
      for (const off of offsets) {
        const bad = Buffer.from(good);
        bad[off]! ^= off % 3 === 0 ? 0x80 : 0x01;
        await writeFile(path, bad);
        const err = await readAll(path, [key]).then(() => null, (e: unknown) => e);
        const where = regions.find((g) => off >= g.start && off < g.end)!;
        expect(err, `flip at ${off} (${where.part} ${where.chunk ?? ''}) was not detected`).not.toBeNull();
        if (err instanceof BackupVersionError) {
          expect(off).toBeGreaterThanOrEqual(8); // the version field
          expect(off).toBeLessThan(12);
          expect(err.message).toContain(path);
          versionErrors++;
          continue;
        }
        expect(err, `flip at ${off}: ${String(err)}`).toBeInstanceOf(BackupCorruptError);
        const e = err as BackupCorruptError;
        expect(e.message).toContain(path);
        expect(e.at.part, `flip at ${off}: ${e.message}`).toBe(where.part);
        if (where.part === 'chunk') {
          expect(e.at.chunk, e.message).toBe(where.chunk);
          expect(e.at.offset).toBe(where.start);
          expect(e.message).toContain(`chunk ${where.chunk} at byte offset ${where.start}`);
        }
      }
      expect(versionErrors).toBe(4);
      await writeFile(path, good);
      await readAll(path, [key]);
    });
  }

  it('a truncated file is refused, cut anywhere', async () => {
    const path = await backupTo(join(dir, 'trunc'), 'gzip', null);
    const good = await readFile(path);
    const cuts = new Set<number>([0, 1]);
    for (const g of layout(good)) for (const c of [g.start - 1, g.start, g.start + 1, g.structEnd - 1, g.structEnd, g.end - 1]) if (c >= 0 && c < good.length) cuts.add(c);
    const r = prng(3);
    for (let i = 0; i < 100; i++) cuts.add(r.int(good.length));
    for (const cut of cuts) {
      await writeFile(path, good.subarray(0, cut));
      const err = await readAll(path).then(() => null, (e: unknown) => e);
      expect(err, `cut at ${cut} of ${good.length}`).toBeInstanceOf(BackupCorruptError);
      expect(await readBackupSummary(path).then(() => null, (e: unknown) => e), `summary cut at ${cut}`).toBeInstanceOf(BackupCorruptError);
    }
    // A cut inside the data names that chunk and says it is truncated.
    const second = layout(good).filter((g) => g.part === 'chunk')[1]!;
    await writeFile(path, good.subarray(0, second.start + 100));
    await expect(readAll(path)).rejects.toThrow(new RegExp(`chunk 1 at byte offset ${second.start}: truncated`));
    // Bytes after the footer are refused too.
    await writeFile(path, Buffer.concat([good, Buffer.from('x')]));
    await expect(readAll(path)).rejects.toThrow(/follow the footer/);
  });

  it('an encrypted backup needs its key: missing, another, or a forged one are refused', async () => {
    const path = await backupTo(join(dir, 'keys'), 'gzip', key);
    await expect(BackupFileReader.open(path)).rejects.toThrow(new RegExp(`encrypted with key id ${key.id}: give its key file`));
    await expect(BackupFileReader.open(path, { keys: [otherKey] })).rejects.toBeInstanceOf(BackupKeyError);
    await expect(BackupFileReader.open(path, { keys: [otherKey] })).rejects.toThrow(otherKey.id);
    await expect(BackupFileReader.open(path, { keys: [otherKey, key] })).resolves.toBeInstanceOf(BackupFileReader);
    // A key that claims the right id but is not the key: decryption fails at the first chunk.
    const forged = { id: key.id, key: otherKey.key };
    await expect(readAll(path, [forged])).rejects.toThrow(/chunk 0 at byte offset \d+: decryption failed/);
    // And verify through the whole path says the same.
    await expect(verifyBackup(path, { keys: [forged] })).rejects.toBeInstanceOf(BackupCorruptError);
  });

  it('key files: raw, hex or base64; anything else is refused; keygen never overwrites', async () => {
    const raw = join(dir, 'raw.key');
    await writeFile(raw, key.key);
    expect((await loadKeyFile(raw)).id).toBe(key.id);
    const b64 = join(dir, 'b64.key');
    await writeFile(b64, `${key.key.toString('base64')}\n`);
    expect((await loadKeyFile(b64)).id).toBe(key.id);
    expect((await stat(join(dir, 'key'))).mode & 0o777).toBe(0o600);
    for (const junk of ['short', 'g'.repeat(64), key.key.toString('hex').slice(2)]) {
      const p = join(dir, 'junk.key');
      await writeFile(p, junk);
      await expect(loadKeyFile(p)).rejects.toBeInstanceOf(BackupKeyError);
    }
    await expect(loadKeyFile(join(dir, 'missing.key'))).rejects.toThrow(/cannot read key file/);
    await expect(generateKeyFile(join(dir, 'key'))).rejects.toThrow(/EEXIST/);
  });

  for (const encrypted of [true, false]) {
    it(`chunks swapped, with their indexes and the file digest rewritten, are refused${encrypted ? ' (encrypted: by decryption)' : ' (by the snapshot checksum)'}`, async () => {
      const path = await backupTo(join(dir, `swap-${encrypted}`), 'gzip', encrypted ? key : null);
      const good = await readFile(path);
      const g = layout(good);
      const chunks = g.filter((x) => x.part === 'chunk');
      const [c1, c2] = [chunks[1]!, chunks[2]!];
      const f1 = Buffer.from(good.subarray(c1.start, c1.end));
      const f2 = Buffer.from(good.subarray(c2.start, c2.end));
      f1.writeUInt32BE(2, 1);
      f2.writeUInt32BE(1, 1);
      const body = Buffer.concat([good.subarray(0, c1.start), f2, f1, good.subarray(c2.end, good.length - 40)]);
      const { createHash } = await import('node:crypto');
      await writeFile(path, Buffer.concat([body, createHash('sha256').update(body).digest(), good.subarray(good.length - 8)]));
      if (encrypted) {
        await expect(readAll(path, [key])).rejects.toThrow(new RegExp(`chunk 1 at byte offset ${c1.start}: decryption failed`));
      } else {
        await readAll(path); // every chunk checks out on its own ...
        await expect(replayBackup(path, join(dir, 'swap-replay'))).rejects.toThrow(/the snapshot stream is invalid/); // ... the stream does not
      }
    });
  }

  it('a newer format is refused naming both versions', async () => {
    const path = await backupTo(join(dir, 'newer'), 'gzip', null);
    const buf = await readFile(path);
    buf.writeUInt32BE(2, 8);
    await writeFile(path, buf);
    await expect(readAll(path)).rejects.toThrow(`backup ${path} has format version 2, newer than this raftdb's version 1: read it with a newer raftdb`);
    await expect(readBackupSummary(path)).rejects.toBeInstanceOf(BackupVersionError);
  });

  it('a file that is not a backup is refused', async () => {
    const path = join(dir, 'not-a-backup.rdbk');
    await writeFile(path, 'hello world, this is not a backup file at all');
    await expect(readAll(path)).rejects.toThrow(/not a raftdb backup file/);
  });
});
