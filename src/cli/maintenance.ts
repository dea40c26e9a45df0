// Operator verbs that look at or mend one node: `top` (a live terminal view of the cluster) and
// `repair` (cut a node's WAL at its first corruption, on explicit request).
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderTop, type MemberStatus } from '../metrics/index.js';
import { repairWal } from '../wal/index.js';
import { type CliIo, CliFailure, type CommonOptions, parseEndpoints, positiveInt, printJson, UsageError, withClient, withCommonOptions, withOutputOptions } from './common.js';
import { shortReason } from '../client/diagnose.js';
import { roleName } from '../common/vocabulary.js';
import { type Verdict, clusterRows, verdictOf } from './members-view.js';

/** One round of Status from every member (found through MemberList), shaped as the metrics module renders it. */
async function poll(opts: CommonOptions): Promise<{ members: MemberStatus[]; verdict: Verdict }> {
  return withClient(opts, async (client) => {
    const { rows } = await clusterRows(client, parseEndpoints(opts.endpoints), Math.min(opts.timeout, 1000));
    const members = rows.map((r) => ({
      id: r.id === '?' ? r.endpoint : r.id,
      address: r.endpoint,
      // Learners as learners (the core calls them followers).
      status: r.status ? { ...r.status, role: roleName(r.status.role, r.learner) } : null,
      ...(r.status ? {} : { error: r.error ? shortReason(r.error) : 'no answer' }),
    }));
    return { members, verdict: verdictOf(rows) };
  });
}

/** Registers top and repair. */
export function registerMaintenanceCommands(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('top')
      .description('live view of every node: role, term, commit, replication lag bars, commit mode (Ctrl-C to quit)')
      .option('--interval <ms>', 'refresh interval', positiveInt, 1000)
      .option('--once', 'print one screen and exit'),
    io,
  )
    .option('--ok-if-degraded', 'with --once: exit 0 while the cluster has a quorum, even with members down', false)
    .action(async (opts: CommonOptions & { interval: number; once?: boolean; okIfDegraded: boolean }) => {
    const color = process.stdout.isTTY === true && !opts.json;
    for (;;) {
      const { members, verdict } = await poll(opts);
      if (opts.json) printJson(io, { members, leader: verdict.leader?.id ?? null, quorum: verdict.quorum, problems: verdict.problems });
      // Clear the screen between refreshes only on a terminal; piped output stays a log.
      else io.out(`${color ? '\x1b[2J\x1b[H' : ''}${renderTop(members, { color })}${verdict.problems.map((p) => `PROBLEM: ${p}\n`).join('')}\n`);
      if (opts.once) {
        // Same exit codes as status: 1 without quorum, or with a member down unless --ok-if-degraded.
        if (!verdict.quorum) throw new CliFailure(verdict.problems[0] ?? 'no quorum', 'QUORUM_LOST');
        if (verdict.down.length > 0 && !opts.okIfDegraded) throw new CliFailure(`degraded: ${verdict.problems.join('; ')}`, 'DEGRADED');
        return;
      }
      await new Promise((r) => setTimeout(r, opts.interval));
    }
  });

  withOutputOptions(
    program
      .command('repair')
      .description("cut a stopped node's write-ahead log at its first corrupt record (loses the records after it; the node re-fetches them from the leader)")
      .requiredOption('--data-dir <dir>', "the node's data directory (as given to serve)"),
    io,
  )
    .action(async (opts: { dataDir: string; json?: boolean }) => {
      if (!opts.dataDir) throw new UsageError('--data-dir is required');
      const repairs = await repairWal(join(opts.dataDir, 'wal'));
      if (opts.json) printJson(io, repairs);
      else if (repairs.length === 0) io.out('nothing to repair: every WAL record checks out\n');
      else for (const r of repairs) io.out(`${r.file} at byte ${r.offset}: ${r.action} (${r.reason}; ${r.droppedBytes} bytes dropped)\n`);
    });
}
