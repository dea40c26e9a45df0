// `raftdb restore`: one member's data directory for a new cluster, from a backup (docs/backup.md).
import type { Command } from 'commander';
import { restoreDataDir } from '../backup/index.js';
import { formatBytes } from '../metrics/health.js';
import { diskOf, loadKeys } from './backup.js';
import { type CliIo, nonNegativeInt, printJson, UsageError } from './common.js';
import { parsePeers } from './node.js';
import { byteProgress } from './progress.js';

interface RestoreFlags {
  from: string;
  dataDir: string;
  name: string;
  initialCluster: string;
  clusterId?: string;
  keyFile?: string[];
  force: boolean;
  json: boolean;
  archive?: string;
  toRevision?: number;
  toTime?: string;
}

/** The point-in-time options, checked. */
function pointInTime(f: RestoreFlags): { archiveDir: string; toRevision?: number; toTimeMs?: number } | undefined {
  if (!f.archive) {
    if (f.toRevision !== undefined || f.toTime !== undefined) throw new UsageError('--to-revision and --to-time need --archive');
    return undefined;
  }
  if (f.toRevision !== undefined && f.toTime !== undefined) throw new UsageError('give --to-revision or --to-time, not both');
  if (f.toTime !== undefined) {
    const ms = Date.parse(f.toTime);
    if (!Number.isFinite(ms)) throw new UsageError(`--to-time: "${f.toTime}" is not an ISO 8601 time (e.g. 2026-12-06T08:40:00Z)`);
    return { archiveDir: f.archive, toTimeMs: ms };
  }
  return { archiveDir: f.archive, ...(f.toRevision !== undefined ? { toRevision: f.toRevision } : {}) };
}

/** Registers restore. */
export function registerRestoreCommand(program: Command, io: CliIo): void {
  program
    .command('restore')
    .description('write a data directory for one member of a NEW cluster from a backup (run once per member, same --initial-cluster)')
    .requiredOption('--from <file>', 'the backup file (.rdbk), or an s3://bucket/prefix/….rdbk object')
    .requiredOption('--data-dir <dir>', "the new member's data directory (must be empty unless --force)")
    .requiredOption('--name <id>', "the new member's id")
    .requiredOption('--initial-cluster <list>', 'every member of the new cluster: id=host:port,...')
    .option('--cluster-id <id>', "the new cluster's id (default: the old one with a suffix derived from the backup and --initial-cluster)")
    .option('--key-file <file>', 'key of an encrypted backup (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--force', 'empty a non-empty data directory first', false)
    .option('--archive <dir>', 'point-in-time: apply this continuous archive after the backup (as far as it reaches, unless --to-...)')
    .option('--to-revision <n>', 'point-in-time: restore to this revision', nonNegativeInt)
    .option('--to-time <iso>', 'point-in-time: restore to the last revision applied at or before this time (ISO 8601)')
    .option('--json', 'machine-readable output', false)
    .action(async (f: RestoreFlags) => {
      const initialCluster = parsePeers(f.initialCluster);
      const pit = pointInTime(f);
      const disk = await diskOf(f.from);
      if (initialCluster.size === 0) throw new UsageError('--initial-cluster must name at least one member');
      const bar = byteProgress(`restore ${f.name}`, 0, f.json);
      const umask = process.umask(0o077); // the data directory holds every value: the node user's alone
      const r = await restoreDataDir({
        from: f.from,
        dataDir: f.dataDir,
        name: f.name,
        initialCluster,
        keys: await loadKeys(f.keyFile),
        force: f.force,
        onProgress: (done, total) => bar.update(done, total),
        ...(f.clusterId ? { clusterId: f.clusterId } : {}),
        ...(pit ? { pointInTime: pit } : {}),
        ...(disk ? { disk } : {}),
      }).finally(() => {
        process.umask(umask);
        bar.stop();
      });
      const serve = `raftdb serve --id ${f.name} --listen ${initialCluster.get(f.name)} --peers ${f.initialCluster} --data-dir ${f.dataDir} --cluster-id ${r.clusterId}`;
      if (f.json) {
        const revision = r.pointInTime?.revision ?? r.manifest.revision;
        printJson(io, { dataDir: r.dataDir, name: r.name, clusterId: r.clusterId, fromClusterId: r.manifest.clusterId, revision, backupRevision: r.manifest.revision, raftIndex: r.manifest.raftIndex, raftTerm: r.manifest.raftTerm, keys: r.keys, hashKv: r.hashKv, pointInTime: r.pointInTime, seconds: r.seconds, serve });
        return;
      }
      const pitLine = r.pointInTime
        ? `then the archive: revisions ${r.manifest.revision + 1}..${r.pointInTime.revision} (${r.pointInTime.changes} changes; the archive reaches ${r.pointInTime.archivedThrough}): now at revision ${r.pointInTime.revision}, ${r.keys} keys, HashKV ${r.hashKv}\n`
        : '';
      io.out(
        `restored ${f.name} into ${r.dataDir}: revision ${r.manifest.revision} (index ${r.manifest.raftIndex}) of cluster ${r.manifest.clusterId}, ${r.pointInTime ? r.trailer.keyCount : r.keys} keys, HashKV ${r.pointInTime ? r.trailer.hashKv : r.hashKv} verified, ${formatBytes(r.bytes)} in ${r.seconds.toFixed(1)} s\n` +
          pitLine +
          `new cluster id: ${r.clusterId}\nstart it with:\n  ${serve}\n`,
      );
    });
}
