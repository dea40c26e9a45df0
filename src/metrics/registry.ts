import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { HISTORY_INTERVAL_MS, HISTORY_SAMPLES, HistoryRing, type HistorySample } from './history-ring.js';
import { IndexClock } from './lag.js';
import { ForwardMetrics } from './forward-metrics.js';
import { SnapshotSendMetrics } from './snapshot-send-metrics.js';
import { PREFIX, SnapshotGauges } from './snapshot-gauges.js';
import type { CommitModeName, MetricsSnapshot } from './types.js';

/** Where an error is caught with no caller to take it (raftdb_swallowed_errors_total{site}): a bounded label set. */
export const SWALLOWED_ERROR_SITES = ['peer_message', 'applied_listener', 'auth_listener', 'metrics_sample', 'commit_config_reload'] as const;
/** One of SWALLOWED_ERROR_SITES. */
export type SwallowedErrorSite = (typeof SWALLOWED_ERROR_SITES)[number];

/** How a node's metrics are set up. */
export interface NodeMetricsOptions {
  /** This node's id, added as the `node` label to every series (several nodes may share a host). */
  nodeId: string;
  /**
   * The node's current state. Called on every scrape and by the lag sampler every
   * `sampleIntervalMs`, on the event loop: it must be synchronous and cheap (no I/O).
   */
  snapshot: () => MetricsSnapshot;
  /** How often the leader's last index is sampled for replication_lag_seconds; 0: only at scrapes. */
  sampleIntervalMs?: number;
  /** How often the dashboard's history ring is sampled (history-ring.ts); 0: only by sampleHistory(). */
  historyIntervalMs?: number;
  /** Include prom-client's process and Node.js metrics (unprefixed: process_*, nodejs_*). */
  defaultMetrics?: boolean;
  /** Wall clock in milliseconds; tests script it. */
  nowMs?: () => number;
}

const LATENCY_BUCKETS_SECONDS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FSYNC_BUCKETS_SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const UNAVAILABILITY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
const EVENT_LOOP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

