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
import type { Disk } from '../disk/disk.js';
import { ALARMS_META, applyArchivedRevisions, StateMachine } from '../state/index.js';
import { archiveCoverage, type ArchiveCoverage, archivedRevisions, revisionAtTime } from './archive-reader.js';
import { type ArchiveStore, archiveStoreOf } from './archive-store.js';
import { BackupError } from './errors.js';
import type { FileManifest } from './format.js';
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
  /** Where `from` is read (an s3:// location's disk); default the local file system. */
  disk?: Disk;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Point-in-time: after the backup, apply the continuous archive in `archiveDir` (a directory
   * or an s3:// location) up to
   * `toRevision`, or up to the last revision applied at or before `toTimeMs`, or (neither) as far
   * as the archive reaches without a gap.
   */
  pointInTime?: { archiveDir: string; toRevision?: number; toTimeMs?: number };
}

/** What a point-in-time restore applied on top of the backup. */
export interface PointInTimeResult {
  /** The revision restored to. */
  revision: number;
  /** Archived revisions applied (backup revision + 1 .. revision) and their changes. */
  revisions: number;
  changes: number;
  /** How far the archive reached without a gap after the backup. */
  archivedThrough: number;
}

/** What a restore wrote. */
export interface RestoreResult extends ReplayResult {
  dataDir: string;
  name: string;
  clusterId: string;
  seconds: number;
  /** Set for a point-in-time restore; `hashKv` and `keys` are then those of the state restored. */
  pointInTime: PointInTimeResult | null;
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
  const head = await BackupFileReader.open(o.from, { keys: o.keys ?? [], ...(o.disk ? { disk: o.disk } : {}) });
  const manifest = head.manifest;
  await head.close();
  const target = o.pointInTime ? await pointInTimeTarget(o.pointInTime, manifest, o.keys ?? []) : null;
  const clusterId = o.clusterId ?? restoredClusterId(manifest.clusterId, target ? `${manifest.id}@${target.revision}` : manifest.id, o.initialCluster);
  if (clusterId === manifest.clusterId) {
    throw new RestoreRefusedError(`--cluster-id ${clusterId} is the backed-up cluster's own id: a restored cluster must have a new one, so the old cluster's members refuse it`);
  }
  if (manifest.raftIndex < 1 || manifest.raftTerm < 1) throw new RestoreRefusedError(`the backup is at Raft index ${manifest.raftIndex}, term ${manifest.raftTerm}: nothing to restore`);
  const created = await prepareEmptyDir(o.dataDir, o.force === true);
  const marker = join(o.dataDir, RESTORE_MARKER);
  try {
    await writeDurably(marker, `${new Date().toISOString()} restore of ${o.from}\n`);
    const book = Object.fromEntries(o.initialCluster);
    // The old cluster's alarms (NOSPACE, CORRUPT) named its members and their disks: the new
    // cluster starts without any and raises its own.
    const stateDir = join(o.dataDir, 'state');
    let replayed = await replayBackup(o.from, stateDir, { keys: o.keys ?? [], meta: { [MEMBERS_META]: book, [ALARMS_META]: [] }, ...(o.disk ? { disk: o.disk } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
    let index = manifest.raftIndex;
    let pointInTime: PointInTimeResult | null = null;
    if (target && o.pointInTime) {
      const pit = await applyArchive(target, stateDir, manifest);
      replayed = { ...replayed, hashKv: pit.hash, keys: pit.keys };
      index = pit.index;
      pointInTime = pit.result;
    }
    const wal = await Wal.open(join(o.dataDir, 'wal'));
    try {
      const voters = [...o.initialCluster.keys()].sort();
      await wal.saveSnapshotMeta({ index, term: manifest.raftTerm, conf: { voters, votersOutgoing: [], learners: [], learnersNext: [] } });
      await wal.saveHardState({ term: manifest.raftTerm, vote: null, commit: index });
    } finally {
      await wal.close();
    }
    await writeClusterId(o.dataDir, clusterId);
    await rm(marker);
    return { ...replayed, dataDir: o.dataDir, name: o.name, clusterId, seconds: (performance.now() - t0) / 1000, pointInTime };
  } catch (err) {
    await undo(o.dataDir, created);
    throw err;
  }
}

/** Where a point-in-time restore goes, and the archive it reads. */
interface PitTarget {
  revision: number;
  coverage: ArchiveCoverage;
  store: ArchiveStore;
  /** Keys for encrypted segments (the same --key-file list as for the backup). */
  keys: readonly BackupKey[];
}

/**
 * The revision a point-in-time restore goes to, checked against what the backup and the archive
 * cover (RestoreRefusedError saying the covered range), before anything is written.
 */
async function pointInTimeTarget(p: NonNullable<RestoreOptions['pointInTime']>, m: FileManifest, keys: readonly BackupKey[]): Promise<PitTarget> {
  const store = await archiveStoreOf(p.archiveDir);
  const coverage = await archiveCoverage(store, m.revision + 1);
  const covered = `the backup is at revision ${m.revision}${coverage.last > m.revision ? ` and the archive continues it without a gap to revision ${coverage.last}` : ', and the archive has no segment that continues it'}`;
  if (p.toRevision !== undefined && p.toTimeMs !== undefined) throw new RestoreRefusedError('give --to-revision or --to-time, not both');
  if (p.toRevision !== undefined) {
    if (p.toRevision < m.revision || p.toRevision > coverage.last) throw new RestoreRefusedError(`revision ${p.toRevision} is outside what the backup and the archive cover: ${covered}`);
    return { revision: p.toRevision, coverage, store, keys };
  }
  if (p.toTimeMs !== undefined) {
    const iso = new Date(p.toTimeMs).toISOString();
    if (p.toTimeMs < m.createdAtMs) throw new RestoreRefusedError(`${iso} is before the backup was taken (${new Date(m.createdAtMs).toISOString()}, revision ${m.revision}): use an older backup`);
    if (coverage.last === m.revision) throw new RestoreRefusedError(`${iso} is after the backup was taken, and ${covered}`);
    const t = await revisionAtTime(store, coverage, coverage.last, m.clusterId, p.toTimeMs, keys);
    // Past the archive's last revision nothing is known (the archive may lag, or stop): refuse.
    if (t.revision === coverage.last && p.toTimeMs > t.atMs) {
      throw new RestoreRefusedError(`${iso} is after the last archived revision (${coverage.last}, applied ${new Date(t.atMs).toISOString()}): ${covered}`);
    }
    return { revision: Math.max(m.revision, t.revision), coverage, store, keys };
  }
  return { revision: coverage.last, coverage, store, keys };
}

/** Applies the archived revisions after the backup up to the target; returns the new index and HashKV. */
async function applyArchive(
  target: PitTarget,
  stateDir: string,
  m: FileManifest,
): Promise<{ index: number; hash: string; keys: number; result: PointInTimeResult }> {
  let lastIndex = 0;
  const revisions = (async function* () {
    for await (const r of archivedRevisions(target.store, target.coverage, target.revision, m.clusterId, target.keys)) {
      lastIndex = Math.max(lastIndex, r.index);
      yield r;
    }
  })();
  // A revision's Raft index is known when the leader saw it applied; the backup's is a floor.
  const index = (): number => Math.max(m.raftIndex, lastIndex);
  const applied = await applyArchivedRevisions(stateDir, revisions, () => ({ appliedIndex: index(), appliedTerm: m.raftTerm })).catch((err: Error) => {
    throw new BackupError(`archive ${target.store.location} does not continue the backup: ${err.message}`);
  });
  const h = await hashOf(stateDir);
  return {
    index: index(),
    ...h,
    result: { revision: applied.revision, revisions: applied.revision - m.revision, changes: applied.changes, archivedThrough: target.coverage.last },
  };
}

/** The restored state's HashKV. */
async function hashOf(stateDir: string): Promise<{ hash: string; keys: number }> {
  const sm = await StateMachine.open(stateDir);
  try {
    const h = await sm.hashKv();
    return { hash: h.hash, keys: h.keys };
  } finally {
    await sm.close();
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
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]; // gone already: nothing to undo
    throw err;
  });
  for (const n of names) await rm(join(dir, n), { recursive: true, force: true });
}

