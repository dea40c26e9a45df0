// The composition root: builds one node's working parts — WAL, state machine, Raft core, driver,
// failover controller and the request handlers — from the platform it is given (disk, database,
// clock, randomness, peer transport, metrics). `startNode` (src/server/node.ts) gives it the real
// platform and adds the gRPC server around it; the whole-node simulation (test/sim-node) gives
// it in-memory twins and a virtual clock, and runs the same code.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EntryType, RaftNode, type Message, type RestartState } from '../raft/index.js';
import { StateMachine, type StateMachineOptions } from '../state/index.js';
import type { ForwardCall, ForwardHandler, ForwardReply, TransportHandlers } from '../transport/index.js';
import { Wal, type WalOptions } from '../wal/index.js';
import type { AuditLog } from '../auth/index.js';
import { Authenticator, DEFAULT_TOKEN_TTL_MS, type AuthenticatorOptions } from '../auth/index.js';
import { DEFAULT_FAILOVER_OPTIONS, FailoverController } from '../failover/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { MonotonicClock, WallClock } from '../common/clock.js';
import type { Timers } from '../common/timers.js';
import { nodeTime, OpenStreams, type LimitEvents, type NodeContext } from '../server/context.js';
import { RaftDriver, type Ticker } from '../server/driver.js';
import type { UnaryForwarder } from '../server/forwarder.js';
import { DEFAULT_LIMITS } from '../server/kv-convert.js';
import { kvHandlers, type KvHandlers } from '../server/kv-service.js';
import { LeaderForwarder } from '../server/peer-forward.js';
import { forwardService } from '../server/forward-service.js';
import { askReadIndex, DEFAULT_FOLLOWER_READ_LIMITS, FollowerReads } from '../server/follower-reads.js';
import { MEMBERS_META, MemberDirectory } from '../server/members.js';
import type { SnapshotStaging } from '../server/snapshot-staging.js';
import type { NodeOptions } from '../server/options.js';
import { LeadershipGate } from '../server/gate.js';
import { LogLimiter } from '../common/log-limiter.js';
import { PEER_MESSAGE_LOG_INTERVAL_MS, stepPeerMessage } from './peer-message.js';
import { DEFAULT_LEADER_WAIT_LIMITS, LeaderWaits } from '../server/leader-waits.js';
import { shownMode } from '../server/observability.js';
import { PeerMembership } from '../server/peer-membership.js';
import { raiseAlarm } from '../server/alarm-service.js';
import { DEFAULT_CLIENT_LIMITS } from '../server/client-limits.js';
import { WatchQuota } from '../server/watch-quota.js';
import { StreamBudget } from '../server/stream-budget.js';
import { DEFAULT_SHED_LIMITS, LoadShedder } from '../server/load-shed.js';
import { DEFAULT_QUOTA_BACKEND_BYTES, DEFAULT_QUOTA_CHECK_INTERVAL_MS, QuotaMonitor } from '../server/quota.js';
import { SelfView } from '../server/self-view.js';
import { SessionClock } from '../server/session-clock.js';
import { LogSpanBytes } from '../server/log-span-bytes.js';
import type { SnapshotYield } from './snapshot-yield.js';
import { roleName } from '../common/vocabulary.js';
import { failoverPorts } from '../server/failover-ports.js';
import { DEFAULT_SEND_HEAP_GROWING_PERCENT, SendHeapGrowth } from './send-heap-growth.js';
import { SnapshotSends } from './snapshot-sends.js';

/** The Raft core's tick: every timeout of the core is a number of these. */
export const TICK_MS = 10;
const DEFAULT_FOLLOWER_APPLY_DELAY_MS = 5;
/**
 * The core holds every entry since the last snapshot in memory: compact after 64 MiB of applied
 * entries as well as after snapshotEntries, and keep at most 32 MiB of them behind the snapshot,
 * so that the log's memory is bounded whatever the value size (issue 18: 10,000 entries of
 * 64 KiB held 640 MiB on every node).
 */
