import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { FailoverController, FailoverEvent, QuorumLossEvent } from '../failover/index.js';
import { ALARM_KINDS, LivenessMonitor, NodeMetrics, startHttpServer, type AlarmKind, type HistoryItemView, type MemberStatus, type StatusView, type CommitModeName, type MetricsSnapshot } from '../metrics/index.js';
import { commitModeName, roleName, statusInVocabulary } from '../common/vocabulary.js';
import type { AlarmMember } from '../state/index.js';
import type { GrpcPeerTransport } from '../transport/index.js';
import type { Wal } from '../wal/index.js';
import type { NodeTls } from '../tls/index.js';
import type { NodeContext } from './context.js';
import { heapGrowingPercentInForce } from '../node/send-heap-growth.js';
import { HttpBasicAuth } from './http-auth.js';
import type { NodeOptions } from './options.js';

export interface Observability {
  metrics: NodeMetrics;
  close(): Promise<void>;
}

interface Deps {
  opts: NodeOptions;
  ctx: NodeContext;
  wal: Wal;
  transport: GrpcPeerTransport;
  failover: FailoverController;
  tickMs: number;
  fatalError: () => string | null;
  tls: NodeTls | null;
  /** Data-safety state: the archive's lag and the CORRUPT alarm (src/backup). */
  dataSafety?: () => Pick<MetricsSnapshot, 'archiveLagSeconds' | 'corrupt' | 'backup'>;
}

/** The node's state as the metrics module sees it: synchronous and cheap (no I/O). */
function snapshot(d: Deps): MetricsSnapshot {
  const raft = d.ctx.driver.raft;
  const s = raft.status();
  const peers = d.transport.stats().peers;
  const extras = d.failover.commitModes.stats();
  const cfg = d.failover.commitConfig();
  return {
    id: s.id,
    role: roleName(s.role, s.conf.learners.includes(s.id)),
    term: s.term,
    leader: s.leader,
    commitIndex: s.commit,
    appliedIndex: d.ctx.sm.appliedIndex(),
    lastIndex: s.lastIndex,
    snapshotIndex: s.snapshotIndex,
    hasQuorum: s.hasQuorum,
    voters: s.conf.voters,
    learners: s.conf.learners,
    followers: s.followers.map((f) => ({
      id: f.id,
      matchIndex: f.match,
      lagEntries: f.lagEntries,
      lastContactMs: f.ticksSinceContact * d.tickMs,
      connected: peers.get(f.id)?.connected ?? false,
    })),
    walBytes: d.wal.stats().bytes,
    commitMode: shownMode(cfg.mode),
    effectiveCommitMode: shownMode(cfg.mode === 'SYNC' && extras.syncDegraded ? 'SEMI_SYNC' : cfg.mode),
    syncDegraded: extras.syncDegraded,
    asyncUncommittedEntries: extras.asyncUncommittedEntries,
    asyncUncommittedMs: extras.asyncOldestUncommittedMs,
    leaderWaitRequests: d.ctx.leaderWaits.size,
    leaderWaitBytes: d.ctx.leaderWaits.bytes,
    ...d.dataSafety?.(),
    sessions: d.ctx.sm.sessions(),
    watchHistoryBytes: d.ctx.sm.watchHistoryBytes(),
    watchHistoryFileBytes: d.ctx.sm.watchHistoryFiles().bytes,
    heapGrowingPercent: heapGrowingPercentInForce(),
    backendBytes: d.ctx.quota.backendBytes(),
    quotaBackendBytes: d.ctx.quota.quotaBytes,
    activeAlarms: activeAlarmKinds(d.ctx.sm.alarms()),
    pendingProposals: d.ctx.driver.proposals.size,
    pendingProposalBytes: d.ctx.driver.proposals.bytes,
    watches: d.ctx.watchQuota.size,
    streamBytes: d.ctx.streamBudget.heldBytes,
  };
}

/** A resolved proto commit mode as metrics labels spell it. */
export function shownMode(wire: string): CommitModeName {
  const m = commitModeName(wire);
  return m === 'default' ? 'semi-sync' : m;
}

/** The kinds of alarm active in the cluster, each once. */
function activeAlarmKinds(alarms: readonly AlarmMember[]): AlarmKind[] {
  return ALARM_KINDS.filter((k) => alarms.some((a) => a.alarm === k));
}

