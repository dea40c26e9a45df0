import { statfs } from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { HealthCheck, HealthReport, HealthStatus, MetricsSnapshot } from './types.js';

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** A report whose status is the worst of its checks. */
export function healthReport(checks: HealthCheck[]): HealthReport {
  let status: HealthStatus = 'healthy';
  for (const c of checks) if (RANK[c.status] > RANK[status]) status = c.status;
  return { status, checks };
}

/** Bounds for readiness; defaults in READINESS_DEFAULTS. */
export interface ReadinessOptions {
  /** Committed but not yet applied entries above which the node is not ready (it serves stale reads). */
  maxApplyLagEntries: number;
  /** Leader: a follower further behind than this makes the report degraded (still ready). */
  maxFollowerLagEntries: number;
}

/** Default readiness bounds. */
export const READINESS_DEFAULTS: ReadinessOptions = { maxApplyLagEntries: 1000, maxFollowerLagEntries: 10_000 };

/**
 * /readyz: a member of a cluster that has a leader this node is in contact with, and caught up
 * (applies what is committed). A follower cannot see from its own state how far its log is
 * behind the leader's; the leader's Status shows that, and degrades its own report for it.
 */
export function readinessReport(s: MetricsSnapshot, opts: ReadinessOptions = READINESS_DEFAULTS): HealthReport {
  const checks: HealthCheck[] = [];
  const isVoter = s.voters.includes(s.id);
  const isLearner = s.learners.includes(s.id);
  checks.push({
    name: 'member',
    status: isVoter || isLearner ? 'healthy' : 'unhealthy',
    detail: isVoter ? 'voter' : isLearner ? 'learner' : 'not in the current configuration (not yet added, or removed)',
  });
  checks.push(leaderCheck(s));
  const backlog = s.commitIndex - s.appliedIndex;
  checks.push({
    name: 'applied',
    status: backlog > opts.maxApplyLagEntries ? 'unhealthy' : 'healthy',
    detail: `applied ${s.appliedIndex}, committed ${s.commitIndex} (${backlog} behind, bound ${opts.maxApplyLagEntries})`,
  });
  if (s.role === 'leader') {
    const slow = s.followers.filter((f) => f.lagEntries > opts.maxFollowerLagEntries);
    checks.push({
      name: 'followers',
      status: slow.length > 0 ? 'degraded' : 'healthy',
      detail:
        slow.length > 0
          ? `lagging over ${opts.maxFollowerLagEntries} entries: ${slow.map((f) => `${f.id} (${f.lagEntries})`).join(', ')}`
          : `${s.followers.length} followers within ${opts.maxFollowerLagEntries} entries`,
    });
  }
  // A member whose keyspace differs from the others' must not serve reads (src/backup/corruption-check.ts).
  if (s.corrupt) checks.push({ name: 'corruption', status: 'unhealthy', detail: s.corrupt });
  checks.push({
    name: 'commit-mode',
    status: s.syncDegraded ? 'degraded' : 'healthy',
    detail: s.syncDegraded ? `${s.commitMode} degraded to ${s.effectiveCommitMode}` : s.effectiveCommitMode,
  });
  return healthReport(checks);
}

function leaderCheck(s: MetricsSnapshot): HealthCheck {
  if (s.leader === null) return { name: 'leader', status: 'unhealthy', detail: `no leader known in term ${s.term} (role ${s.role})` };
  if (!s.hasQuorum) {
    const why = s.role === 'leader' ? 'this leader has not heard from a majority' : `leader ${s.leader} not heard from`;
    return { name: 'leader', status: 'unhealthy', detail: `${why} within an election timeout (term ${s.term})` };
  }
  return { name: 'leader', status: 'healthy', detail: s.role === 'leader' ? `this node leads term ${s.term}` : `leader ${s.leader}, term ${s.term}` };
}

