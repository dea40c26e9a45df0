// Leadership verbs: `switchover` (planned transfer), `failback` (back to the preferred leader)
// and `history` (every recorded leadership change and period without a quorum).
import type { Command } from 'commander';
import { type FailoverEvent, type QuorumLossEvent, RaftdbError, type TransferResult } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, UsageError, positiveInt, printJson, textTable, withClient, withCommonOptions } from './common.js';

/**
 * A switchover waits for the candidate to catch up (2 s by default on the server) and to win an
 * election, so it gets more time than a key-value request.
 */
const TRANSFER_TIMEOUT_MS = 15_000;

interface SwitchoverFlags extends CommonOptions {
  to?: string;
  expectedLeader?: string;
  maxLag?: number;
}

/** Registers switchover, failback and history. */
export function registerFailoverCommands(program: Command, io: CliIo): void {
  withCommonOptions(program.command('switchover').description('hand leadership to another node without losing a write'), io, TRANSFER_TIMEOUT_MS)
    .option('--to <id>', 'the new leader (default: the most caught-up eligible voter)')
    .option('--expected-leader <id>', 'refuse unless this node is still the leader')
    .option('--max-lag <n>', 'refuse a candidate lagging by more than N entries (default: the server setting)', positiveInt)
    .action(async (opts: SwitchoverFlags) => {
      if (opts.to !== undefined && opts.to === opts.expectedLeader) throw new UsageError(`--to ${opts.to} is the expected leader already`);
      const req: { to?: string; expectedLeader?: string; maxLagEntries?: number } = {};
      if (opts.to) req.to = opts.to;
      if (opts.expectedLeader) req.expectedLeader = opts.expectedLeader;
      if (opts.maxLag) req.maxLagEntries = opts.maxLag;
      const r = await refusals(io, opts, 'switchover', () => withClient(opts, (c) => c.cluster.transferLeadership(req)));
      printTransfer(io, opts, r);
    });

  withCommonOptions(program.command('failback').description('hand leadership back to the preferred leader (serve --preferred-leader)'), io, TRANSFER_TIMEOUT_MS).action(
    async (opts: CommonOptions) => {
      const r = await refusals(io, opts, 'failback', () => withClient(opts, (c) => c.cluster.failback()));
      printTransfer(io, opts, r);
    },
  );

  withCommonOptions(program.command('history').description('leadership changes and periods without a quorum: who, why, and how long writes were unavailable'), io)
    .option('--limit <n>', 'only the N most recent changes (and N most recent quorum losses)', positiveInt)
    .action(async (opts: CommonOptions & { limit?: number }) => {
      const r = await withClient(opts, (c) => c.cluster.failoverHistory(opts.limit ? { limit: opts.limit } : {}));
      if (opts.json) printJson(io, { events: r.events, quorumLosses: r.quorumLosses });
      else io.out(historyText(r.events) + quorumLossText(r.quorumLosses));
    });
}

/**
 * Turns the server refusing or aborting a transfer (FAILED_PRECONDITION without a leader to
 * redirect to, ABORTED) into exit 1 with the server's reason, as JSON too under --json.
 */
async function refusals<T>(io: CliIo, opts: CommonOptions, verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof RaftdbError) || (err.code !== 'FAILED_PRECONDITION' && err.code !== 'ABORTED')) throw err;
    const what = err.code === 'ABORTED' ? 'aborted' : 'refused';
    throw new CliFailure(`${verb} ${what}: ${err.details}`, err.code, { ok: false, code: err.code, reason: err.details });
  }
}

function printTransfer(io: CliIo, opts: CommonOptions, r: TransferResult): void {
  const s = r.switchover;
  if (opts.json) {
    printJson(io, { ok: true, ...(s ?? {}), leader: r.leader });
    return;
  }
  if (!s) {
    io.out(`leader: ${r.leader || 'unknown'}\n`);
    return;
  }
  io.out(`${s.reason || 'switchover'} ${s.id}: ${s.state}, ${s.from} -> ${s.to}, writes unavailable ${Math.round(s.unavailableMs)} ms\n`);
  if (r.leader && r.leader !== s.to) io.out(`leader now: ${r.leader}\n`);
}

/** Epoch milliseconds as UTC "YYYY-MM-DD HH:MM:SS.mmm", or only the time of day with `timeOnly`. */
function when(ms: number, timeOnly = false): string {
  if (!ms) return '-';
  const iso = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  return timeOnly ? iso.slice(11) : iso;
}

/** The history table, oldest first (times in UTC). */
export function historyText(events: FailoverEvent[]): string {
  if (events.length === 0) return 'no leadership changes recorded\n';
  const t = textTable(['TERM', 'FROM', 'TO', 'REASON', 'DETECTED (UTC)', 'ELECTED', 'FIRST COMMIT', 'UNAVAILABLE MS']);
  for (const e of events) {
    t.push([e.term, e.from || '-', e.to, e.reason, when(e.detectedAtMs), when(e.electedAtMs, true), when(e.firstWriteAtMs, true), Math.round(e.unavailableMs)]);
  }
  return `${t.toString()}\n`;
}

/** The periods without a quorum, oldest first (times in UTC); nothing when there were none. */
export function quorumLossText(losses: QuorumLossEvent[]): string {
  if (losses.length === 0) return '';
  const t = textTable(['QUORUM LOST (UTC)', 'REGAINED', 'DURATION MS', 'CAUSE', 'LAST LEADER', 'REGAINED IN TERM', 'SEEN BY']);
  for (const e of losses) {
    t.push([when(e.startedAtMs), when(e.endedAtMs, true), Math.round(e.durationMs), e.cause, e.lastLeader ? `${e.lastLeader} (term ${e.lastLeaderTerm})` : '-', e.regainedTerm, e.observedBy.join(',')]);
  }
  return `\nperiods without a quorum:\n${t.toString()}\n`;
}