/** The names this node's HTTP port answers to: its configured addresses' hosts, its host name, localhost, --http-allowed-hosts. */
function httpHostNames(opts: NodeOptions): string[] {
  const hostOf = (a: string | null | undefined): string[] => {
    const h = a?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return h && h !== '0.0.0.0' && h !== '::' ? [h] : [];
  };
  return [...new Set(['localhost', hostname(), ...hostOf(opts.http), ...hostOf(opts.listen), ...hostOf(opts.advertise), ...(opts.httpAllowedHosts ?? [])])];
}

/** The Status answer as it comes off the wire: proto enum names for the modes, the core's role. */
type WireStatus = Omit<StatusView, 'role' | 'commitMode' | 'effectiveCommitMode'> & { role: string; commitMode?: string; effectiveCommitMode?: string; learners?: string[]; ackedWritesByMode?: Record<string, number> };

/** Every member's Status, as this node can reach them (its own answered locally). */
async function clusterStatus(d: Deps): Promise<MemberStatus[]> {
  const { ctx } = d;
  const conf = ctx.driver.raft.conf();
  const ids = [...new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ctx.id])].sort();
  return Promise.all(
    ids.map(async (id): Promise<MemberStatus> => {
      const address = ctx.members.address(id) ?? '';
      try {
        const wire = await ctx.forwarder.forward<WireStatus>(address, 'cluster', 'Status', {}, new Date(ctx.time.wallClock() + 1000));
        // /api/status is a surface people read: the one vocabulary, not the proto enum names.
        return { id, address, status: statusInVocabulary(wire) };
      } catch (err) {
        return { id, address, status: null, error: (err as grpc.ServiceError).details ?? (err as Error).message };
      }
    }),
  );
}

/** Leadership changes and periods without a quorum in one list, newest first (by when each began). */
export function historyItems(events: readonly FailoverEvent[], losses: readonly QuorumLossEvent[]): HistoryItemView[] {
  const items: { at: number; item: HistoryItemView }[] = [
    ...events.map((e) => ({ at: e.detectedAtMs || e.electedAtMs, item: { ...e, kind: 'leader-change' as const } })),
    ...losses.map((e) => ({ at: e.startedAtMs, item: { ...e, kind: 'quorum-loss' as const } })),
  ];
  return items.sort((a, b) => b.at - a.at).map((x) => x.item);
}

/** Metrics always; the HTTP server (metrics, health, readiness, dashboard) when `opts.http` is set. */
export async function startObservability(d: Deps): Promise<Observability> {
  const metrics = new NodeMetrics({ nodeId: d.opts.id, snapshot: () => snapshot(d) });
  if (!d.opts.http) return { metrics, close: async () => metrics.close() };
  const live = new LivenessMonitor({ dataDir: d.opts.dataDir, walStats: () => d.wal.stats(), fatalError: d.fatalError });
  const httpTls = d.tls?.http;
  const httpAuth = d.opts.httpAuth;
  if (httpAuth && !httpTls) d.ctx.log.warn('--http-auth without --http-cert-file: dashboard passwords cross the network in clear');
  const http = await startHttpServer({
    listen: d.opts.http,
    metrics,
    allowedHosts: httpHostNames(d.opts),
    ...(httpTls ? { tls: { current: () => ({ cert: httpTls.identity.cert, key: httpTls.identity.key }), onChange: (l: () => void) => httpTls.onChange(l) } } : {}),
    ...(httpAuth ? { auth: new HttpBasicAuth({ auth: d.ctx.auth, audit: d.ctx.audit ?? null, nodeId: d.ctx.id, metrics: httpAuth.metrics }) } : {}),
    health: () => live.check(),
    clusterStatus: () => clusterStatus(d),
    onError: (err, path) => d.ctx.log.warn({ err, path }, 'an HTTP endpoint failed'),
    history: async () => {
      const { readHistory } = await import('../failover/history.js');
      const { readQuorumLosses } = await import('../failover/quorum-loss.js');
      const getMeta = (n: string): Promise<unknown> => d.ctx.sm.getMeta(n);
      return historyItems(await readHistory(getMeta, 50), await readQuorumLosses(getMeta, 50));
    },
  });
  d.ctx.log.info({ http: d.opts.http, port: http.port, tls: httpTls !== undefined, auth: httpAuth ? (httpAuth.metrics ? 'dashboard+metrics' : 'dashboard') : 'off' }, 'http endpoints listening');
  return {
    metrics,
    close: async () => {
      await http.close();
      live.close();
      metrics.close();
    },
  };
}