const DEFAULT_SNAPSHOT_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEEP_BYTES = 32 * 1024 * 1024;
/**
 * A leader keeps at most this many bytes of log for a follower catching up (DriverOptions
 * catchUpBytes): 32 MiB is about 120,000 puts of 256 B, two minutes of a snapshot transfer at
 * 1,000 writes/s, and adds at most that to the log's memory bound above.
 */
const DEFAULT_CATCH_UP_BYTES = 32 * 1024 * 1024;
const DEFAULT_ASYNC_REPLICATION_DELAY_MS = 5;

/** What the node needs of its peer transport (GrpcPeerTransport in production, a twin in the simulation). */
export interface PeerTransport {
  send(messages: readonly Message[]): void;
  forward(peer: string, req: ForwardCall): Promise<ForwardReply>;
  setPeers(peers: ReadonlyMap<string, string>): void;
  close(): Promise<void>;
}

/** The platform a node runs on: everything that touches the world outside its own memory. */
export interface NodePlatform<T extends PeerTransport = PeerTransport> {
  log: Logger;
  /** The WAL's options, with its file system (`disk`). */
  wal: WalOptions;
  /** The state machine's options, with its storage (`openDb`, `fs`: node:fs and LevelDB by default). */
  state: StateMachineOptions;
  /** Where received snapshots are built: on the same storage as `state` (an install renames them into it). */
  staging: SnapshotStaging;
  /** Monotonic time for ticks, leases and the ASYNC quorum check. */
  clock: MonotonicClock;
  /** The core's tick timer (default: an interval on `timers`). */
  ticker?: Ticker;
  /**
   * Every timer the node's parts start (default the process's): the tick, deadlines, the ASYNC
   * release, held applies, the failover controller's waits and checks, the quota check.
   */
  timers?: Timers;
  /** Wall-clock time: request deadlines, history and audit timestamps (default `Date.now`). Never leases or elections. */
  wallClock?: WallClock;
  /** Election jitter. */
  random: () => number;
  /** Builds the peer transport once the node's handlers for it exist; `peers`: the other members' addresses. */
  transport(handlers: TransportHandlers, peers: Map<string, string>): T;
  /** Unary calls to another node's client port (Cluster and Auth requests). */
  unaryForwarder: UnaryForwarder;
  /** The node's metrics, once they exist (the HTTP endpoints start after the node). */
  metrics(): NodeMetrics | undefined;
  /** The event loop's recent delay (load shedding); the simulation has none. */
  eventLoopDelayMs(): number;
  /** Paces this node's snapshot sends by its client writes (the transport takes it too); fed here. */
  snapshotYield?: SnapshotYield;
  /** How callers' certificates map to users and members (with TLS). */
  authCertificates?: Pick<AuthenticatorOptions, 'certificateUser' | 'isMemberCertificate'>;
  audit?: AuditLog;
  /** An applied configuration change: re-check who may talk to this node. */
  onConfChange(): void;
  /** An applied configuration (or a majority of members) says this member is no longer one. */
  onRemoved(how: string): void;
  /** Unrecoverable: the node must stop. */
  onFatal(err: Error): void;
}

/** The options of a node that its working parts read (the rest is the gRPC adapter's). */
export type CoreOptions = Pick<
  NodeOptions,
  | 'id'
  | 'clusterId'
  | 'peers'
  | 'dataDir'
  | 'join'
  | 'priority'
  | 'listen'
  | 'advertise'
  | 'raft'
  | 'limits'
  | 'clientLimits'
  | 'shedding'
  | 'snapshotEntries'
  | 'keepEntries'
  | 'snapshotBytes'
  | 'keepBytes'
  | 'catchUpBytes'
  | 'followerApplyDelayMs'
  | 'asyncReplicationDelayMs'
  | 'snapshotSendHeapGrowingPercent'
  | 'failover'
  | 'quotaBackendBytes'
  | 'quotaCheckIntervalMs'
  | 'auth'
>;

