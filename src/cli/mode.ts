// `raftdb mode set|get`: the cluster's default commit mode (replicated through the log), and
// what the leader actually applies now (a SYNC cluster whose voter stopped confirming runs
// degraded as SEMI_SYNC under policy "degrade").
import { Argument, type Command, Option } from 'commander';
import { type CommitMode, type NodeStatus, leaderOf } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, UsageError, intSetting, printJson, withClient, withCommonOptions } from './common.js';

type SettableMode = Exclude<CommitMode, 'default'>;
type SyncPolicy = 'degrade' | 'strict';

interface ModeSetFlags extends CommonOptions {
  syncPolicy?: SyncPolicy;
  syncTimeoutMs?: string;
  minSyncReplicas?: string;
}

/** The server's bounds (failover/config.ts commitConfigFrom), checked here to fail before sending. */
const SYNC_TIMEOUT_MS = { min: 10, max: 600_000 };
const MAX_SYNC_REPLICAS = 6;

/** Registers mode set and mode get. */
export function registerModeCommands(program: Command, io: CliIo): void {
  const mode = program.command('mode').description("show or change the cluster's default commit mode");
  withCommonOptions(mode.command('set').description('set the default commit mode of every write that does not choose one'), io)
    .addArgument(new Argument('<mode>', 'sync | semi-sync | async').choices(['sync', 'semi-sync', 'async']))
    .addOption(new Option('--sync-policy <policy>', 'sync only: when a voter does not confirm in time, continue as semi-sync (degrade) or fail the write (strict)').choices(['degrade', 'strict']))
    .option('--sync-timeout-ms <ms>', `sync only: how long to wait for every voter (${SYNC_TIMEOUT_MS.min}..${SYNC_TIMEOUT_MS.max})`)
    .option('--min-sync-replicas <n>', `semi-sync only: followers that must also hold each write (0..${MAX_SYNC_REPLICAS}; default 0)`)
    .action(async (m: SettableMode, opts: ModeSetFlags) => {
      const req = modeRequest(m, opts);
      const r = await withClient(opts, (c) => c.cluster.setCommitMode(req));
      if (opts.json) printJson(io, { mode: r.mode, ...(req.syncPolicy ? { syncPolicy: req.syncPolicy } : {}), ...(req.syncTimeoutMs ? { syncTimeoutMs: req.syncTimeoutMs } : {}), ...(m === 'semi-sync' ? { minSyncReplicas: req.minSyncReplicas ?? 0 } : {}), revision: r.header.revision });
      else io.out(`commit mode set to ${r.mode}${settingsText(req)}\n`);
    });

  withCommonOptions(mode.command('get').description('the configured and the effective commit mode, from the leader'), io).action(async (opts: CommonOptions) => {
    const rows = await withClient(opts, (c) => c.cluster.statusAll());
    const up = rows.flatMap((r) => (r.status ? [r.status] : []));
    // The leader decides how writes are acknowledged; without one, any node knows the configured mode.
    const s = leaderOf(up) ?? up[0];
    if (!s) throw new CliFailure('no node answered');
    if (opts.json) printJson(io, modeJson(s));
    else io.out(modeText(s));
  });
}

/** The SetCommitMode request for `mode set`, refusing flags that do not apply to the mode. */
export function modeRequest(mode: SettableMode, f: Omit<ModeSetFlags, keyof CommonOptions>): { mode: SettableMode; syncPolicy?: SyncPolicy; syncTimeoutMs?: number; minSyncReplicas?: number } {
  if (mode !== 'sync' && f.syncPolicy) throw new UsageError('--sync-policy applies to mode sync only');
  if (mode !== 'sync' && f.syncTimeoutMs !== undefined) throw new UsageError('--sync-timeout-ms applies to mode sync only');
  if (mode !== 'semi-sync' && f.minSyncReplicas !== undefined) throw new UsageError('--min-sync-replicas applies to mode semi-sync only');
  const req: ReturnType<typeof modeRequest> = { mode };
  if (f.syncPolicy) req.syncPolicy = f.syncPolicy;
  if (f.syncTimeoutMs !== undefined) req.syncTimeoutMs = intSetting(f.syncTimeoutMs, '--sync-timeout-ms', SYNC_TIMEOUT_MS.min, SYNC_TIMEOUT_MS.max);
  if (f.minSyncReplicas !== undefined) req.minSyncReplicas = intSetting(f.minSyncReplicas, '--min-sync-replicas', 0, MAX_SYNC_REPLICAS);
  return req;
}

function settingsText(req: ReturnType<typeof modeRequest>): string {
  const parts: string[] = [];
  if (req.syncPolicy) parts.push(`sync policy ${req.syncPolicy}`);
  if (req.syncTimeoutMs) parts.push(`sync timeout ${req.syncTimeoutMs} ms`);
  if (req.mode === 'semi-sync') parts.push(`min sync replicas ${req.minSyncReplicas ?? 0}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function modeJson(s: NodeStatus): Record<string, unknown> {
  return {
    node: s.id,
    role: s.role,
    configured: s.commitMode,
    effective: s.effectiveCommitMode,
    degraded: s.syncDegraded,
    degradations: s.syncDegradations,
    ackedWritesByMode: s.ackedWritesByMode,
  };
}

function modeText(s: NodeStatus): string {
  const degraded = s.syncDegraded ? ' (degraded: a voter is not confirming writes)' : '';
  const acked = Object.entries(s.ackedWritesByMode).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `configured: ${s.commitMode}`,
    `effective:  ${s.effectiveCommitMode}${degraded}`,
    `sync degradations: ${s.syncDegradations}`,
    `writes acknowledged by ${s.id} (${s.role}): ${acked}`,
    '',
  ].join('\n');
}