/** What the liveness monitor reads from the node. */
export interface LivenessProbes {
  /** The data directory (free space is checked there). */
  dataDir: string;
  /** WalStats fields: fsyncs completed, last appended and last durable index. */
  walStats: () => { fsyncs: number; lastIndex: number; durableIndex: number };
  /** Set once the node stopped on an unrecoverable error (the driver's onFatal). */
  fatalError: () => string | null;
}

/** Bounds for liveness; defaults in LIVENESS_DEFAULTS. */
export interface LivenessOptions {
  /** WAL entries pending with no fsync completing for this long: the disk is stuck. */
  fsyncStallMs: number;
  /** Free bytes on the data directory's file system below which the node is degraded. */
  minFreeBytes: number;
  /** Longest event-loop block since the previous probe above which the node is degraded. */
  maxEventLoopDelayMs: number;
}

/** Default liveness bounds. */
export const LIVENESS_DEFAULTS: LivenessOptions = { fsyncStallMs: 10_000, minFreeBytes: 512 * 1024 * 1024, maxEventLoopDelayMs: 1000 };

/**
 * /healthz: the process and its storage are alive. Unhealthy means restart me: a fatal error, a
 * WAL whose fsync stopped completing, a data directory that is gone. Degraded means look at me:
 * low disk space, a blocked event loop. A stall is only judged across two probes, so that the
 * first probe after an idle period never mistakes an fsync in flight for a stuck disk.
 */
export class LivenessMonitor {
  private readonly loop: IntervalHistogram;
  private stall: { fsyncs: number; sinceMs: number } | null = null;

  constructor(
    private readonly probes: LivenessProbes,
    private readonly opts: LivenessOptions = LIVENESS_DEFAULTS,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.loop = monitorEventLoopDelay({ resolution: 20 });
    this.loop.enable();
  }

  /** Runs every check once. */
  async check(): Promise<HealthReport> {
    const fatal = this.probes.fatalError();
    const checks: HealthCheck[] = [
      { name: 'node', status: fatal ? 'unhealthy' : 'healthy', detail: fatal ?? 'running' },
      this.walCheck(),
      await this.diskCheck(),
      this.loopCheck(),
    ];
    return healthReport(checks);
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.loop.disable();
  }

  private walCheck(): HealthCheck {
    const w = this.probes.walStats();
    const pending = w.lastIndex - w.durableIndex;
    const now = this.nowMs();
    if (pending <= 0) this.stall = null;
    else if (!this.stall || this.stall.fsyncs !== w.fsyncs) this.stall = { fsyncs: w.fsyncs, sinceMs: now };
    const stalledMs = this.stall ? now - this.stall.sinceMs : 0;
    if (stalledMs >= this.opts.fsyncStallMs) {
      return { name: 'wal', status: 'unhealthy', detail: `${pending} entries pending and no fsync completed for ${stalledMs} ms` };
    }
    return { name: 'wal', status: 'healthy', detail: `durable to ${w.durableIndex}, ${pending} pending, ${w.fsyncs} fsyncs` };
  }

  private async diskCheck(): Promise<HealthCheck> {
    try {
      const fs = await statfs(this.probes.dataDir);
      const free = fs.bavail * fs.bsize;
      const detail = `${formatBytes(free)} free of ${formatBytes(fs.blocks * fs.bsize)} in ${this.probes.dataDir}`;
      return { name: 'disk', status: free < this.opts.minFreeBytes ? 'degraded' : 'healthy', detail };
    } catch (err) {
      return { name: 'disk', status: 'unhealthy', detail: `cannot stat ${this.probes.dataDir}: ${(err as Error).message}` };
    }
  }

  private loopCheck(): HealthCheck {
    const maxMs = this.loop.max / 1e6;
    this.loop.reset();
    const status = maxMs > this.opts.maxEventLoopDelayMs ? 'degraded' : 'healthy';
    return { name: 'event-loop', status, detail: `longest block since last probe ${maxMs.toFixed(1)} ms` };
  }
}

/** A byte count for people: 512 B, 3.2 MiB, 1.0 GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
