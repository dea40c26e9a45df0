// Where archive segments live: a directory every member shares, or an s3://bucket/prefix. The
// archiver writes whole segments and lists names; a point-in-time restore lists and reads them.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurably } from '../server/data-dir.js';
import { parseS3Url, S3Store, s3ClientFromEnv, s3Url } from './s3.js';

/** A place for archive segments. */
export interface ArchiveStore {
  /** The location, as given (for logs and messages). */
  readonly location: string;
  names(): Promise<string[]>;
  read(name: string): Promise<Buffer>;
  /** Stores a whole segment: it appears complete or not at all. */
  write(name: string, bytes: Buffer): Promise<void>;
  /** How errors name a segment. */
  pathOf(name: string): string;
}

/** A directory shared by the members: segments written as temp file, fsync, rename, directory fsync. */
export function dirArchiveStore(dir: string): ArchiveStore {
  let made = false;
  return {
    location: dir,
    names: () => readdir(dir),
    read: (name) => readFile(join(dir, name)),
    write: async (name, bytes) => {
      if (!made) await mkdir(dir, { recursive: true, mode: 0o700 });
      made = true;
      await writeDurably(join(dir, name), bytes);
    },
    pathOf: (name) => join(dir, name),
  };
}

/** The store `location` names: s3://bucket/prefix (credentials from the environment) or a directory. */
export async function archiveStoreOf(location: string): Promise<ArchiveStore> {
  const loc = parseS3Url(location);
  if (!loc) return dirArchiveStore(location);
  const store = new S3Store(await s3ClientFromEnv(), loc);
  return {
    location,
    names: async () => (await store.list()).map((o) => o.name),
    read: (name) => store.get(name),
    // One PUT: an object appears whole or not at all.
    write: (name, bytes) => store.put(name, bytes),
    pathOf: (name) => s3Url(loc, name),
  };
}