/** One node's working parts, composed and not yet started. */
export interface NodeCore<T extends PeerTransport = PeerTransport> {
  readonly raft: RaftNode;
  readonly wal: Wal;
  readonly sm: StateMachine;
  readonly driver: RaftDriver;
  readonly ctx: NodeContext;
  readonly failover: FailoverController;
  /** The KV request handlers (what the gRPC KV service, pipelines and forwarded requests run). */
  readonly kv: KvHandlers;
  /** Runs the requests other members forward to this one (Raft.Forward). */
  readonly forwardHandler: ForwardHandler;
  /** What the peer transport calls: messages, snapshots, refusals. */
  readonly handlers: TransportHandlers;
  readonly transport: T;
  readonly self: SelfView;
  readonly members: MemberDirectory;
  /** Whether `id` is a member of the current configuration (or a founding one before any). */
  isMember(id: string): boolean;
}

/** Opens storage, rebuilds the Raft state it persisted and wires a node's parts together. */
export async function composeNode<T extends PeerTransport>(opts: CoreOptions, p: NodePlatform<T>): Promise<NodeCore<T>> {
  const log = p.log;
  const time = nodeTime({ clock: p.clock, ...(p.timers ? { timers: p.timers } : {}), ...(p.wallClock ? { wallClock: p.wallClock } : {}) });
  const timers = time.timers;
  const wal = await Wal.open(join(opts.dataDir, 'wal'), p.wal);
  for (const r of wal.repairs) log.warn({ repair: r }, 'WAL repaired at startup');
  const sm = await StateMachine.open(join(opts.dataDir, 'state'), {
    ...p.state,
    onListenerError: (err, source) => {
      log.error({ err, source }, 'a state machine listener threw; apply went on without it');
      p.metrics()?.recordSwallowedError(source === 'auth' ? 'auth_listener' : 'applied_listener');
    },
  });
  const staging = p.staging;
  await staging.clear();
  const raft = new RaftNode(
    { id: opts.id, random: p.random, priority: opts.priority, ...opts.raft, tickMs: TICK_MS },
    await restartState(wal, sm),
    opts.join ? [] : [...opts.peers.keys()],
  );
  const self = new SelfView(opts.id, raft.conf());
  const members = new MemberDirectory(opts.peers);
  members.merge(await sm.getMeta(MEMBERS_META));
  const m = p.metrics;
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const clientLimits = { ...DEFAULT_CLIENT_LIMITS, ...opts.clientLimits };
  const limitEvents: LimitEvents = {
    streamPaused: (stream) => m()?.recordStreamPaused(stream),
    watchCutOff: () => m()?.recordWatchCutOff(),
    refused: (limit) => m()?.recordLimitRefused(limit),
  };
  const snapshotSends = new SnapshotSends();
  const driver: RaftDriver = new RaftDriver(
    {
      raft,
      wal,
      sm,
      staging,
      snapshotsInFlight: () => snapshotSends.held(),
      log,
      clock: p.clock,
      ...(p.ticker ? { ticker: p.ticker } : {}),
      timers,
      send: (msgs) => transport.send(msgs),
      onSoftState: (ss) => {
        log.info({ role: roleName(ss.role, raft.conf().learners.includes(opts.id)), term: ss.term, leader: ss.leader }, 'raft state changed');
        self.onSoftState(ss);
        m()?.recordSoftState(ss);
        if (ss.leader) leaderWaits.leaderKnown(ss.leader);
        failover.onSoftState(ss);
      },
      onApplied: (entries, results) => {
        quota.onApplied(entries, results);
        failover.onApplied(entries, results);
        let refused = 0;
        for (const r of results) if (r.result.type === 'error' && r.result.code === 'sessionsFull') refused++;
        if (refused > 0) m()?.recordSessionsRefused(refused);
        if (entries.some((e) => e.type === EntryType.ConfChange)) {
          p.onConfChange();
          if (self.removedBy(raft.conf())) p.onRemoved('applied a configuration without this member');
        }
        if (results.some((r) => r.result.type === 'setMeta')) {
          sm.getMeta(MEMBERS_META)
            .then((book) => {
              if (members.merge(book)) transport.setPeers(peersOf(members, opts.id));
            })
            .catch((err: Error) => log.warn({ err }, 'could not reload the member addresses'));
        }
      },
      onDurable: (index) => failover.onDurable(index),
      onPersisted: (seconds) => m()?.observeFsync(seconds),
      onInput: () => failover?.onProgress(),
      onFatal: p.onFatal,
    },
    {
      tickMs: TICK_MS,
      snapshotEntries: opts.snapshotEntries ?? 10_000,
      keepEntries: opts.keepEntries ?? 1_000,
      snapshotBytes: opts.snapshotBytes ?? DEFAULT_SNAPSHOT_BYTES,
      keepBytes: opts.keepBytes ?? DEFAULT_KEEP_BYTES,
      catchUpBytes: opts.catchUpBytes ?? DEFAULT_CATCH_UP_BYTES,
      followerApplyDelayMs: opts.followerApplyDelayMs ?? DEFAULT_FOLLOWER_APPLY_DELAY_MS,
      asyncReplicationDelayMs: opts.asyncReplicationDelayMs ?? DEFAULT_ASYNC_REPLICATION_DELAY_MS,
    },
  );
  const leaderWaits = new LeaderWaits(DEFAULT_LEADER_WAIT_LIMITS, () => raft.leader, () => m()?.recordLeaderWaitRefused(), timers);
  const heapGrowth = new SendHeapGrowth(opts.snapshotSendHeapGrowingPercent ?? DEFAULT_SEND_HEAP_GROWING_PERCENT);
  const handlers = transportHandlers({ raft, driver, staging, sm, self, log, snapshotSends, heapGrowth, failover: () => failover, metrics: m, onRemoved: p.onRemoved });
  const transport = p.transport(handlers, peersOf(members, opts.id));
  const electionTimeoutMs = raft.cfg.electionTicks * TICK_MS * 2;
  const membership = new PeerMembership(() => raft.conf(), new Set(opts.peers.keys()));
  const isMember = (id: string): boolean => membership.isMember(id);
  const auth = new Authenticator(sm.auth, {
    tokenTtlMs: opts.auth?.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    nowMs: time.wallClock,
    ...p.authCertificates,
    onFailure: (reason) => m()?.recordAuthFailure(reason),
  });
  const quota = new QuotaMonitor({
    id: opts.id,
    dir: sm.dir,
    quotaBytes: opts.quotaBackendBytes ?? DEFAULT_QUOTA_BACKEND_BYTES,
    intervalMs: opts.quotaCheckIntervalMs ?? DEFAULT_QUOTA_CHECK_INTERVAL_MS,
    timers,
    log,
    alarms: () => sm.alarms(),
    noSpace: () => sm.noSpace(),
    raise: () => raiseAlarm(ctx, opts.id, 'NOSPACE', 5000),
    liveTables: () => sm.liveTableBytes(),
    releaseObsolete: () => sm.releaseObsoleteTables(),
  });
  sm.onApplied((b) => {
    if (b.type === 'restored') quota.onRestored();
  });
  const ctx: NodeContext = {
    id: opts.id,
    time,
    sessionClock: new SessionClock(() => sm.latestSessionStampMs(), time.clock, time.wallClock),
    address: opts.advertise ?? opts.listen,
    driver,
    sm,
    members,
    forwarder: p.unaryForwarder,
    toLeader: new LeaderForwarder((peer, req) => transport.forward(peer, req), p.unaryForwarder, {
      recordForward: (method) => m()?.forward.recordForward(method),
      recordForwardRefused: (reason) => m()?.forward.recordForwardRefused(reason),
    }, time),
    followerReads: new FollowerReads(
      {
        askLeader: (deadline) => askReadIndex(ctx, deadline),
        waitApplied: (index) => driver.waitApplied(index),
        onRound: (n) => m()?.forward.observeReadRound(n),
        onRefused: () => m()?.forward.recordFollowerReadRefused(),
        timers,
        clock: p.clock,
      },
      { ...DEFAULT_FOLLOWER_READ_LIMITS, staleRoundMs: electionTimeoutMs },
    ),
    limits,
    log,
    electionTimeoutMs,
    defaultTimeoutMs: 10_000,
    gate: new LeadershipGate(),
    streams: new OpenStreams(),
    observeRequest: (method, code, seconds) => m()?.observeRequest(method, code, seconds),
    leaderWaits,
    auth,
    ...(p.audit ? { audit: p.audit } : {}),
    quota,
    clientLimits,
    watchQuota: new WatchQuota(clientLimits, (limit) => limitEvents.refused(limit)),
    streamBudget: new StreamBudget(clientLimits.maxStreamBytesTotal),
    limitEvents,
    shed: new LoadShedder(
      { ...DEFAULT_SHED_LIMITS, ...opts.shedding },
      {
        eventLoopDelayMs: p.eventLoopDelayMs,
        pendingProposals: () => driver.proposals.size,
        pendingProposalBytes: () => driver.proposals.bytes,
        applyLagEntries: () => Math.max(0, raft.log.committed - sm.appliedIndex()),
      },
      (reason) => m()?.recordShed(reason),
    ),
  };
  const failover: FailoverController = new FailoverController(failoverPorts(ctx), { ...DEFAULT_FAILOVER_OPTIONS, ...opts.failover }, log, {
    writeAcked: (mode, seconds) => {
      m()?.observeProposeToCommit(shownMode(mode), seconds);
      p.snapshotYield?.observeWrite(seconds);
    },
    leadershipChange: (e) => m()?.recordFailoverEvent(e.reason, 'ok'),
    quorumLoss: (e) => m()?.recordQuorumLoss(e.cause, e.durationMs / 1000),
    switchoverFinished: (st, reason) => {
      if (st.state !== 'done') m()?.recordFailoverEvent(reason, 'aborted');
      else m()?.observeSwitchoverUnavailability(st.unavailableMs / 1000);
    },
  });
  p.snapshotYield?.watchCatchUp(catchUpShare(raft, snapshotSends, opts.catchUpBytes ?? DEFAULT_CATCH_UP_BYTES));
  await failover.start();
  const kv = kvHandlers(ctx, failover.commitModes);
  return { raft, wal, sm, driver, ctx, failover, kv, forwardHandler: forwardService(ctx, kv), handlers, transport, self, members, isMember };
}

