// Cluster alarms (etcd's AlarmMember), replicated through the log: a member that sees its own
// storage past the quota proposes `alarm activate NOSPACE`, one whose HashKV differs from the
// majority's `alarm activate CORRUPT`; an operator's disarm proposes `deactivate`. While any NOSPACE alarm is active, every command that can grow the data (a put,
// a txn with a put in either branch) is refused at apply with `noSpace`, on every member alike;
// deletes, reads, compaction and the layers' own records still go through. The active alarms
// are one meta record, so snapshots carry them and a restarted or new member knows them.
import { pack, unpack } from './codec.js';
import type { Command } from './commands.js';
import { InvalidCommandError } from './errors.js';
import type { PendingBatch } from './pending.js';
import type { CommandResult } from './types.js';

/**
 * Alarm kinds. NOSPACE: a member's storage passed the quota (--quota-backend-bytes); writes that
 * add data are refused. CORRUPT: the corruption check found a member's keyspace differing from
 * the majority's (src/backup/corruption-check.ts); that member reports not ready, writes go on.
 */
export const ALARM_TYPES = ['NOSPACE', 'CORRUPT'] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

/** One active alarm: which member raised what. */
export interface AlarmMember {
  memberId: string;
  alarm: AlarmType;
}

/** The alarm command: activate one member's alarm, or deactivate (memberId '' = every member's). */
export interface AlarmCommand {
  type: 'alarm';
  action: 'activate' | 'deactivate';
  memberId: string;
  alarm: AlarmType;
}

/** The meta record holding the active alarms, `[[memberId, alarm], ...]` sorted. */
export const ALARMS_META = 'alarms';
const MAX_MEMBER_ID_BYTES = 256;
/** More alarms than this is a corrupt record or abuse: there is one per member and kind. */
const MAX_ALARMS = 1024;

/** Validates the fields of a decoded alarm command (decodeCommand's `o`). */
export function alarmCommandOf(o: Record<string, unknown>): AlarmCommand {
  if (o.action !== 'activate' && o.action !== 'deactivate') throw new InvalidCommandError('action', "must be 'activate' or 'deactivate'");
  if (typeof o.memberId !== 'string' || Buffer.byteLength(o.memberId, 'utf8') > MAX_MEMBER_ID_BYTES) {
    throw new InvalidCommandError('memberId', `must be a string of at most ${MAX_MEMBER_ID_BYTES} bytes`);
  }
  if (o.action === 'activate' && o.memberId === '') throw new InvalidCommandError('memberId', 'must name the member that raises the alarm');
  if (!ALARM_TYPES.includes(o.alarm as AlarmType)) throw new InvalidCommandError('alarm', `must be one of ${ALARM_TYPES.join(', ')}`);
  return { type: 'alarm', action: o.action, memberId: o.memberId, alarm: o.alarm as AlarmType };
}

/** Whether applying `cmd` can make the stored data larger (what a NOSPACE alarm refuses). */
export function growsData(cmd: Command): boolean {
  if (cmd.type === 'put') return true;
  if (cmd.type !== 'txn') return false;
  return cmd.success.some((op) => op.type === 'put') || cmd.failure.some((op) => op.type === 'put');
}

/** The etcd wording clients and tools recognise, then what to do. */
export const NO_SPACE_MESSAGE = 'database space exceeded';

/** The active alarms as the state machine applied them. Updated during apply (see StateMachine). */
export class AlarmTable {
  private active: AlarmMember[];

  constructor(active: AlarmMember[] = []) {
    this.active = active;
  }

  /** From the stored meta record (undefined: none). */
  static decode(stored: Uint8Array | undefined): AlarmTable {
    if (stored === undefined) return new AlarmTable();
    const raw = unpack(stored);
    if (!Array.isArray(raw) || raw.length > MAX_ALARMS) throw new InvalidCommandError(ALARMS_META, 'corrupt alarm record');
    const out: AlarmMember[] = [];
    for (const item of raw) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !ALARM_TYPES.includes(item[1] as AlarmType)) {
        throw new InvalidCommandError(ALARMS_META, 'corrupt alarm record');
      }
      out.push({ memberId: item[0], alarm: item[1] as AlarmType });
    }
    return new AlarmTable(out);
  }

  /** The active alarms, sorted by member then kind. */
  list(): AlarmMember[] {
    return this.active.map((a) => ({ ...a }));
  }

  /** Whether writes that grow the data are refused (some member's NOSPACE is active). */
  get noSpace(): boolean {
    return this.active.some((a) => a.alarm === 'NOSPACE');
  }

  /** Whether `memberId` has `alarm` active. */
  has(memberId: string, alarm: AlarmType): boolean {
    return this.active.some((a) => a.memberId === memberId && a.alarm === alarm);
  }

  /** Applies an alarm command to the batch; the table changes at once (later entries see it). */
  apply(b: PendingBatch, cmd: AlarmCommand): CommandResult {
    const matches = (a: AlarmMember): boolean => a.alarm === cmd.alarm && (cmd.memberId === '' || a.memberId === cmd.memberId);
    const changed = cmd.action === 'activate' ? !this.has(cmd.memberId, cmd.alarm) && this.active.length < MAX_ALARMS : this.active.some(matches);
    const affected = cmd.action === 'activate' ? [{ memberId: cmd.memberId, alarm: cmd.alarm }] : this.active.filter(matches);
    if (changed) {
      const next = cmd.action === 'activate' ? [...this.active, { memberId: cmd.memberId, alarm: cmd.alarm }] : this.active.filter((a) => !matches(a));
      next.sort((x, y) => (x.memberId === y.memberId ? x.alarm.localeCompare(y.alarm) : x.memberId < y.memberId ? -1 : 1));
      this.active = next;
      b.meta.set(ALARMS_META, pack(next.map((a) => [a.memberId, a.alarm])));
    }
    return { type: 'alarm', revision: b.revision, changed: changed ? affected : [], alarms: this.list() };
  }
}
