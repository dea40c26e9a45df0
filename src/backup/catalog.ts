// The backups in a directory: each .rdbk file's manifest and trailer (read without its data), and
// whether `backup verify` passed on exactly these bytes (a `<file>.verified.json` note next to it,
// valid only while the file's digest is the one it names). Pruning removes a file and its note.
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Disk } from '../disk/disk.js';
import { nodeDisk } from '../disk/node-disk.js';
import { BACKUP_EXTENSION, PARTIAL_EXTENSION } from './format.js';
import { type BackupSummaryInfo, readBackupSummary } from './reader.js';

/** The note `verify` leaves next to a backup that passed. */
export interface VerifiedNote {
  digest: string;
  /** The file's size and modification time when verified: a file changed since is not verified. */
  bytes: number;
  mtimeMs: number;
  verifiedAtMs: number;
  hashKv: string;
  keys: number;
}

/** A backup of a directory listing, or the reason it could not be read. */
export type CatalogEntry =
  | ({ name: string; ok: true; verified: VerifiedNote | null } & BackupSummaryInfo)
  | { name: string; path: string; ok: false; error: string };

/** What a directory holds: backups (newest first) and partial files left by interrupted writes. */
export interface Catalog {
  entries: CatalogEntry[];
  partial: string[];
}

const NOTE_SUFFIX = '.verified.json';

/** The note's path for a backup. */
export function notePath(path: string): string {
  return `${path}${NOTE_SUFFIX}`;
}

/** Records that `path`, with this digest, passed verify (best effort: a read-only medium is fine). */
export async function recordVerified(path: string, note: Omit<VerifiedNote, 'bytes' | 'mtimeMs'>): Promise<boolean> {
  try {
    const s = await stat(path);
    await writeFile(notePath(path), `${JSON.stringify({ ...note, bytes: s.size, mtimeMs: s.mtimeMs })}\n`, { mode: 0o600 });
    return true;
  } catch {
    // A read-only medium or directory: the backup still verified; the caller gets false.
    return false;
  }
}

/** The note of `path`, if it names this digest and the file has not changed since. */
async function readNote(path: string, digest: string): Promise<VerifiedNote | null> {
  try {
    const n = JSON.parse(await readFile(notePath(path), 'utf8')) as VerifiedNote;
    const s = await stat(path);
    return n.digest === digest && n.bytes === s.size && n.mtimeMs === s.mtimeMs ? n : null;
  } catch {
    // No note, an unreadable or garbled one: only means "not verified yet", shown as such.
    return null;
  }
}

/** Where backups are: the names there, the path of each (as the disk reads it), the disk. */
export interface CatalogSource {
  names(): Promise<string[]>;
  pathOf(name: string): string;
  disk: Disk;
}

/** The backup files of `dir`, read from their manifests and trailers, newest first. */
export function readCatalog(dir: string): Promise<Catalog> {
  return readCatalogAt({ names: () => readdir(dir), pathOf: (n) => join(dir, n), disk: nodeDisk });
}

/** The backups of any source (a directory, an s3:// location), newest first. */
export async function readCatalogAt(source: CatalogSource): Promise<Catalog> {
  const names = await source.names();
  const entries: CatalogEntry[] = [];
  for (const name of names.filter((n) => n.endsWith(BACKUP_EXTENSION)).sort()) {
    const path = source.pathOf(name);
    try {
      const s = await readBackupSummary(path, source.disk);
      entries.push({ name, ok: true, verified: await readNote(path, s.digest), ...s });
    } catch (err) {
      entries.push({ name, path, ok: false, error: (err as Error).message });
    }
  }
  const time = (e: CatalogEntry): number => (e.ok ? e.manifest.createdAtMs : 0);
  entries.sort((a, b) => time(b) - time(a));
  return { entries, partial: names.filter((n) => n.endsWith(PARTIAL_EXTENSION)).sort() };
}

/** Removes a backup file and its note. */
export async function removeBackup(path: string): Promise<void> {
  await rm(path);
  await rm(notePath(path), { force: true });
}