/** What the transport handlers need of the node. */
interface HandlerDeps {
  raft: RaftNode;
  driver: RaftDriver;
  staging: SnapshotStaging;
  sm: StateMachine;
  self: SelfView;
  log: Logger;
  /** Written here as snapshot streams start and end; read by the driver's compaction. */
  snapshotSends: SnapshotSends;
  /** Raises V8's heap growing factor while a snapshot stream is read (send-heap-growth.ts). */
  heapGrowth: SendHeapGrowth;
  failover(): FailoverController;
  metrics(): NodeMetrics | undefined;
  onRemoved(how: string): void;
}

/** The peer transport's calls into the node: Raft messages, snapshots, refusals, counts. */
function transportHandlers(d: HandlerDeps): TransportHandlers {
  const { raft, driver, staging, sm, self, log } = d;
  const peerMessageLog = new LogLimiter(PEER_MESSAGE_LOG_INTERVAL_MS);
  return {
    onRefusedAsNonMember: (peer) => {
      if (self.refusedBy(peer, raft.conf())) d.onRemoved(self.lastLeader() === peer ? `the leader ${peer} refuses this member's messages` : `a majority of the members refuse this member's messages (${peer} the last)`);
    },
    onMessage: (msg) => {
      d.failover().onPeerMessage(msg);
      stepPeerMessage(driver, msg, log, d.metrics, peerMessageLog);
    },
    onSnapshot: async (message, chunks) => {
      // A stale leader's snapshot would be refused by the core anyway: refuse it before a byte
      // of it reaches the disk.
      if (message.term < raft.term) throw new Error(`snapshot from ${message.from} at term ${message.term} is stale: this node is at term ${raft.term}`);
      // Built and verified first: whatever the leader sent, the install the core orders can
      // only be a swap of directories. A refusal here reaches the leader, which retries.
      const info = await staging.receive(message.snapshot, chunks);
      let installing = false;
      try {
        driver.step(message);
        installing = raft.pendingSnapshotIndex() === message.snapshot.index;
      } finally {
        // The core keeps its log when it already holds the snapshot's entries (or refuses a stale one).
        if (!installing) await staging.discard(message.snapshot.index);
      }
      log.info({ from: message.from, index: info.appliedIndex, bytes: info.bytes, records: info.pairs, installing }, 'received and verified snapshot');
    },
    snapshotSource: async (msg) => {
      const match = raft.status().followers.find((f) => f.id === msg.to)?.match ?? 0;
      d.snapshotSends.begin(msg.to, msg.snapshot.index, match);
      // The transport copies each chunk before it asks for the next (snapshot-sender.ts).
      const stream = await sm.createSnapshot({ reuseChunks: true });
      d.snapshotSends.opened(msg.to, stream.appliedIndex);
      log.info({ to: msg.to, index: stream.appliedIndex }, 'sending snapshot');
      return { message: { ...msg, snapshot: raft.snapshotMetaAt(stream.appliedIndex) }, chunks: d.heapGrowth.wrap(stream) };
    },
    onSnapshotSent: (peer, ok, incarnation) => {
      if (!d.snapshotSends.ended(peer, ok, incarnation)) driver.guard(() => raft.reportSnapshotFailure(peer));
    },
    onPeerIncarnation: (peer, incarnation) => {
      const index = d.snapshotSends.heardFrom(peer, incarnation);
      if (index === null) return;
      log.info({ peer, index }, 'follower restarted before installing the snapshot it acknowledged; sending another');
      // The core still waits for that snapshot's answer (up to two election timeouts): it failed.
      driver.guard(() => raft.reportSnapshotFailure(peer));
    },
    onUnreachable: (peer) => d.metrics()?.recordAppendError(peer),
    onForwardBatch: (_peer, n) => d.metrics()?.forward.observeBatch(n),
    onSnapshotChunk: (peer, bytes, waitedMs) => d.metrics()?.snapshotSend.observeChunk(peer, bytes, waitedMs),
  };
}

