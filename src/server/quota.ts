// The storage quota (--quota-backend-bytes, etcd's name and default of 2 GiB). "Backend size" is
// what the state machine's LevelDB directory (data, watch history, LevelDB's own log and
// manifest) takes on this member's disk: the bytes that grow with the data and that compaction
// and defragmentation give back. The WAL is not counted: log compaction bounds it by entries, not
// by the data (`raftdb_wal_size_bytes` shows it).
//
// Measured cheaply: every `intervalMs` one readdir of the directory and a stat of only the files
// that can change (LevelDB's log, manifest, CURRENT, LOG); table files (.ldb/.sst) never change
// once written, so each is stat'ed once. Between two measurements the bytes of the entries
// applied since are added twice (a value is stored as the key's record and in the watch
// history), so a fast writer cannot run far past the quota unseen.
//
// A member whose size passes the quota raises its NOSPACE alarm through the log (alarms.ts); a
// leader refuses a write that grows the data before proposing it when the alarm is active or
// when the write would take its own size past the quota (and then raises the alarm too).
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Entry } from '../raft/index.js';
import { type AlarmMember, type Command, growsData } from '../state/index.js';
import { noSpaceError } from './errors.js';

export { noSpaceError };

/** etcd's default quota: 2 GiB. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
/** How often the backend size is measured. */
export const DEFAULT_QUOTA_CHECK_INTERVAL_MS = 1000;
/** Table files: immutable once written. */
const TABLE_FILE = /\.(ldb|sst)$/;

export interface QuotaDeps {
  /** This member's id (the alarm it raises names it). */
  id: string;
  /** The state machine's LevelDB directory. */
  dir: string;
  quotaBytes: number;
  intervalMs: number;
  /** The node's timers (default the process's). */
  timers?: Timers;
  log: Logger;
  /** The alarms as the state machine applied them. */
  alarms(): AlarmMember[];
  /** Whether a NOSPACE alarm is active (cheap: asked on every write). */
  noSpace(): boolean;
  /** Proposes (as leader) or asks the leader to propose this member's NOSPACE alarm. */
  raise(): Promise<void>;
}

/** Watches one member's backend size against the quota. */
export class QuotaMonitor {
  private measuredBytes = 0;
  private appliedBytes = 0;
  private readonly tables = new Map<string, number>();
  private timer: TimerHandle | null = null;
  private raising: Promise<void> | null = null;
  private measuring: Promise<void> | null = null;

  constructor(private readonly deps: QuotaDeps) {}

  /** Measures now, then every intervalMs. */
  async start(): Promise<void> {
    await this.measure();
    this.timer = (this.deps.timers ?? systemTimers).setInterval(() => void this.measure(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) (this.deps.timers ?? systemTimers).clear(this.timer);
    this.timer = null;
  }

  get quotaBytes(): number {
    return this.deps.quotaBytes;
  }

  /** The backend size: the last measurement plus an estimate of what was applied since. */
  backendBytes(): number {
    return this.measuredBytes + this.appliedBytes;
  }

  /** Whether this member's own NOSPACE alarm is active. */
  ownAlarm(): boolean {
    return this.deps.alarms().some((a) => a.memberId === this.deps.id && a.alarm === 'NOSPACE');
  }

  /** Committed entries were applied: their bytes count until the next measurement. */
  onApplied(entries: readonly Entry[]): void {
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) bytes += entries[i]!.data.length;
    this.appliedBytes += 2 * bytes;
  }

  /** The state directory was replaced by a snapshot: every file is new. */
  onRestored(): void {
    this.tables.clear();
    void this.measure();
  }

  /**
   * Refuses (RESOURCE_EXHAUSTED) a command that grows the data while a NOSPACE alarm is active,
   * or that would take this member past its quota (raising its alarm). Others pass.
   */
  admit(command: Command, bytes: number): void {
    if (!growsData(command)) return;
    if (this.deps.noSpace()) {
      const by = this.deps.alarms().filter((a) => a.alarm === 'NOSPACE').map((a) => a.memberId);
      throw noSpaceError(`the NOSPACE alarm is active (raised by ${by.join(', ')})`);
    }
    const size = this.backendBytes();
    if (size + bytes > this.deps.quotaBytes) {
      this.raise(`a ${bytes}-byte write would take the backend past the quota`);
      throw noSpaceError(`this write would take ${this.deps.id}'s storage past its quota (${size} + ${bytes} > ${this.deps.quotaBytes} bytes, --quota-backend-bytes)`);
    }
  }

  /** Measures the directory now; raises this member's alarm if it is past the quota. */
  measure(): Promise<void> {
    this.measuring ??= this.measureOnce().finally(() => (this.measuring = null));
    return this.measuring;
  }

  private async measureOnce(): Promise<void> {
    const appliedBefore = this.appliedBytes;
    try {
      this.measuredBytes = await this.directoryBytes();
      this.appliedBytes -= appliedBefore; // what was applied during the measurement still counts
    } catch (err) {
      this.deps.log.warn({ err, dir: this.deps.dir }, 'could not measure the state directory for the storage quota');
      return;
    }
    if (this.backendBytes() > this.deps.quotaBytes && !this.ownAlarm()) this.raise('the backend is past the quota');
  }

  private async directoryBytes(): Promise<number> {
    const names = await readdir(this.deps.dir);
    const present = new Set(names);
    for (const name of this.tables.keys()) if (!present.has(name)) this.tables.delete(name);
    let total = 0;
    for (const name of names) {
      const known = this.tables.get(name);
      if (known !== undefined) {
        total += known;
        continue;
      }
      // A file may vanish between readdir and stat (LevelDB deletes obsolete ones): count it as 0.
      const size = await stat(join(this.deps.dir, name)).then((s) => (s.isFile() ? s.size : 0), () => 0);
      if (TABLE_FILE.test(name)) this.tables.set(name, size);
      total += size;
    }
    return total;
  }

  private raise(why: string): void {
    if (this.raising || this.ownAlarm()) return;
    this.deps.log.warn({ backendBytes: this.backendBytes(), quotaBytes: this.deps.quotaBytes, why }, 'storage quota exceeded: raising the NOSPACE alarm');
    this.raising = this.deps
      .raise()
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not raise the NOSPACE alarm; retrying at the next measurement'))
      .finally(() => (this.raising = null));
  }
}
