// Restore: one member's data directory for a NEW cluster, from a backup file. Every member of the
// new cluster is restored from the same backup with the same --initial-cluster, and starts from
// the backup's state as if it had just installed a snapshot of it:
//   state/      the backup replayed and verified (HashKV) as the state machine's LevelDB, with the
//               member address book replaced by the new cluster's addresses;
//   wal/        an empty log whose snapshot point is the backup's Raft index and term, with the new
//               members as its voters; term = the backup's term, no vote;
//   cluster-id  the new cluster's id, which the node then requires (--cluster-id).
// The new cluster id differs from the old one, so the old cluster's members refuse the new
// members' messages and the other way round (the peer transport checks it on every message).
// While a restore runs, a marker file makes a node refuse the directory; a failed restore removes
// what it wrote.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTORE_MARKER, writeClusterId, writeDurably } from '../server/data-dir.js';
import { MEMBERS_META } from '../server/members.js';
import { Wal } from '../wal/index.js';
import { BackupError } from './errors.js';
import type { BackupKey } from './keys.js';
import { replayBackup, type ReplayResult } from './replay.js';
import { BackupFileReader } from './reader.js';

/** What to restore, and where. */
export interface RestoreOptions {
  /** The backup file. */
  from: string;
  /** The member's data directory (created 0700 if missing; must be empty unless `force`). */
  dataDir: string;
  /** This member's id; must be in `initialCluster`. */
  name: string;
  /** Every member of the new cluster: id -> host:port. */
  initialCluster: ReadonlyMap<string, string>;
  /** The new cluster's id; by default derived from the backup and `initialCluster` (the same for every member). */
  clusterId?: string;
  /** Empty a non-empty data directory first. */
  force?: boolean;
  keys?: readonly BackupKey[];
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** What a restore wrote. */
export interface RestoreResult extends ReplayResult {
  dataDir: string;
  name: string;
  clusterId: string;
  seconds: number;
}

/** Restore refused before anything was written (a non-empty directory, a bad member list). */
export class RestoreRefusedError extends BackupError {
  override name = 'RestoreRefusedError';
}

/**
 * The default id of a cluster restored from a backup: the old id with a suffix that depends on the
 * backup and the new members, so every member restored with the same --initial-cluster gets the
 * same id, and one restored with another member list gets another (and cannot join by mistake).
 */
export function restoredClusterId(oldClusterId: string, backupId: string, initialCluster: ReadonlyMap<string, string>): string {
  const members = [...initialCluster].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, addr]) => `${id}=${addr}`).join(',');
  const suffix = createHash('sha256').update(`${backupId}\0${members}`).digest('hex').slice(0, 8);
  return `${oldClusterId.slice(0, 40)}-restored-${suffix}`;
}

/** Writes `name`'s data directory for a new cluster from the backup `from` (see the file comment). */
export async function restoreDataDir(o: RestoreOptions): Promise<RestoreResult> {
  const t0 = performance.now();
  if (!o.initialCluster.has(o.name)) throw new RestoreRefusedError(`--name ${o.name} is not in --initial-cluster (${[...o.initialCluster.keys()].join(', ')})`);
  // Open the backup first: a missing key or a damaged header is reported before the directory is touched.
  const head = await BackupFileReader.open(o.from, { keys: o.keys ?? [] });
  const manifest = head.manifest;
  await head.close();
  const clusterId = o.clusterId ?? restoredClusterId(manifest.clusterId, manifest.id, o.initialCluster);
  if (clusterId === manifest.clusterId) {
    throw new RestoreRefusedError(`--cluster-id ${clusterId} is the backed-up cluster's own id: a restored cluster must have a new one, so the old cluster's members refuse it`);
  }
  if (manifest.raftIndex < 1 || manifest.raftTerm < 1) throw new RestoreRefusedError(`the backup is at Raft index ${manifest.raftIndex}, term ${manifest.raftTerm}: nothing to restore`);
  const created = await prepareEmptyDir(o.dataDir, o.force === true);
  const marker = join(o.dataDir, RESTORE_MARKER);
  try {
    await writeDurably(marker, `${new Date().toISOString()} restore of ${o.from}\n`);
    const book = Object.fromEntries(o.initialCluster);
    const replayed = await replayBackup(o.from, join(o.dataDir, 'state'), { keys: o.keys ?? [], meta: { [MEMBERS_META]: book }, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
    const wal = await Wal.open(join(o.dataDir, 'wal'));
    try {
      const voters = [...o.initialCluster.keys()].sort();
      await wal.saveSnapshotMeta({ index: manifest.raftIndex, term: manifest.raftTerm, conf: { voters, votersOutgoing: [], learners: [], learnersNext: [] } });
      await wal.saveHardState({ term: manifest.raftTerm, vote: null, commit: manifest.raftIndex });
    } finally {
      await wal.close();
    }
    await writeClusterId(o.dataDir, clusterId);
    await rm(marker);
    return { ...replayed, dataDir: o.dataDir, name: o.name, clusterId, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    await undo(o.dataDir, created);
    throw err;
  }
}

/** Creates `dir` (0700) or checks it is empty (emptying it with `force`); returns whether it was created. */
async function prepareEmptyDir(dir: string, force: boolean): Promise<boolean> {
  const exists = await stat(dir).then((s) => {
    if (!s.isDirectory()) throw new RestoreRefusedError(`${dir} exists and is not a directory`);
    return true;
  }, () => false);
  if (exists) {
    const names = await readdir(dir);
    if (names.length > 0 && !force) {
      throw new RestoreRefusedError(`data directory ${dir} is not empty (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}): restore writes a new member; use --force to replace what is there`);
    }
    for (const n of names) await rm(join(dir, n), { recursive: true, force: true });
    return false;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return true;
}

/** Removes what a failed restore wrote. */
async function undo(dir: string, created: boolean): Promise<void> {
  if (created) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  for (const n of await readdir(dir).catch(() => [] as string[])) await rm(join(dir, n), { recursive: true, force: true });
}