/**
 * One node's Prometheus registry. Gauges are refreshed from `snapshot()` when scraped; counters
 * and histograms are fed by the node through the `record*`/`observe*` methods as events happen.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  /** Forwarding to the leader and follower reads (forward-metrics.ts). */
  readonly forward: ForwardMetrics;
  readonly snapshotSend: SnapshotSendMetrics;
  private readonly gauges: SnapshotGauges;
  private readonly clock = new IndexClock();
  private readonly nowMs: () => number;
  private readonly sampler: NodeJS.Timeout | null;
  private readonly historySampler: NodeJS.Timeout | null;
  /** The last 10 minutes, one sample a second, for the dashboard (/api/series). */
  private readonly history = new HistoryRing();
  /**
   * All collect() calls of one scrape share one snapshot: set by the first, cleared by the next
   * render() or, for callers of registry.metrics() directly, by the next macrotask.
   */
  private refreshed = false;
  private clockTerm = -1;
  private lastLeader: { term: number; leader: string } | null = null;

  private readonly leaderChanges: Counter;
  private readonly appendErrors: Counter<'peer'>;
  private readonly fsyncSeconds: Histogram;
  private readonly proposeToCommitSeconds: Histogram<'mode'>;
  private readonly requests: Counter<'method' | 'code'>;
  private readonly requestSeconds: Histogram<'method'>;
  private readonly requestCounters = new Map<string, { inc(): void }>();
  private readonly requestHistograms = new Map<string, { observe(v: number): void }>();
  private readonly commitHistograms = new Map<string, { observe(v: number): void }>();
  private readonly failoverEvents: Counter<'reason' | 'result'>;
  private readonly switchoverUnavailableSeconds: Histogram;
  private readonly quorumLosses: Counter<'cause'>;
  private readonly quorumLossSeconds: Histogram;
  private readonly leaderWaitRefused: Counter;
  private readonly hashMismatches: Counter;
  private readonly authFailures: Counter<'reason'>;
  private readonly sessionsRefused: Counter;
  private readonly auditLines: Counter;
  private readonly auditDropped: Counter;
  private readonly auditRotations: Counter;
  private readonly swallowedErrors: Counter<'site'>;
  private readonly streamPauses: Counter<'stream'>;
  private readonly watchCutOffs: Counter;
  private readonly limitRefusals: Counter<'limit'>;
  private readonly eventLoopDelay: Histogram;
  private readonly shedRequests: Counter<'reason'>;
  private readonly shedCounters = new Map<string, { inc(): void }>();

  constructor(private readonly opts: NodeMetricsOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
    this.registry.setDefaultLabels({ node: opts.nodeId });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.gauges = new SnapshotGauges(this.registry, () => this.refresh());
    this.forward = new ForwardMetrics(this.registry);
    this.snapshotSend = new SnapshotSendMetrics(this.registry);
    const registers = [this.registry];
    this.leaderChanges = new Counter({
      name: `${PREFIX}raft_leader_changes_total`,
      help: 'Times this node learned of a new leader (a different leader, or the same one in a new term).',
      registers,
    });
    this.appendErrors = new Counter({
      name: `${PREFIX}append_errors_total`,
      help: 'Leader: appends to a follower that failed (undeliverable, or rejected and retried).',
      labelNames: ['peer'],
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: `${PREFIX}wal_fsync_duration_seconds`,
      help: 'Duration of one WAL group commit (write and fsync of a batch of entries and hard state).',
      buckets: FSYNC_BUCKETS_SECONDS,
      registers,
    });
    this.proposeToCommitSeconds = new Histogram({
      name: `${PREFIX}propose_to_commit_seconds`,
      help: 'Leader: from proposing a write to acknowledging it under its commit mode.',
      labelNames: ['mode'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.requests = new Counter({
      name: `${PREFIX}requests_total`,
      help: 'Client gRPC requests answered by this node, by method and gRPC status code name.',
      labelNames: ['method', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: `${PREFIX}request_duration_seconds`,
      help: 'Client gRPC request duration on this node, forwarding included.',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.failoverEvents = new Counter({
      name: `${PREFIX}failover_events_total`,
      help: 'Leadership changes and attempts this node led or saw, by reason and result.',
      labelNames: ['reason', 'result'],
      registers,
    });
    this.switchoverUnavailableSeconds = new Histogram({
      name: `${PREFIX}switchover_unavailability_seconds`,
      help: 'Measured unavailability of a leadership change: from the last contact with the old leader (or a switchover\'s hold) to the new leader\'s first commit.',
      buckets: UNAVAILABILITY_BUCKETS_SECONDS,
      registers,
    });
    this.quorumLosses = new Counter({
      name: `${PREFIX}quorum_losses_total`,
      help: 'Periods without a quorum this node recorded as leader, by cause (check-quorum, no-leader).',
      labelNames: ['cause'],
      registers,
    });
    this.quorumLossSeconds = new Histogram({
      name: `${PREFIX}quorum_loss_duration_seconds`,
      help: 'Length of a period without a quorum: from the last evidence of a quorum to the first commit of a later term.',
      buckets: [...UNAVAILABILITY_BUCKETS_SECONDS, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.leaderWaitRefused = new Counter({
      name: `${PREFIX}leader_wait_refused_total`,
      help: 'Requests answered UNAVAILABLE at once because too many (or too many bytes) already waited for a leader.',
      registers,
    });
    this.hashMismatches = new Counter({
      name: `${PREFIX}hash_mismatch_total`,
      help: "Corruption-check rounds in which this member's HashKV differed from the majority's (it raised CORRUPT).",
      registers,
    });
    this.authFailures = new Counter({
      name: `${PREFIX}auth_failures_total`,
      help: 'Requests refused by authentication or authorization on this node, by reason (no_credentials, bad_password, bad_token, expired_token, stale_token, unknown_user, untrusted_forward, permission_denied).',
      labelNames: ['reason'],
      registers,
    });
    this.sessionsRefused = new Counter({
      name: `${PREFIX}sessions_refused_total`,
      help: 'Writes refused (RESOURCE_EXHAUSTED) because they opened a new session while the exactly-once table, or their user\'s share of it, was full of active sessions.',
      registers,
    });
    this.auditLines = new Counter({ name: `${PREFIX}audit_lines_total`, help: 'Lines written to the audit log (--audit-log).', registers });
    this.auditDropped = new Counter({
      name: `${PREFIX}audit_dropped_lines_total`,
      help: 'Audit lines dropped: the in-memory queue was full (16 MiB) or the write failed. Requests never wait for the audit log.',
      registers,
    });
    this.auditRotations = new Counter({ name: `${PREFIX}audit_rotations_total`, help: 'Times the audit log was rotated by size.', registers });
    this.swallowedErrors = new Counter({
      name: `${PREFIX}swallowed_errors_total`,
      help: `Errors caught where no caller could take them, by site (${SWALLOWED_ERROR_SITES.join(', ')}); each is also logged. Any increase is a bug to report.`,
      labelNames: ['site'],
      registers,
    });
    this.streamPauses = new Counter({
      name: `${PREFIX}stream_paused_total`,
      help: 'Times a client stream stopped reading requests because what it held for its client (operations and results not yet taken) reached --max-stream-bytes.',
      labelNames: ['stream'],
      registers,
    });
    this.watchCutOffs = new Counter({
      name: `${PREFIX}watch_cut_off_total`,
      help: 'Live watches ended with RESOURCE_EXHAUSTED ("resume from revision N") because the changes not yet taken by their client passed --max-stream-bytes.',
      registers,
    });
    this.limitRefusals = new Counter({
      name: `${PREFIX}limit_refused_total`,
      help: 'Requests refused with RESOURCE_EXHAUSTED by a per-client limit: limit="watches", "watches_per_connection", "watches_per_user", "concurrent_streams" or "connections_per_address".',
      labelNames: ['limit'],
      registers,
    });
    this.eventLoopDelay = new Histogram({
      name: `${PREFIX}eventloop_delay_seconds`,
      help: 'How late the event loop ran the Raft tick timer, sampled every 20 ms (each sample; a blocked loop shows as one large sample). Past --shed-event-loop-delay-ms new requests are shed.',
      buckets: EVENT_LOOP_BUCKETS_SECONDS,
      registers,
    });
    this.shedRequests = new Counter({
      name: `${PREFIX}shed_requests_total`,
      help: 'Requests answered UNAVAILABLE at once because the node was past a load bound: reason="event_loop", "pending_proposals", "pending_proposal_bytes" or "apply_lag".',
      labelNames: ['reason'],
      registers,
    });
    const every = opts.sampleIntervalMs ?? 250;
    this.sampler = every > 0 ? setInterval(() => this.sample(), every) : null;
    // Sampling serves scrapes only; it must never keep a stopping process alive.
    this.sampler?.unref();
    const historyEvery = opts.historyIntervalMs ?? HISTORY_INTERVAL_MS;
    this.historySampler = historyEvery > 0 ? setInterval(() => this.sampleHistory(), historyEvery) : null;
    this.historySampler?.unref();
  }

  /** Takes one sample for the dashboard's history now (the timer calls it every second). */
  sampleHistory(): HistorySample {
    return this.history.sample(this.opts.snapshot(), this.nowMs());
  }

  /** What /api/series answers: this node's samples of the last 10 minutes taken after `sinceMs`, oldest first. */
  series(sinceMs = 0): { node: string; intervalMs: number; capacity: number; samples: HistorySample[] } {
    const samples = this.history.samples().filter((x) => x.t > sinceMs);
    return { node: this.opts.nodeId, intervalMs: this.opts.historyIntervalMs || HISTORY_INTERVAL_MS, capacity: HISTORY_SAMPLES, samples };
  }

  /** The WAL fsync p99 (ms) of the last sampled second, null without fsyncs or samples. */
  recentFsyncP99Ms(): number | null {
    return this.history.latest()?.fsyncP99Ms ?? null;
  }

  /** The Prometheus text exposition of every metric (refreshes the gauges first). */
  render(): Promise<string> {
    this.refreshed = false;
    return this.registry.metrics();
  }

  /** The node's current state, straight from its callback (readiness reads it). */
  snapshot(): MetricsSnapshot {
    return this.opts.snapshot();
  }

  /** The Content-Type header for `render()`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Call from the driver's onSoftState: counts leader changes and restarts the lag clock. */
  recordSoftState(ss: { role: string; term: number; leader: string | null }): void {
    if (ss.leader !== null && (this.lastLeader?.leader !== ss.leader || this.lastLeader.term !== ss.term)) {
      this.leaderChanges.inc();
      this.lastLeader = { term: ss.term, leader: ss.leader };
    }
    if (ss.role !== 'leader' || ss.term !== this.clockTerm) this.resetClock(ss.term);
  }

  /** An append to `peer` failed (transport onUnreachable, or a rejected append). */
  recordAppendError(peer: string): void {
    this.appendErrors.inc({ peer });
  }

  /** A request could not wait for a leader: the bounds of waiting requests were reached. */
  recordLeaderWaitRefused(): void {
    this.leaderWaitRefused.inc();
  }

  /** The corruption check found this member's keyspace differing from the majority's. */
  recordHashMismatch(): void {
    this.hashMismatches.inc();
  }

  /** A request was refused by authentication or authorization. */
  recordAuthFailure(reason: string): void {
    this.authFailures.inc({ reason });
  }

  /** Applied entries refused because the exactly-once table was full (counted on every member). */
  recordSessionsRefused(count: number): void {
    this.sessionsRefused.inc(count);
  }

  /** Audit lines written. */
  recordAuditLines(n: number): void {
    this.auditLines.inc(n);
  }

  /** Audit lines dropped. */
  recordAuditDropped(n: number): void {
    this.auditDropped.inc(n);
  }

  /** The audit log was rotated. */
  recordAuditRotation(): void {
    this.auditRotations.inc();
  }

  /** An error was caught where no caller could take it (the site logged it too). */
  recordSwallowedError(site: SwallowedErrorSite): void {
    this.swallowedErrors.inc({ site });
  }

  /** A stream stopped reading: its bytes in flight reached the bound. */
  recordStreamPaused(stream: string): void {
    this.streamPauses.inc({ stream });
  }

  /** A slow watcher was cut off. */
  recordWatchCutOff(): void {
    this.watchCutOffs.inc();
  }

  /** A request was refused by the per-client limit `limit`. */
  recordLimitRefused(limit: string): void {
    this.limitRefusals.inc({ limit });
  }

  /** One sample of the event loop's delay. */
  observeEventLoopDelay(seconds: number): void {
    this.eventLoopDelay.observe(seconds);
  }

  /** A request was shed under load. */
  recordShed(reason: string): void {
    let c = this.shedCounters.get(reason);
    if (!c) {
      c = this.shedRequests.labels({ reason });
      this.shedCounters.set(reason, c);
    }
    c.inc();
  }

  /** One WAL group commit took `seconds`. */
  observeFsync(seconds: number): void {
    this.fsyncSeconds.observe(seconds);
    this.history.observeFsync(seconds);
  }

  /** A write proposed by this leader was acknowledged under `mode` after `seconds`. */
  observeProposeToCommit(mode: CommitModeName, seconds: number): void {
    let h = this.commitHistograms.get(mode);
    if (!h) {
      h = this.proposeToCommitSeconds.labels({ mode });
      this.commitHistograms.set(mode, h);
    }
    h.observe(seconds);
  }

  /** A client request ended with gRPC status `code` (its name, e.g. "OK", "UNAVAILABLE"). */
  observeRequest(method: string, code: string, seconds: number): void {
    // Once per request: the labelled children are looked up once, not hashed on every call.
    const key = `${method}\u0000${code}`;
    let counter = this.requestCounters.get(key);
    if (!counter) {
      counter = this.requests.labels({ method, code });
      this.requestCounters.set(key, counter);
    }
    let histogram = this.requestHistograms.get(method);
    if (!histogram) {
      histogram = this.requestSeconds.labels({ method });
      this.requestHistograms.set(method, histogram);
    }
    counter.inc();
    histogram.observe(seconds);
    this.history.observeRequest(seconds);
  }

  /** A failover-controller event: reason election|switchover|failback|step-down, result ok|aborted|failed. */
  recordFailoverEvent(reason: string, result: string): void {
    this.failoverEvents.inc({ reason, result });
  }

  /** A leadership change left writes unavailable for `seconds`. */
  observeSwitchoverUnavailability(seconds: number): void {
    this.switchoverUnavailableSeconds.observe(seconds);
  }

  /** A period without a quorum (cause check-quorum|no-leader) was recorded; it lasted `seconds`. */
  recordQuorumLoss(cause: string, seconds: number): void {
    this.quorumLosses.inc({ cause });
    this.quorumLossSeconds.observe(seconds);
  }

  /** Stops the lag sampler. */
  close(): void {
    if (this.sampler) clearInterval(this.sampler);
    if (this.historySampler) clearInterval(this.historySampler);
  }

  /** Sets every snapshot gauge from one snapshot; runs once per scrape however many gauges ask. */
  private refresh(): void {
    if (this.refreshed) return;
    this.refreshed = true;
    setImmediate(() => {
      this.refreshed = false;
    });
    const s = this.opts.snapshot();
    const now = this.nowMs();
    this.track(s, now);
    this.gauges.set(s, this.clock, now);
  }

  private sample(): void {
    try {
      this.track(this.opts.snapshot(), this.nowMs());
    } catch {
      // Counted here; the error itself is answered (HTTP 500, logged by the server) by the next
      // scrape, which calls snapshot() too. A timer has no caller to take it.
      this.swallowedErrors.inc({ site: 'metrics_sample' });
    }
  }

  /** Feeds the lag clock; its samples are only meaningful for one leader term. */
  private track(s: MetricsSnapshot, now: number): void {
    if (s.role !== 'leader' || s.term !== this.clockTerm) this.resetClock(s.term);
    if (s.role === 'leader') this.clock.observe(s.lastIndex, now);
  }

  private resetClock(term: number): void {
    this.clock.reset();
    this.clockTerm = term;
  }
}
