// One committed entry on its way into an applied batch: which entries of a batch are new, and the
// checks a command passes before it changes anything (the exactly-once table, auth, the NOSPACE
// alarm, the session bound), in the order that decides which refusals a retry can overcome.
import { EntryType, type Entry } from '../raft/types.js';
import { type AlarmTable, growsData, NO_SPACE_MESSAGE } from './alarms.js';
import { applyCommand } from './apply.js';
import type { AuthStore } from './auth-store.js';
import { type Command, decodeCommand } from './commands.js';
import { type DedupeTable, sessionKey } from './dedupe.js';
import { InvalidCommandError, StateInvariantError } from './errors.js';
import type { Db } from './kv-records.js';
import type { PendingBatch } from './pending.js';
import type { ApplyResult } from './types.js';

/** The tables an entry is checked against and applied to. */
export interface EntryTables {
  dedupe: DedupeTable;
  auth: AuthStore;
  alarmTable: AlarmTable;
}

/**
 * Position in `entries` (contiguous, ascending; else StateInvariantError) of the first one after
 * `appliedIndex`; a first entry that would leave a gap after it is a StateInvariantError too.
 */
export function firstUnapplied(entries: readonly Entry[], appliedIndex: number): number {
  if (entries.length === 0) return 0;
  const start = entries[0]!.index;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index !== start + i) throw new StateInvariantError(`entries not contiguous at ${entries[i]!.index}`);
  }
  if (start > appliedIndex + 1) {
    throw new StateInvariantError(`entry ${start} leaves a gap after applied index ${appliedIndex}`);
  }
  return Math.min(entries.length, appliedIndex + 1 - start);
}

/** Applies one committed entry into `pending` and `batch`, or decides the refusal it gets. */
export async function applyEntry(tables: EntryTables, pending: PendingBatch, batch: ReturnType<Db['batch']>, e: Entry): Promise<ApplyResult> {
  const { dedupe, auth, alarmTable } = tables;
  dedupe.evictIdle(e.index, batch);
  if (e.type === EntryType.ConfChange || (e.type === EntryType.Normal && e.data.length === 0)) {
    return { index: e.index, result: { type: 'none', revision: pending.revision }, duplicate: false };
  }
  if (e.type !== EntryType.Normal) throw new StateInvariantError(`entry ${e.index} has unknown type ${String(e.type)}`);
  let cmd: Command;
  try {
    cmd = decodeCommand(e.data);
  } catch (err) {
    if (!(err instanceof InvalidCommandError)) throw err;
    return { index: e.index, result: { type: 'error', code: 'invalidCommand', message: err.message }, duplicate: false };
  }
  const req = cmd.req;
  // Sessions are per authenticated user: nobody reaches another user's (dedupe.ts).
  const session = req ? sessionKey(req.clientId, cmd.auth?.user) : '';
  if (req) {
    const verdict = dedupe.check(session, req);
    if (verdict === 'duplicate') return { index: e.index, result: dedupe.recordedResult(session), duplicate: true };
    if (verdict === 'stale') {
      const message = `stale request: seq ${req.seq} of client ${req.clientId} is older than its last applied request`;
      return { index: e.index, result: { type: 'error', code: 'staleRequest', message }, duplicate: false };
    }
  }
  // Not recorded when refused: the client may retry the same request id once authorized.
  const denied = auth.denial(cmd, false);
  if (denied) return { index: e.index, result: denied, duplicate: false };
  // Refused on every member alike, and not recorded: a retry after the disarm applies.
  if (alarmTable.noSpace && growsData(cmd)) {
    return { index: e.index, result: { type: 'error', code: 'noSpace', message: NO_SPACE_MESSAGE }, duplicate: false };
  }
  const full = req ? dedupe.admit(session, req.at, batch) : null;
  if (full !== null) return { index: e.index, result: { type: 'error', code: 'sessionsFull', message: full }, duplicate: false };
  const result = cmd.type === 'auth' ? auth.apply(cmd.op, batch, pending.revision) : await applyCommand(pending, cmd, alarmTable);
  if (req) dedupe.record(session, req, e.index, result, batch);
  return { index: e.index, result, duplicate: false };
}
