import { monotonicMs, systemWallClock, type MonotonicClock, type WallClock } from '../common/clock.js';
import { systemTimers, type Timers } from '../common/timers.js';
import { RequestError, Status, unavailable } from '../common/errors.js';
import type { Entry } from '../raft/index.js';
import type { ApplyResult, CommandResult } from '../state/index.js';
import type { CommitPolicy } from './commit-policy.js';
import type { CommitConfig, CommitMode } from './config.js';
import type { RaftView } from './ports.js';
import { StateWaits } from './state-waits.js';

/** Counters and gauges of the commit modes, for Status and metrics. */
export interface CommitModeStats {
  ackedByMode: Record<CommitMode, number>;
  syncDegradations: number;
  syncDegraded: boolean;
  asyncUncommittedEntries: number;
  asyncOldestUncommittedMs: number;
  asyncLost: number;
}

/**
 * When a write is acknowledged (ARCHITECTURE.md, "Commit modes"):
 *  - SYNC: every voter holds the entry durably and the leader applied it; a voter silent for
 *    syncTimeout degrades the write to SEMI_SYNC (policy degrade) or fails it (policy strict);
 *  - SEMI_SYNC: Raft commit (a durable majority) and leader apply, plus minSyncReplicas followers;
 *  - ASYNC: the leader holds it durably; it may be lost if the leader dies before replicating.
 *    A leader cut off from its quorum acknowledges nothing, ASYNC included.
 */
export class CommitModes implements CommitPolicy {
  /** Writes waiting for followers to hold their entry (SYNC, minSyncReplicas). */
  private readonly replicaWaits: StateWaits;
  private readonly wallClock: WallClock;
  private durableWaiters: { index: number; resolve: () => void }[] = [];
  private durableIndex = 0;
  /** ASYNC writes acknowledged before commit: index → (term, ack time). */
  private readonly asyncWindow = new Map<number, { term: number; at: number }>();
  private readonly stats_: CommitModeStats = {
    ackedByMode: { SYNC: 0, SEMI_SYNC: 0, ASYNC: 0 },
    syncDegradations: 0,
    syncDegraded: false,
    asyncUncommittedEntries: 0,
    asyncOldestUncommittedMs: 0,
    asyncLost: 0,
  };

  constructor(
    private readonly raft: RaftView,
    private readonly config: () => CommitConfig,
    private readonly onAcked: (mode: CommitMode, seconds: number) => void = () => {},
    private readonly onDegraded: (missing: string) => void = () => {},
    /** The clock the driver gives the core (the default is the same). */
    private readonly clock: MonotonicClock = monotonicMs,
    /** The node's timers and wall clock (request deadlines are wall-clock times). */
    time: { timers?: Timers; wallClock?: WallClock } = {},
  ) {
    this.replicaWaits = new StateWaits(time.timers ?? systemTimers);
    this.wallClock = time.wallClock ?? systemWallClock;
  }

  /** The mode a request runs under. */
  effective(mode: string): CommitMode {
    return mode === 'SYNC' || mode === 'SEMI_SYNC' || mode === 'ASYNC' ? mode : this.config().mode;
  }

  /** ASYNC writes (not txns or deletes, which answer with their applied result). */
  acknowledgedBeforeReplication(mode: string, needsResult: boolean): boolean {
    return !needsResult && this.effective(mode) === 'ASYNC';
  }

