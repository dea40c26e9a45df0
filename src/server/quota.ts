// The storage quota (--quota-backend-bytes, etcd's name and default of 2 GiB). "Backend size" is
// what the state machine's LevelDB directory (data, watch history, LevelDB's own log and
// manifest) takes on this member's disk: the bytes that grow with the data and that compaction
// and defragmentation give back. The WAL is not counted: log compaction bounds it by entries, not
// by the data (`raftdb_wal_size_bytes` shows it).
//
// Measured cheaply (backend-size.ts): every `intervalMs` one readdir of the directory, a stat of
// the files that can change, and LevelDB's own count of the bytes of its current tables, which
// caps the tables counted: tables a compaction replaced that LevelDB has not deleted yet are not.
// Between two measurements the bytes of the entries applied since are added twice (a value is
// stored as the key's record and in the watch history), so a fast writer cannot run far past the
// quota unseen.
//
// As in etcd, only a write raises the NOSPACE alarm: a leader refuses a write that grows the data
// before proposing it when the alarm is active or when the write would take its own size past the
// quota (and then raises its alarm); a member that applies such a write while past its quota
// raises its own (alarms.ts). A measurement alone never does: a member that no write reaches
// raises nothing (etcd's quotaApplierV3 and quota interceptor do the same).
//
// Replaced tables LevelDB keeps (for an iterator that was open during a compaction) take disk
// until its next compaction, however long after the iterator ended; when they are many, the
// monitor has LevelDB delete them (StateMachine.releaseObsoleteTables), at most once in
// RELEASE_EVERY_MEASUREMENTS measurements.
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import type { Logger } from 'pino';
import type { Entry } from '../raft/index.js';
import { type AlarmMember, type ApplyResult, type Command, growsData } from '../state/index.js';
import { BackendSizer, type LiveTables } from './backend-size.js';
import { noSpaceError } from './errors.js';

export { noSpaceError };

/** etcd's default quota: 2 GiB. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
/** How often the backend size is measured. */
export const DEFAULT_QUOTA_CHECK_INTERVAL_MS = 1000;
/** Obsolete tables are released at the first measurement that finds many, then at most once in this many. */
const RELEASE_EVERY_MEASUREMENTS = 10;
/**
 * "Many" obsolete tables: at least this many bytes, and an eighth of the counted size (more than
 * the output of a compaction in progress, which is not in the current version either).
 */
const RELEASE_MIN_OBSOLETE_BYTES = 16 * 1024 * 1024;

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
  /** The bytes of LevelDB's current tables (StateMachine.liveTableBytes). */
  liveTables: LiveTables;
  /** Has LevelDB delete the table files it no longer needs; false if it could not now (StateMachine.releaseObsoleteTables). */
  releaseObsolete(): Promise<boolean>;
}

/** Whether an applied entry stored data (a put, or a txn that ran a put): a write the quota checks. */
function wroteData(r: ApplyResult): boolean {
  if (r.duplicate) return false;
  return r.result.type === 'put' || (r.result.type === 'txn' && r.result.responses.some((op) => op.type === 'put'));
}

/** Watches one member's backend size against the quota. */
export class QuotaMonitor {
  private measuredBytes = 0;
  private appliedBytes = 0;
  private readonly sizer: BackendSizer;
  /** Measurements since LevelDB last released its obsolete tables (paces releaseObsolete). */
  private measurementsSinceRelease = RELEASE_EVERY_MEASUREMENTS;
  private timer: TimerHandle | null = null;
  private raising: Promise<void> | null = null;
  private measuring: Promise<void> | null = null;

  constructor(private readonly deps: QuotaDeps) {
    this.sizer = new BackendSizer(deps.dir, deps.liveTables);
  }

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

  /**
   * Committed entries were applied: their bytes count until the next measurement. A write among
   * them that finds this member past its quota raises its alarm (etcd's quotaApplierV3).
   */
  onApplied(entries: readonly Entry[], results: readonly ApplyResult[]): void {
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) bytes += entries[i]!.data.length;
    this.appliedBytes += 2 * bytes;
    if (this.backendBytes() > this.deps.quotaBytes && results.some(wroteData)) this.raise('a write was applied with the backend past the quota');
  }

  /** The state directory was replaced by a snapshot: every file is new. */
  onRestored(): void {
    this.sizer.forget();
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

  /** Measures the directory now (never raises the alarm: only a write does). */
  measure(): Promise<void> {
    this.measuring ??= this.measureOnce().finally(() => (this.measuring = null));
    return this.measuring;
  }

  private async measureOnce(): Promise<void> {
    const appliedBefore = this.appliedBytes;
    try {
      let m = await this.sizer.measure();
      if (this.measurementsSinceRelease >= RELEASE_EVERY_MEASUREMENTS && m.obsoleteBytes >= Math.max(RELEASE_MIN_OBSOLETE_BYTES, m.bytes / 8) && (await this.releaseObsolete())) {
        this.measurementsSinceRelease = 0;
        m = await this.sizer.measure();
      }
      this.measurementsSinceRelease++;
      this.measuredBytes = m.bytes;
      this.appliedBytes -= appliedBefore; // what was applied during the measurement still counts
    } catch (err) {
      this.deps.log.warn({ err, dir: this.deps.dir }, 'could not measure the state directory for the storage quota');
    }
  }

  private releaseObsolete(): Promise<boolean> {
    return this.deps.releaseObsolete().catch((err: unknown) => {
      this.deps.log.warn({ err }, 'could not have LevelDB release its obsolete tables');
      return false;
    });
  }

  private raise(why: string): void {
    if (this.raising || this.ownAlarm()) return;
    this.deps.log.warn({ backendBytes: this.backendBytes(), quotaBytes: this.deps.quotaBytes, why }, 'storage quota exceeded: raising the NOSPACE alarm');
    this.raising = this.deps
      .raise()
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not raise the NOSPACE alarm; the next write past the quota retries'))
      .finally(() => (this.raising = null));
  }
}
