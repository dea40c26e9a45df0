// Operator verbs: `status` (one row per member, found through MemberList) and `member ...`.
import type { Command } from 'commander';
import type { Member, MembersResult, NodeStatus } from '../client/index.js';
import { mib } from './alarm.js';
import { type CliIo, CliFailure, type CommonOptions, parseEndpoints, printJson, textTable, withClient, withCommonOptions } from './common.js';
import { type MemberRow, type Verdict, clusterRows, lagOf, roleOf, unreachableText, verdictOf } from './members-view.js';

/** Time each member gets to answer Status (at most --timeout). */
export const STATUS_PROBE_MS = 2000;

/** Registers status and member list|add|promote|remove. */
export function registerClusterCommands(program: Command, io: CliIo): void {
  withCommonOptions(program.command('status').description('show every member: role, term, leader, commit, lag, quorum, commit mode'), io)
    .option('--ok-if-degraded', 'exit 0 while the cluster has a quorum, even with members down', false)
    .action(async (opts: CommonOptions & { okIfDegraded: boolean }) => {
      const { rows } = await withClient(opts, (c) => clusterRows(c, parseEndpoints(opts.endpoints), Math.min(opts.timeout, STATUS_PROBE_MS)));
      const verdict = verdictOf(rows);
      if (opts.json) printJson(io, statusJson(rows, verdict));
      else io.out(statusText(rows, verdict));
      if (!verdict.quorum) throw new CliFailure(verdict.problems[0] ?? 'no quorum', 'QUORUM_LOST', opts.json ? statusJson(rows, verdict) : {});
      if (verdict.down.length > 0 && !opts.okIfDegraded) throw new CliFailure(`degraded: ${verdict.problems.join('; ')}`, 'DEGRADED');
    });

  const member = program.command('member').description('list or change cluster membership');
  withCommonOptions(member.command('list').description('list members'), io).action(async (opts: CommonOptions) => {
    printMembers(io, opts, await withClient(opts, (c) => c.cluster.memberList()));
  });
  withCommonOptions(member.command('add').description('add a member').argument('<id>').argument('<address>', 'host:port'), io)
    .option('--learner', 'add as a non-voting learner (promote it once caught up)', false)
    .action(async (id: string, address: string, opts: CommonOptions & { learner: boolean }) => {
      printMembers(io, opts, await withClient(opts, (c) => c.cluster.memberAdd({ id, address, learner: opts.learner })));
    });
  withCommonOptions(member.command('promote').description('make a learner a voter').argument('<id>'), io).action(
    async (id: string, opts: CommonOptions) => {
      printMembers(io, opts, await withClient(opts, (c) => c.cluster.memberPromote(id)));
    },
  );
  withCommonOptions(member.command('remove').description('remove a member').argument('<id>'), io).action(
    async (id: string, opts: CommonOptions) => {
      printMembers(io, opts, await withClient(opts, (c) => c.cluster.memberRemove(id)));
    },
  );
}

function printMembers(io: CliIo, opts: CommonOptions, r: MembersResult): void {
  if (opts.json) {
    printJson(io, { members: r.members, revision: r.header.revision });
    return;
  }
  const t = textTable(['ID', 'ADDRESS', 'TYPE']);
  for (const m of r.members as Member[]) t.push([m.id, m.address, m.isLearner ? 'learner' : 'voter']);
  io.out(`${t.toString()}\n`);
}

function modeText(s: NodeStatus): string {
  if (s.syncDegraded || s.effectiveCommitMode !== s.commitMode) return `${s.commitMode} (now ${s.effectiveCommitMode})`;
  return s.commitMode;
}

/** Lag as "N (last ack T ms ago)"; '-' when no leader reports it. */
function lagText(r: MemberRow, leader: NodeStatus | undefined): string {
  const lag = lagOf(r, leader);
  if (!lag) return '-';
  if (leader && r.status?.id === leader.id) return '0';
  return `${lag.entries} (ack ${lag.lastAckMs} ms ago)`;
}

/** status -w json: every row, and the verdict. */
function statusJson(rows: MemberRow[], v: Verdict): Record<string, unknown> {
  return {
    members: rows.map((r) => ({
      id: r.id,
      endpoint: r.endpoint,
      role: roleOf(r),
      listed: r.listed,
      ...(r.status ? { lag: lagOf(r, v.leader), status: r.status } : { error: unreachableText(r), details: r.error?.details ?? '' }),
    })),
    leader: v.leader?.id ?? null,
    quorum: v.quorum,
    problems: v.problems,
  };
}

/** The status table, with problems, alarms and the current switchover below it. */
export function statusText(rows: MemberRow[], v: Verdict): string {
  const leader = v.leader;
  const t = textTable(['ID', 'ADDRESS', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'LAG', 'QUORUM', 'COMMIT MODE']);
  const notes: string[] = [];
  for (const r of rows) {
    const s = r.status;
    if (!s) {
      t.push([r.id, r.endpoint, unreachableText(r), '', '', '', '', '', '', '']);
      continue;
    }
    t.push([r.listed ? s.id : `${s.id} (not a member)`, s.address || r.endpoint, roleOf(r), s.term, s.leader || '-', s.commitIndex, s.appliedIndex, lagText(r, leader), s.hasQuorum ? 'yes' : 'no', modeText(s)]);
    for (const a of s.alarms) notes.push(`ALARM ${s.id}: ${a}`);
    // Storage past 80% of the quota is worth a line before it becomes an alarm.
    if (s.quotaBackendBytes > 0 && s.backendBytes > 0.8 * s.quotaBackendBytes) {
      notes.push(`storage ${s.id}: ${mib(s.backendBytes)} of its ${mib(s.quotaBackendBytes)} quota (${Math.round((100 * s.backendBytes) / s.quotaBackendBytes)}%)`);
    }
  }
  const sw = leader?.switchover;
  if (sw && sw.id) notes.push(`switchover ${sw.id}: ${sw.state} ${sw.from} -> ${sw.to}${sw.reason ? ` (${sw.reason})` : ''}`);
  for (const p of v.problems) notes.push(`PROBLEM: ${p}`);
  return `${t.toString()}\n${notes.map((n) => `${n}\n`).join('')}`;
}
