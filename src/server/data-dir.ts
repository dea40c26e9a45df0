// The data directory holds every key and value: only the node's own user may read it. A
// directory others can write to may already hold files planted by someone else, so the node
// refuses it rather than trusting what it finds; looser read permissions are tightened.
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';

/** Creates `dir` (0700) or checks an existing one; throws when others may write to it. */
export async function prepareDataDir(dir: string, log: Pick<Logger, 'warn'>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o002) !== 0) {
    throw new Error(`data directory ${dir} is writable by every user (mode ${mode.toString(8).padStart(4, '0')}): refusing to start; make it private with chmod 700 ${dir}`);
  }
  if ((mode & 0o077) !== 0) {
    await chmod(dir, 0o700);
    log.warn({ dataDir: dir, was: mode.toString(8).padStart(4, '0') }, 'data directory was readable by other users; made it 0700');
  }
}

/**
 * The cluster a data directory belongs to, when it was made by `raftdb restore`: a restored member
 * must never join the cluster its backup came from (whose members would accept it if it used the
 * same cluster id), so restore records the new cluster's id here and the node refuses any other.
 */
export const CLUSTER_ID_FILE = 'cluster-id';
/** Present while `raftdb restore` writes a data directory; a node refuses to start on one. */
export const RESTORE_MARKER = 'restore-in-progress';

/** The cluster id recorded in `dataDir`, or null when none is (a directory not made by restore). */
export async function readClusterId(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(join(dataDir, CLUSTER_ID_FILE), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Records `clusterId` in `dataDir` durably (temp file, fsync, rename, fsync of the directory). */
export async function writeClusterId(dataDir: string, clusterId: string): Promise<void> {
  await writeDurably(join(dataDir, CLUSTER_ID_FILE), `${clusterId}\n`);
}

/** Writes `text` (or bytes) to `path` so that it survives a crash whole or not at all. */
export async function writeDurably(path: string, text: string | Buffer): Promise<void> {
  // A name of its own: two writers of one path (archivers of two members) must not share a temp file.
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Refuses a data directory that a restore did not finish, or that belongs to another cluster. */
export async function checkDataDirIdentity(dataDir: string, clusterId: string): Promise<void> {
  if (await stat(join(dataDir, RESTORE_MARKER)).then(() => true, () => false)) {
    throw new Error(`data directory ${dataDir} holds an unfinished restore (${RESTORE_MARKER}): run raftdb restore again with --force, or remove the directory`);
  }
  const recorded = await readClusterId(dataDir);
  if (recorded !== null && recorded !== clusterId) {
    throw new Error(`data directory ${dataDir} belongs to cluster '${recorded}' (restored from a backup); this node was started with cluster id '${clusterId}': start it with --cluster-id ${recorded}`);
  }
}
