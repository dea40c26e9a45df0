// Where backups are kept: a directory, or an s3://bucket/prefix. One shape for both, so listing,
// verifying, pruning and restoring read them the same way.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Disk } from '../disk/disk.js';
import { nodeDisk } from '../disk/node-disk.js';
import { type CatalogSource, removeBackup } from './catalog.js';
import { parseS3Url, S3Store, s3ClientFromEnv, s3Url } from './s3.js';

/** Where backups are: a directory, or an s3:// prefix (docs/backup.md, "S3-compatible object stores"). */
export interface Place {
  source: CatalogSource;
  /** Set for an s3:// location. */
  s3: S3Store | null;
  remove(path: string): Promise<void>;
}

/** The place named by `target`: an s3:// URL (prefix) or a directory. */
export async function placeOf(target: string): Promise<Place> {
  const loc = parseS3Url(target);
  if (!loc) return { source: { names: () => readdir(target), pathOf: (n) => join(target, n), disk: nodeDisk }, s3: null, remove: removeBackup };
  const store = new S3Store(await s3ClientFromEnv(), loc);
  return { source: { names: async () => (await store.list()).map((o) => o.name), pathOf: (n) => s3Url(loc, n), disk: store.disk() }, s3: store, remove: (p) => store.delete(p) };
}

/** The disk to read one backup `path` from: its s3:// location's, or the local file system. */
export async function diskOf(path: string): Promise<Disk | undefined> {
  if (!path.startsWith('s3://')) return undefined;
  const at = path.lastIndexOf('/');
  return (await placeOf(path.slice(0, at + 1))).source.disk;
}
