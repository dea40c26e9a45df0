// Operator verbs that look at or mend one node: `top` (a live terminal view of the cluster) and
// `repair` (cut a node's WAL at its first corruption, on explicit request).
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderTop, type MemberStatus } from '../metrics/index.js';
import { repairWal } from '../wal/index.js';
import { type CliIo, type CommonOptions, positiveInt, printJson, UsageError, withClient, withCommonOptions } from './common.js';

/** One round of Status from every endpoint, shaped as the metrics module renders it. */
async function poll(opts: CommonOptions): Promise<MemberStatus[]> {
  return withClient(opts, async (client) => {
    const all = await client.cluster.statusAll({ timeoutMs: Math.min(opts.timeout, 1000) });
    return all.map((e) => ({
      id: e.status?.id ?? e.endpoint,
      address: e.endpoint,
      status: e.status ?? null,
      ...(e.error ? { error: e.error.details } : {}),
    }));
  });
}

export function registerMaintenanceCommands(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('top')
      .description('live view of every node: role, term, commit, replication lag bars, commit mode (Ctrl-C to quit)')
      .option('--interval <ms>', 'refresh interval', positiveInt, 1000)
      .option('--once', 'print one screen and exit'),
    io,
  ).action(async (opts: CommonOptions & { interval: number; once?: boolean }) => {
    const color = process.stdout.isTTY === true && !opts.json;
    for (;;) {
      const members = await poll(opts);
      if (opts.json) printJson(io, members);
      // Clear the screen between refreshes only on a terminal; piped output stays a log.
      else io.out(`${color ? '\x1b[2J\x1b[H' : ''}${renderTop(members, { color })}\n`);
      if (opts.once) return;
      await new Promise((r) => setTimeout(r, opts.interval));
    }
  });

  program
    .command('repair')
    .description("cut a stopped node's write-ahead log at its first corrupt record (loses the records after it; the node re-fetches them from the leader)")
    .requiredOption('--data-dir <dir>', "the node's data directory (as given to serve)")
    .option('--json', 'machine-readable output')
    .action(async (opts: { dataDir: string; json?: boolean }) => {
      if (!opts.dataDir) throw new UsageError('--data-dir is required');
      const repairs = await repairWal(join(opts.dataDir, 'wal'));
      if (opts.json) printJson(io, repairs);
      else if (repairs.length === 0) io.out('nothing to repair: every WAL record checks out\n');
      else for (const r of repairs) io.out(`${r.file} at byte ${r.offset}: ${r.action} (${r.reason}; ${r.droppedBytes} bytes dropped)\n`);
    });
}