/**
 * The share of `catchUpBytes` the entries after the snapshots being streamed take now (1 when some
 * of them are gone already). Counted on from the last look.
 */
function catchUpShare(raft: RaftNode, sends: SnapshotSends, catchUpBytes: number): () => number {
  const span = new LogSpanBytes();
  return () => {
    let from = Infinity;
    for (const index of sends.streaming()) from = Math.min(from, index);
    if (from === Infinity || catchUpBytes <= 0) return 0;
    const bytes = span.measure(from, raft.log.committed, (i) => raft.log.entryAt(i), catchUpBytes);
    return bytes === undefined ? 1 : bytes / catchUpBytes;
  };
}

/** Rebuilds what the Raft core needs from the WAL and the state machine (null for a new node). */
export async function restartState(wal: Wal, sm: StateMachine): Promise<RestartState | null> {
  const rs = await wal.recover();
  if (rs.hardState.term === 0 && rs.entries.length === 0 && !rs.snapshot) return null;
  const snapIndex = rs.snapshot?.index ?? 0;
  if (sm.appliedIndex() < snapIndex) {
    throw new Error(`state machine applied index ${sm.appliedIndex()} is behind the WAL snapshot at ${snapIndex}; restore the state directory`);
  }
  // Whatever the state machine applied was committed, even if the saved commit index is older.
  const commit = Math.max(rs.hardState.commit, sm.appliedIndex());
  return { hardState: { ...rs.hardState, commit }, snapshot: rs.snapshot, entries: rs.entries, applied: sm.appliedIndex() };
}

/** The other members' addresses. */
export function peersOf(members: MemberDirectory, self: string): Map<string, string> {
  const all = members.entries();
  all.delete(self);
  return all;
}