  async acknowledge(mode: string, index: number, applied: Promise<ApplyResult>, deadline: Date, needsResult = false): Promise<CommandResult | null> {
    // A txn or delete answers with what applying it produced: in ASYNC mode it waits for that.
    const eff = needsResult && this.effective(mode) === 'ASYNC' ? 'SEMI_SYNC' : this.effective(mode);
    const cfg = this.config();
    const t0 = performance.now();
    if (eff === 'ASYNC') {
      // On the clock, not the tick count: a write arriving right after a pause, before any tick,
      // must not be acknowledged by a leader the others may have replaced meanwhile.
      if (!this.raft.leaderState?.quorumContact(this.clock())) throw unavailable('the leader lost contact with its quorum; not acknowledging');
      await this.waitDurable(index);
      this.asyncWindow.set(index, { term: this.raft.term, at: this.clock() });
      return this.acked(eff, null, t0);
    }
    const res = (await applied).result;
    // A committed write's waiter outlives a step-down (proposals.ts); followers' confirmations are
    // only known to a leader, so a write that still needs them has an unknown outcome here.
    const needsReplicas = eff === 'SYNC' || cfg.minSyncReplicas > 0;
    if (needsReplicas && this.raft.role !== 'leader') {
      throw unavailable('leadership lost before the followers confirmed the write; retry with the same request id');
    }
    if (eff === 'SEMI_SYNC') {
      if (cfg.minSyncReplicas > 0 && !(await this.waitReplicas(index, cfg.minSyncReplicas, Math.min(cfg.syncTimeoutMs, deadline.getTime() - this.wallClock())))) {
        throw new RequestError(Status.DEADLINE_EXCEEDED, `semi-sync: fewer than ${cfg.minSyncReplicas} followers confirmed index ${index} in time; the write is committed`);
      }
      return this.acked(eff, res, t0);
    }
    // Once degraded, writes do not each wait out the timeout again for the same silent voter:
    // SYNC resumes (full waits) as soon as every voter has caught up (onProgress clears it).
    const waitMs = this.stats_.syncDegraded && cfg.syncPolicy === 'degrade' ? 0 : Math.min(cfg.syncTimeoutMs, deadline.getTime() - this.wallClock());
    const all = await this.waitReplicas(index, 'all', waitMs);
    if (all) return this.acked(eff, res, t0);
    const missing = this.missingVoters(index).join(', ');
    if (cfg.syncPolicy === 'strict') {
      throw new RequestError(Status.DEADLINE_EXCEEDED, `sync: ${missing} did not confirm index ${index} within ${cfg.syncTimeoutMs} ms; the outcome is indeterminate`);
    }
    if (!this.stats_.syncDegraded) {
      this.stats_.syncDegradations++;
      this.onDegraded(missing);
    }
    this.stats_.syncDegraded = true;
    return this.acked('SEMI_SYNC', res, t0);
  }

  private acked(mode: CommitMode, res: CommandResult | null, t0: number): CommandResult | null {
    this.stats_.ackedByMode[mode]++;
    this.onAcked(mode, (performance.now() - t0) / 1000);
    return res;
  }

  private waitDurable(index: number): Promise<void> {
    if (index <= this.durableIndex) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ index, resolve }));
  }

  /** The leader's log is durable up to `index`. */
  onDurable(index: number): void {
    this.durableIndex = Math.max(this.durableIndex, index);
    if (this.durableWaiters.length === 0) return;
    const rest = [];
    for (const w of this.durableWaiters) {
      if (w.index <= index) w.resolve();
      else rest.push(w);
    }
    this.durableWaiters = rest;
  }

  /** Followers that must hold the entry: 'all' voters, or a count. */
  private waitReplicas(index: number, need: 'all' | number, timeoutMs: number): Promise<boolean> {
    return this.replicaWaits.until(() => this.replicasHold(index, need), timeoutMs);
  }

  private otherVoters(): string[] {
    const conf = this.raft.conf();
    return [...new Set([...conf.voters, ...conf.votersOutgoing])].filter((v) => v !== this.raft.id);
  }

  private missingVoters(index: number): string[] {
    return this.otherVoters().filter((v) => (this.raft.matchIndex(v) ?? 0) < index);
  }

  private replicasHold(index: number, need: 'all' | number): boolean {
    const holding = this.otherVoters().filter((v) => (this.raft.matchIndex(v) ?? 0) >= index).length;
    return need === 'all' ? holding === this.otherVoters().length : holding >= need;
  }

  /** Called after every input to the core: followers' progress may have moved. */
  onProgress(): void {
    this.replicaWaits.poke();
    if (this.stats_.syncDegraded && this.raft.role === 'leader' && this.missingVoters(this.raft.log.lastIndex()).length === 0) {
      this.stats_.syncDegraded = false;
    }
    if (this.asyncWindow.size > 0) {
      const commit = this.raft.log.committed;
      for (const [index, a] of this.asyncWindow) {
        if (index <= commit && this.raft.log.term(index) === a.term) this.asyncWindow.delete(index);
      }
    }
  }

  /** Applied entries that replaced an acknowledged ASYNC write count as lost writes. */
  onApplied(entries: readonly Entry[]): void {
    if (this.asyncWindow.size === 0) return;
    for (const e of entries) {
      const a = this.asyncWindow.get(e.index);
      if (!a) continue;
      this.asyncWindow.delete(e.index);
      if (a.term !== e.term) this.stats_.asyncLost++;
    }
  }

  stats(): CommitModeStats {
    let oldest = Infinity;
    for (const a of this.asyncWindow.values()) oldest = Math.min(oldest, a.at);
    return {
      ...this.stats_,
      ackedByMode: { ...this.stats_.ackedByMode },
      asyncUncommittedEntries: this.asyncWindow.size,
      asyncOldestUncommittedMs: oldest === Infinity ? 0 : Math.round(this.clock() - oldest),
    };
  }
}
