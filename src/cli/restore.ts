// `raftdb restore`: one member's data directory for a new cluster, from a backup (docs/backup.md).
import type { Command } from 'commander';
import { restoreDataDir } from '../backup/index.js';
import { formatBytes } from '../metrics/health.js';
import { loadKeys } from './backup.js';
import { type CliIo, printJson, UsageError } from './common.js';
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
}

/** Registers restore. */
export function registerRestoreCommand(program: Command, io: CliIo): void {
  program
    .command('restore')
    .description('write a data directory for one member of a NEW cluster from a backup (run once per member, same --initial-cluster)')
    .requiredOption('--from <file>', 'the backup file (.rdbk)')
    .requiredOption('--data-dir <dir>', "the new member's data directory (must be empty unless --force)")
    .requiredOption('--name <id>', "the new member's id")
    .requiredOption('--initial-cluster <list>', 'every member of the new cluster: id=host:port,...')
    .option('--cluster-id <id>', "the new cluster's id (default: the old one with a suffix derived from the backup and --initial-cluster)")
    .option('--key-file <file>', 'key of an encrypted backup (repeat for several)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--force', 'empty a non-empty data directory first', false)
    .option('--json', 'machine-readable output', false)
    .action(async (f: RestoreFlags) => {
      const initialCluster = parsePeers(f.initialCluster);
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
      }).finally(() => {
        process.umask(umask);
        bar.stop();
      });
      const serve = `raftdb serve --id ${f.name} --listen ${initialCluster.get(f.name)} --peers ${f.initialCluster} --data-dir ${f.dataDir} --cluster-id ${r.clusterId}`;
      if (f.json) {
        printJson(io, { dataDir: r.dataDir, name: r.name, clusterId: r.clusterId, fromClusterId: r.manifest.clusterId, revision: r.manifest.revision, raftIndex: r.manifest.raftIndex, raftTerm: r.manifest.raftTerm, keys: r.keys, hashKv: r.hashKv, seconds: r.seconds, serve });
        return;
      }
      io.out(
        `restored ${f.name} into ${r.dataDir}: revision ${r.manifest.revision} (index ${r.manifest.raftIndex}) of cluster ${r.manifest.clusterId}, ${r.keys} keys, HashKV ${r.hashKv} verified, ${formatBytes(r.bytes)} in ${r.seconds.toFixed(1)} s\n` +
          `new cluster id: ${r.clusterId}\nstart it with:\n  ${serve}\n`,
      );
    });
}
