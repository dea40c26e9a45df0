// Shared by the backup tests: a state machine with data, the Backup stream a member would send
// for it (what src/server/maintenance-service.ts sends, built here without gRPC), byte surgery.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { BackupPart } from '../../src/client/index.js';
import type { Disk, DiskFile } from '../../src/disk/disk.js';
import { nodeDisk } from '../../src/disk/node-disk.js';
import { localBackupParts } from '../../src/backup/local-source.js';
import type { StateMachine } from '../../src/state/index.js';
import { b, entry, prng } from '../state/helpers.js';

/** Fills `sm` with `keys` keys: half with compressible values, half random, some rewritten, a meta record. */
export async function fill(sm: StateMachine, keys: number, valueBytes = 200, seed = 1): Promise<void> {
  const r = prng(seed);
  let index = sm.appliedIndex() + 1;
  for (let i = 0; i < keys; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(keys, i + 100); j++) {
      const value = j % 2 === 0 ? Buffer.alloc(valueBytes, `value-${j}-`) : randomBytes(valueBytes);
      batch.push(entry(index++, { type: 'put', key: b(`key/${String(j).padStart(7, '0')}`), value, req: { clientId: `c${r.int(20)}`, seq: index } }));
    }
    await sm.apply(batch);
  }
  await sm.apply([entry(index++, { type: 'put', key: b('key/0000001'), value: b('rewritten') })]);
  await sm.apply([entry(index++, { type: 'setMeta', name: 'members', value: { n1: '127.0.0.1:1' } })]);
}

/** The Backup stream of `sm`'s current state, as a member sends it (src/backup/local-source.ts). */
export function backupParts(sm: StateMachine, opts: { clusterId?: string; memberId?: string; messageBytes?: number } = {}): AsyncGenerator<BackupPart> {
  return localBackupParts(sm, { clusterId: opts.clusterId ?? 'unit', memberId: opts.memberId ?? 'n1', messageBytes: opts.messageBytes ?? 256 * 1024 });
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Replays a list of parts as a stream. */
export async function* replay<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

/** XORs one byte of a file with `mask` (default 0x01). */
export async function flipByte(path: string, offset: number, mask = 0x01): Promise<void> {
  const buf = await readFile(path);
  buf[offset]! ^= mask;
  await writeFile(path, buf);
}

/**
 * The real disk (node:fs) with only `freeBytes` of room for writes made through it: a write that
 * does not fit writes what fits and then fails with ENOSPC, as a full file system does.
 */
export function diskWithFreeBytes(freeBytes: number): Disk {
  let free = freeBytes;
  const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const wrap = (f: DiskFile): DiskFile => ({
    ...f,
    read: f.read.bind(f),
    truncate: f.truncate.bind(f),
    datasync: f.datasync.bind(f),
    sync: f.sync.bind(f),
    sizeBytes: f.sizeBytes.bind(f),
    close: f.close.bind(f),
    writeSync: () => {
      throw new Error('not used by backups');
    },
    writevSync: () => {
      throw new Error('not used by backups');
    },
    writev: () => {
      throw new Error('not used by backups');
    },
    write: async (buf, offset, length, position) => {
      if (free <= 0) throw enospc();
      const n = Math.min(length, free);
      free -= n;
      return f.write(buf, offset, n, position);
    },
  });
  return { ...nodeDisk, open: async (file, mode) => wrap(await nodeDisk.open(file, mode)) };
}
