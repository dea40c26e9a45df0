// Storage-quota verbs: `alarm list|disarm`, `compact` and `defrag` (the runbook in
// docs/operations.md, "Storage quota": delete, compact, defrag, disarm).
import { InvalidArgumentError, type Command } from 'commander';
import type { AlarmMember } from '../client/index.js';
import { type CliIo, type CommonOptions, nonNegativeInt, parseEndpoints, printJson, textTable, withClient, withCommonOptions, CliFailure } from './common.js';

function alarmTable(alarms: AlarmMember[]): string {
  if (alarms.length === 0) return 'no alarms\n';
  const t = textTable(['MEMBER', 'ALARM']);
  for (const a of alarms) t.push([a.memberId, a.alarm]);
  return `${t.toString()}\n`;
}

function alarmKind(v: string): 'NOSPACE' | 'CORRUPT' {
  const k = v.toUpperCase();
  if (k !== 'NOSPACE' && k !== 'CORRUPT') throw new InvalidArgumentError('must be NOSPACE or CORRUPT');
  return k;
}

/** Bytes for people: 1.5 MiB. */
export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Registers alarm list|disarm, compact and defrag. */
export function registerAlarmCommands(program: Command, io: CliIo): void {
  const alarm = program.command('alarm').description('cluster alarms: NOSPACE when a member passed its storage quota, CORRUPT when its keyspace differs from the others\'');
  withCommonOptions(alarm.command('list').description('list the active alarms'), io).action(async (opts: CommonOptions) => {
    const r = await withClient(opts, (c) => c.cluster.alarmList());
    if (opts.json) printJson(io, { alarms: r.alarms, revision: r.header.revision });
    else io.out(alarmTable(r.alarms));
  });
  withCommonOptions(
    alarm.command('disarm').description('clear alarms once their cause is fixed: NOSPACE once space is freed, CORRUPT once the member\'s data is replaced (a member still past its quota, or still different, raises its alarm again)'),
    io,
  )
    .option('--member <id>', 'clear only this member\'s alarm (default: every member\'s)')
    .option('--alarm <kind>', 'the kind to clear: NOSPACE or CORRUPT', alarmKind, 'NOSPACE')
    .action(async (opts: CommonOptions & { member?: string; alarm: 'NOSPACE' | 'CORRUPT' }) => {
      const r = await withClient(opts, (c) => c.cluster.alarmDisarm({ alarm: opts.alarm, ...(opts.member ? { memberId: opts.member } : {}) }));
      if (opts.json) printJson(io, { disarmed: r.disarmed, alarms: r.alarms });
      else io.out(`${r.disarmed.length === 0 ? 'no alarm to disarm' : `disarmed: ${r.disarmed.map((a) => `${a.alarm} of ${a.memberId}`).join(', ')}`}\n${r.alarms.length > 0 ? `still active:\n${alarmTable(r.alarms)}` : ''}`);
    });
  withCommonOptions(
    program
      .command('compact')
      .description('drop the watch history before REVISION (default: the current revision) on every member, through the log')
      .argument('[revision]', 'the oldest revision to keep', nonNegativeInt),
    io,
  ).action(async (revision: number | undefined, opts: CommonOptions) => {
    const r = await withClient(opts, (c) => c.cluster.compact(revision ?? 0));
    if (opts.json) printJson(io, { compactRevision: r.compactRevision });
    else io.out(`compacted: history kept from revision ${r.compactRevision}\n`);
  });
  withCommonOptions(
    program.command('defrag').description("rewrite each endpoint's state machine files, one node at a time, so deleted and compacted data stops taking disk space"),
    io,
    120_000,
  ).action(async (opts: CommonOptions) => {
    const rows: { endpoint: string; beforeBytes?: number; afterBytes?: number; error?: string }[] = [];
    await withClient(opts, async (c) => {
      for (const endpoint of parseEndpoints(opts.endpoints)) {
        try {
          const r = await c.cluster.defragment(endpoint);
          rows.push({ endpoint, beforeBytes: r.backendBytesBefore, afterBytes: r.backendBytesAfter });
        } catch (err) {
          rows.push({ endpoint, error: (err as Error).message });
        }
      }
    });
    if (opts.json) printJson(io, rows);
    else for (const r of rows) io.out(r.error ? `${r.endpoint}: failed: ${r.error}\n` : `${r.endpoint}: ${mib(r.beforeBytes!)} -> ${mib(r.afterBytes!)}\n`);
    if (rows.some((r) => r.error)) throw new CliFailure('defragmentation failed on some endpoints');
  });
}
