// Operator verbs: `status` (one row per node, asking every endpoint) and `member ...`.
import type { Command } from 'commander';
import type { EndpointStatus, Member, MembersResult, NodeStatus } from '../client/index.js';
import { mib } from './alarm.js';
import { type CliIo, CliFailure, type CommonOptions, leaderOf, printJson, textTable, withClient, withCommonOptions } from './common.js';

/** Registers status and member list|add|promote|remove. */
export function registerClusterCommands(program: Command, io: CliIo): void {
  withCommonOptions(program.command('status').description('show every node: role, term, leader, commit, lag, quorum, commit mode'), io).action(
    async (opts: CommonOptions) => {
      const rows = await withClient(opts, (c) => c.cluster.statusAll());
      if (opts.json) printJson(io, rows.map((r) => (r.status ? { endpoint: r.endpoint, ...r.status } : { endpoint: r.endpoint, error: r.error.message })));
      else io.out(statusText(rows));
      if (rows.every((r) => r.error)) throw new CliFailure('no node answered');
    },
  );

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

/** Replication lag of a node as its leader reports it ('-' when no leader answered). */
function lagOf(s: NodeStatus, leader: NodeStatus | undefined): string {
  if (s.role === 'leader') return '0';
  const p = leader?.followers.find((f) => f.id === s.id);
  return p ? String(p.lagEntries) : '-';
}

/** The status table, with alarms and the current switchover below it. */
export function statusText(rows: EndpointStatus[]): string {
  const up = rows.flatMap((r) => (r.status ? [r.status] : []));
  const leader = leaderOf(up);
  const t = textTable(['ID', 'ADDRESS', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'LAG', 'QUORUM', 'COMMIT MODE']);
  const notes: string[] = [];
  for (const r of rows) {
    const s = r.status;
    if (!s) {
      t.push(['?', r.endpoint, 'unreachable', '', '', '', '', '', '', '']);
      notes.push(`${r.endpoint}: ${r.error.message}`);
      continue;
    }
    t.push([s.id, s.address || r.endpoint, s.role, s.term, s.leader || '-', s.commitIndex, s.appliedIndex, lagOf(s, leader), s.hasQuorum ? 'yes' : 'no', modeText(s)]);
    for (const a of s.alarms) notes.push(`ALARM ${s.id}: ${a}`);
    // Storage past 80% of the quota is worth a line before it becomes an alarm.
    if (s.quotaBackendBytes > 0 && s.backendBytes > 0.8 * s.quotaBackendBytes) {
      notes.push(`storage ${s.id}: ${mib(s.backendBytes)} of its ${mib(s.quotaBackendBytes)} quota (${Math.round((100 * s.backendBytes) / s.quotaBackendBytes)}%)`);
    }
  }
  const sw = leader?.switchover;
  if (sw && sw.id) notes.push(`switchover ${sw.id}: ${sw.state} ${sw.from} -> ${sw.to}${sw.reason ? ` (${sw.reason})` : ''}`);
  return `${t.toString()}\n${notes.map((n) => `${n}\n`).join('')}`;
}
