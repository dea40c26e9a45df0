import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { ReflectionService } from '@grpc/reflection';
import { loadRaftdbProto, raftdbPackageDefinition } from '../proto/load.js';
import { EntryType, RaftNode, type RestartState } from '../raft/index.js';
import { StateMachine } from '../state/index.js';
import { NodeTls } from '../tls/index.js';
import { DEFAULT_TRANSPORT_OPTIONS, GrpcPeerTransport, MEMBERS_ONLY, registerRaftService, tlsPeerAuthorizer, type RaftServiceHandle, type TransportHandlers } from '../transport/index.js';
import { Wal } from '../wal/index.js';
import { Archiver } from '../backup/archiver.js';
import { archiveStoreOf } from '../backup/archive-store.js';
import { loadKeyFile } from '../backup/keys.js';
import { CorruptionCheck, corruptReadiness } from '../backup/corruption-check.js';
import { BackupScheduler, type ScheduleStatus } from '../backup/scheduler.js';
import { HashPeers } from './hash-peers.js';
import { clusterService } from './cluster-service.js';
import { checkDataDirIdentity, prepareDataDir } from './data-dir.js';
import { tolerant } from './decode.js';
import { passThrough } from './passthrough.js';
import { fatalReport, NodeFatalError } from './fatal.js';
import { OpenStreams, type LimitEvents, type NodeContext } from './context.js';
import { RaftDriver } from './driver.js';
import { Forwarder } from './forwarder.js';
import { DEFAULT_LIMITS, maxGrpcMessageBytes, peerMessageBytesFor } from './kv-convert.js';
import { kvHandlers, kvService } from './kv-service.js';
import { maintenanceService } from './maintenance-service.js';
import { forwardInFlight, forwardServerLimits, LeaderForwarder } from './peer-forward.js';
import { forwardService } from './forward-service.js';
import { askReadIndex, DEFAULT_FOLLOWER_READ_LIMITS, FollowerReads } from './follower-reads.js';
import { MEMBERS_META, MemberDirectory } from './members.js';
import { SnapshotStaging } from './snapshot-staging.js';
import type { NodeOptions, RunningNode } from './options.js';
import { healthService } from './health.js';
import { LeadershipGate } from './gate.js';
import { DEFAULT_LEADER_WAIT_LIMITS, LeaderWaits } from './leader-waits.js';
import { DEFAULT_FAILOVER_OPTIONS, FailoverController, NoCandidateError } from '../failover/index.js';
import { shownMode, startObservability, type Observability } from './observability.js';
import { PeerMembership } from './peer-membership.js';
import { AuditLog, Authenticator, DEFAULT_TOKEN_TTL_MS } from '../auth/index.js';
import { authService } from './auth-service.js';
import { alarmService, alarmStatusTexts, raiseAlarm } from './alarm-service.js';
import { DEFAULT_CLIENT_LIMITS } from './client-limits.js';
import { WatchQuota } from './watch-quota.js';
import { StreamBudget } from './stream-budget.js';
import { ConnectionGate, httpStreamsSetting } from './connection-gate.js';
import { listen } from './listener.js';
import { EventLoopMonitor } from './event-loop.js';
import { DEFAULT_SHED_LIMITS, LoadShedder } from './load-shed.js';
import { DEFAULT_QUOTA_BACKEND_BYTES, DEFAULT_QUOTA_CHECK_INTERVAL_MS, QuotaMonitor } from './quota.js';
import { SelfView } from './self-view.js';

const TICK_MS = 10;
const DEFAULT_FOLLOWER_APPLY_DELAY_MS = 5;
const DEFAULT_ASYNC_REPLICATION_DELAY_MS = 5;

/** Opens storage, rebuilds the Raft state it persisted and starts serving gRPC. */
/**
 * The core holds every entry since the last snapshot in memory: compact after 64 MiB of applied
 * entries as well as after snapshotEntries, and keep at most 32 MiB of them behind the snapshot,
 * so that the log's memory is bounded whatever the value size (issue 18: 10,000 entries of
 * 64 KiB held 640 MiB on every node).
 */
const DEFAULT_SNAPSHOT_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEEP_BYTES = 32 * 1024 * 1024;

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  // Every log line carries the node id, and the term and role as they are when it is written.
  let raftRef: RaftNode | null = null;
  const log: Logger =
    opts.logger ??
    pino({ level: opts.logLevel, base: { node: opts.id }, mixin: () => (raftRef ? { term: raftRef.term, role: raftRef.role } : {}) });
  // Set once the HTTP endpoints are up; hooks below call into it when present.
  let obs: Observability | null = null;
  // Certificates first: a node with a bad one must not start at all (the error names the file).
  const tls = opts.tls ? new NodeTls(opts.tls, log) : null;
  await prepareDataDir(opts.dataDir, log);
  await checkDataDirIdentity(opts.dataDir, opts.clusterId);
  const wal = await Wal.open(join(opts.dataDir, 'wal'), opts.wal ?? {});
  for (const r of wal.repairs) log.warn({ repair: r }, 'WAL repaired at startup');
  const sm = await StateMachine.open(join(opts.dataDir, 'state'), opts.stateMaxOpenFiles === undefined ? {} : { maxOpenFiles: opts.stateMaxOpenFiles });
  const staging = new SnapshotStaging(join(opts.dataDir, 'snapshots'));
  await staging.clear();
  const raft = new RaftNode(
    { id: opts.id, random: Math.random, priority: opts.priority, ...opts.raft, tickMs: TICK_MS },
    await restartState(wal, sm),
    opts.join ? [] : [...opts.peers.keys()],
  );
  raftRef = raft;
  const self = new SelfView(opts.id, raft.conf());
  let reportRemoved!: () => void;
  const removedStop = new Promise<void>((resolve) => (reportRemoved = resolve));
  const removed = (how: string): void => {
    log.warn({ member: opts.id, term: raft.term, how }, 'this member was removed from the cluster; stopping (its data directory is of no further use: delete it before adding the node again)');
    // The process that runs the node (raftdb serve) closes it and exits EXIT_REMOVED.
    started.then(() => reportRemoved(), () => {});
  };
  const members = new MemberDirectory(opts.peers);
  members.merge(await sm.getMeta(MEMBERS_META));

  // channelz bookkeeping costs CPU on every call and nobody reads it here.
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const peerMessageBytes = peerMessageBytesFor(limits, DEFAULT_TRANSPORT_OPTIONS.maxMessageBytes);
  // Nothing a client or peer legitimately sends is bigger: a larger message is refused by gRPC
  // (RESOURCE_EXHAUSTED) before it is decoded, instead of costing tens of MiB to decode and drop.
  const clientLimits = { ...DEFAULT_CLIENT_LIMITS, ...opts.clientLimits };
  const limitEvents: LimitEvents = {
    streamPaused: (stream) => obs?.metrics.recordStreamPaused(stream),
    watchCutOff: () => obs?.metrics.recordWatchCutOff(),
    refused: (limit) => obs?.metrics.recordLimitRefused(limit),
  };
  const eventLoop = new EventLoopMonitor((seconds) => obs?.metrics.observeEventLoopDelay(seconds));
  const gate = new ConnectionGate(clientLimits, (limit) => limitEvents.refused(limit));
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxGrpcMessageBytes(limits, peerMessageBytes),
    'grpc.enable_channelz': 0,
    'grpc.max_concurrent_streams': httpStreamsSetting(clientLimits),
    interceptors: [gate.interceptor],
  });
  let fatalMessage: string | null = null;
  let reportFatal!: (err: NodeFatalError) => void;
  const fatalStop = new Promise<NodeFatalError>((resolve) => (reportFatal = resolve));
  // A fatal error during startup closes the node once it exists (the `running` handle below).
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const fatal = (err: Error): void => {
    if (fatalMessage !== null) return;
    fatalMessage = err.message;
    const { fields, message } = fatalReport(err);
    log.fatal(fields, message);
    // Whoever runs the node (raftdb serve) learns of it once the node has closed what it could.
    started
      .then(() => running.close())
      .catch((e: Error) => log.error({ err: e }, 'closing after a fatal error failed'))
      .finally(() => reportFatal(new NodeFatalError(opts.id, err)));
  };
  const driver: RaftDriver = new RaftDriver(
    {
      raft,
      wal,
      sm,
      staging,
      log,
      send: (msgs) => transport.send(msgs),
      onSoftState: (ss) => {
        log.info({ role: ss.role, term: ss.term, leader: ss.leader }, 'raft state changed');
        self.onSoftState(ss);
        obs?.metrics.recordSoftState(ss);
        if (ss.leader) leaderWaits.leaderKnown(ss.leader);
        failover.onSoftState(ss);
      },
      onApplied: (entries, results) => {
        quota.onApplied(entries);
        failover.onApplied(entries, results);
        let refused = 0;
        for (const r of results) if (r.result.type === 'error' && r.result.code === 'sessionsFull') refused++;
        if (refused > 0) obs?.metrics.recordSessionsRefused(refused);
        if (entries.some((e) => e.type === EntryType.ConfChange)) {
          raftService.revalidate();
          if (self.removedBy(raft.conf())) removed('applied a configuration without this member');
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
      onPersisted: (seconds) => obs?.metrics.observeFsync(seconds),
      onInput: () => failover?.onProgress(),
      onFatal: fatal,
    },
    {
      tickMs: TICK_MS,
      snapshotEntries: opts.snapshotEntries ?? 10_000,
      keepEntries: opts.keepEntries ?? 1_000,
      snapshotBytes: opts.snapshotBytes ?? DEFAULT_SNAPSHOT_BYTES,
      keepBytes: opts.keepBytes ?? DEFAULT_KEEP_BYTES,
      followerApplyDelayMs: opts.followerApplyDelayMs ?? DEFAULT_FOLLOWER_APPLY_DELAY_MS,
      asyncReplicationDelayMs: opts.asyncReplicationDelayMs ?? DEFAULT_ASYNC_REPLICATION_DELAY_MS,
    },
  );
  const leaderWaits = new LeaderWaits(DEFAULT_LEADER_WAIT_LIMITS, () => raft.leader, () => obs?.metrics.recordLeaderWaitRefused());
  const handlers: TransportHandlers = {
      onRefusedAsNonMember: (peer) => {
        if (self.refusedBy(peer, raft.conf())) removed(self.lastLeader() === peer ? `the leader ${peer} refuses this member's messages` : `a majority of the members refuse this member's messages (${peer} the last)`);
      },
      onMessage: (msg) => {
        failover.onPeerMessage(msg);
        try {
          driver.step(msg);
        } catch {
          // Stopped or fatal: already logged by the driver.
        }
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
        const stream = await sm.createSnapshot();
        log.info({ to: msg.to, index: stream.appliedIndex }, 'sending snapshot');
        return { message: { ...msg, snapshot: raft.snapshotMetaAt(stream.appliedIndex) }, chunks: stream };
      },
      onSnapshotSent: (peer, ok) => {
        if (!ok) driver.guard(() => raft.reportSnapshotFailure(peer));
      },
      onUnreachable: (peer) => obs?.metrics.recordAppendError(peer),
      onForwardBatch: (_peer, n) => obs?.metrics.forward.observeBatch(n),
  };
  // Declared before the services that report it; set once the driver runs.
  let dataSafetyStatus = (): Record<string, unknown> => ({});
  // This member's CORRUPT alarm as its corruption check saw it (the revision and the members it differs from).
  let corruptDetail = (): string | null => null;
  const transport = new GrpcPeerTransport({
    selfId: opts.id,
    clusterId: opts.clusterId,
    peers: peersOf(members, opts.id),
    logger: log,
    handlers,
    options: { maxMessageBytes: peerMessageBytes },
    ...(tls?.peer ? { credentials: (peer: string) => tls.peerCredentials(peer)! } : {}),
  });
  const electionTimeoutMs = raft.cfg.electionTicks * TICK_MS * 2;
  const membership = new PeerMembership(() => raft.conf(), new Set(opts.peers.keys()));
  const isMember = (id: string): boolean => membership.isMember(id);
  const auth = new Authenticator(sm.auth, {
    tokenTtlMs: opts.auth?.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    ...(tls ? { certificateUser: (der: Buffer) => tls.clientUser(der) } : {}),
    // Only a peer certificate proves a member: without peer TLS no forwarded user name is believed.
    ...(tls?.peersAuthenticated
      ? {
          isMemberCertificate: (der: Buffer | null) => {
            const proof = tls.provePeer(der ?? undefined);
            return 'names' in proof && proof.names.some(isMember);
          },
        }
      : {}),
    onFailure: (reason) => obs?.metrics.recordAuthFailure(reason),
  });
  // Opened before anything is served: a node asked to audit does not run without its log.
  const audit = opts.audit
    ? await AuditLog.open(opts.audit.file, {
        ...(opts.audit.maxBytes !== undefined ? { maxBytes: opts.audit.maxBytes } : {}),
        ...(opts.audit.keep !== undefined ? { keep: opts.audit.keep } : {}),
        onWritten: (n) => obs?.metrics.recordAuditLines(n),
        onDropped: (n) => obs?.metrics.recordAuditDropped(n),
        onRotated: () => obs?.metrics.recordAuditRotation(),
        onError: (err) => log.error({ err: err.message, file: opts.audit?.file }, 'audit log write failed; lines are dropped (raftdb_audit_dropped_lines_total) until it works again'),
      })
    : undefined;
  const quota = new QuotaMonitor({
    id: opts.id,
    dir: sm.dir,
    quotaBytes: opts.quotaBackendBytes ?? DEFAULT_QUOTA_BACKEND_BYTES,
    intervalMs: opts.quotaCheckIntervalMs ?? DEFAULT_QUOTA_CHECK_INTERVAL_MS,
    log,
    alarms: () => sm.alarms(),
    noSpace: () => sm.noSpace(),
    raise: () => raiseAlarm(ctx, opts.id, 'NOSPACE', 5000),
  });
  sm.onApplied((b) => {
    if (b.type === 'restored') quota.onRestored();
  });
  const unaryForwarder = new Forwarder(tls?.clientCredentials());
  const ctx: NodeContext = {
    id: opts.id,
    address: opts.advertise ?? opts.listen,
    driver,
    sm,
    members,
    forwarder: unaryForwarder,
    toLeader: new LeaderForwarder((peer, req) => transport.forward(peer, req), unaryForwarder, {
      recordForward: (method) => obs?.metrics.forward.recordForward(method),
      recordForwardRefused: (reason) => obs?.metrics.forward.recordForwardRefused(reason),
    }),
    followerReads: new FollowerReads(
      {
        askLeader: (deadline) => askReadIndex(ctx, deadline),
        waitApplied: (index) => driver.waitApplied(index),
        onRound: (n) => obs?.metrics.forward.observeReadRound(n),
        onRefused: () => obs?.metrics.forward.recordFollowerReadRefused(),
      },
      { ...DEFAULT_FOLLOWER_READ_LIMITS, staleRoundMs: electionTimeoutMs },
    ),
    limits,
    log,
    electionTimeoutMs,
    defaultTimeoutMs: 10_000,
    gate: new LeadershipGate(),
    streams: new OpenStreams(),
    observeRequest: (method, code, seconds) => obs?.metrics.observeRequest(method, code, seconds),
    leaderWaits,
    auth,
    ...(audit ? { audit } : {}),
    quota,
    clientLimits,
    watchQuota: new WatchQuota(clientLimits, (limit) => limitEvents.refused(limit)),
    streamBudget: new StreamBudget(clientLimits.maxStreamBytesTotal),
    limitEvents,
    shed: new LoadShedder(
      { ...DEFAULT_SHED_LIMITS, ...opts.shedding },
      {
        eventLoopDelayMs: () => eventLoop.delayMs(),
        pendingProposals: () => driver.proposals.size,
        pendingProposalBytes: () => driver.proposals.bytes,
        applyLagEntries: () => Math.max(0, raft.log.committed - sm.appliedIndex()),
      },
      (reason) => obs?.metrics.recordShed(reason),
    ),
  };
  const failover: FailoverController = new FailoverController(ctx, { ...DEFAULT_FAILOVER_OPTIONS, ...opts.failover }, log, {
    writeAcked: (mode, seconds) => obs?.metrics.observeProposeToCommit(shownMode(mode), seconds),
    leadershipChange: (e) => obs?.metrics.recordFailoverEvent(e.reason, 'ok'),
    switchoverFinished: (st, reason) => {
      if (st.state !== 'done') obs?.metrics.recordFailoverEvent(reason, 'aborted');
      else obs?.metrics.observeSwitchoverUnavailability(st.unavailableMs / 1000);
    },
  });
  await failover.start();
  const pkg = loadRaftdbProto();
  const kv = kvHandlers(ctx, failover.commitModes);
  server.addService(passThrough(tolerant(pkg.KV.service), () => raft.role !== 'leader'), kvService(ctx, failover.commitModes, kv));
  const statusExtras = (): Record<string, unknown> => {
    const f = failover.statusExtras();
    const d = dataSafetyStatus();
    const raised = alarmStatusTexts(sm.alarms(), opts.id, corruptDetail());
    const disk = { walBytes: wal.stats().bytes, walFsyncP99Ms: obs?.metrics.recentFsyncP99Ms() ?? 0 };
    return { ...f, ...d, ...disk, alarms: [...(f.alarms as string[]), ...raised], backendBytes: quota.backendBytes(), quotaBackendBytes: quota.quotaBytes, ...self.statusFields() };
  };
  const measure = async (): Promise<{ backendBytes: number }> => {
    await quota.measure();
    return { backendBytes: quota.backendBytes() };
  };
  server.addService(tolerant(pkg.Cluster.service), { ...clusterService(ctx, statusExtras), ...failover.service(), ...alarmService(ctx, measure) });
  server.addService(tolerant(pkg.Auth.service), authService(ctx));
  server.addService(tolerant(pkg.Maintenance.service), maintenanceService(ctx, { clusterId: opts.clusterId }));
  // grpcurl and other tools discover the client API without proto files (the peer protocol is not listed).
  new ReflectionService(raftdbPackageDefinition(), { services: ['raftdb.v1.KV', 'raftdb.v1.Cluster', 'raftdb.v1.Auth', 'raftdb.v1.Maintenance'] }).addToServer(server);
  healthService(server, () => raft.leader !== null);
  const authorizer = tls?.peersAuthenticated ? tlsPeerAuthorizer((der) => tls.provePeer(der), isMember) : MEMBERS_ONLY(isMember);
  const forward = { handler: forwardService(ctx, kv), limits: forwardServerLimits(limits, peerMessageBytes), onRefused: () => obs?.metrics.forward.recordForwardRefused('executing_full') };
  const raftService: RaftServiceHandle = registerRaftService(server, { selfId: opts.id, clusterId: opts.clusterId, handlers: transport.handlersForServer(), logger: log, authorizer, forward });
  // A removed member's connections, or ones whose certificate a new CA no longer trusts, end.
  tls?.onChange(() => raftService.revalidate());
  // The node accepts connections itself, so that the gate sees each before grpc-js does.
  const injector = server.createConnectionInjector(tls ? tls.serverCredentials() : grpc.ServerCredentials.createInsecure());
  const listening = await listen(opts.listen, (socket) => {
    if (gate.admit(socket)) injector.injectConnection(socket);
  });
  const port = listening.port;
  driver.start();
  const archiveStore = opts.archive ? await archiveStoreOf(opts.archive.dir) : null;
  const archiveKey = opts.archive?.keyFile ? await loadKeyFile(opts.archive.keyFile) : null;
  const archiver = opts.archive && archiveStore
    ? new Archiver({ ...opts.archive, store: archiveStore, key: archiveKey, clusterId: opts.clusterId, memberId: opts.id }, sm, () => raft.role === 'leader', log)
    : null;
  archiver?.start();
  const hashPeers = opts.corruptionCheckIntervalMs ? new HashPeers(opts.id, raft, members, tls?.clientCredentials()) : null;
  const check = hashPeers
    ? new CorruptionCheck({
        selfId: opts.id,
        revision: () => sm.revision(),
        localHash: async (r) => (await sm.hashKv(r)).hash,
        peers: () => hashPeers.peers(),
        log,
        onMismatch: () => obs?.metrics.recordHashMismatch(),
        // The same alarm machinery as NOSPACE: through the log, listed by every member, disarmed by an operator.
        raised: () => sm.alarms().some((a) => a.memberId === opts.id && a.alarm === 'CORRUPT'),
        raise: () => raiseAlarm(ctx, opts.id, 'CORRUPT', 5000),
      })
    : null;
  check?.start(opts.corruptionCheckIntervalMs!);
  corruptDetail = () => check?.detail() ?? null;
  const scheduler = opts.backupSchedule ? new BackupScheduler({ ...opts.backupSchedule, clusterId: opts.clusterId, memberId: opts.id }, sm, () => raft.role === 'leader', log) : null;
  await scheduler?.start();
  dataSafetyStatus = () => {
    const a = archiver?.status();
    const b = scheduler?.status().last;
    return {
      ...(a ? { archiveActive: a.active, archiveLastRevision: a.lastArchivedRevision, archiveLagSeconds: a.lagSeconds } : {}),
      ...(b ? { lastBackupAtMs: b.atMs, lastBackupRevision: b.revision ?? 0, lastBackupError: b.error ?? '' } : {}),
    };
  };
  await quota.start();
  obs = await startObservability({
    opts,
    ctx,
    wal,
    transport,
    failover,
    tickMs: TICK_MS,
    fatalError: () => fatalMessage,
    tls,
    dataSafety: () => ({
      ...(archiver ? { archiveLagSeconds: archiver.status().lagSeconds } : {}),
      corrupt: corruptReadiness(sm.alarms(), opts.id, check),
      ...(scheduler ? { backup: backupMetrics(scheduler.status()) } : {}),
    }),
  });
  obs.metrics.forward.bind({ inFlight: () => forwardInFlight(transport), readsWaiting: () => ctx.followerReads.size });
  log.info({ listen: opts.listen, port, peers: Object.fromEntries(members.entries()) }, 'raftdb node started');

  let closing: Promise<void> | null = null;
  const running: RunningNode = {
    id: opts.id,
    address: opts.listen.replace(/:0$/, `:${port}`),
    port,
    raft,
    commitMode: () => failover.commitConfig().mode,
    reloadCertificates: (why) => tls?.reload(why),
    close: () => (closing ??= shutdown()),
    fatal: fatalStop,
    removed: removedStop,
  };
  markStarted();
  async function shutdown(): Promise<void> {
    // A leader hands over first, so clients see a short switchover rather than a failover.
    if (raft.role === 'leader' && raft.conf().voters.length > 1) {
      await failover.switchover.run({ reason: 'step-down' }).catch((err: Error) => {
        // No other voter reachable (the whole cluster stopping, say) is expected; anything else is not.
        if (err instanceof NoCandidateError && err.nobodyReachable) log.info({ why: err.message }, 'stopping without a handover: no other voter can take over');
        else log.warn({ err: err.message }, 'no handover on shutdown');
      });
    }
    failover.stop();
    quota.stop();
    eventLoop.stop();
    await obs?.close();
    driver.stop('node shutting down');
    await driver.applied(); // a batch being written finishes before LevelDB closes
    await archiver?.stop();
    await scheduler?.stop();
    await check?.stop();
    hashPeers?.close();
    await driver.flushHardState().catch((err: Error) => log.warn({ err }, 'could not save the final hard state'));
    raftService.close();
    ctx.streams.closeAll('node shutting down; reconnect to another node');
    listening.close();
    await shutdownServer(server, SERVER_SHUTDOWN_GRACE_MS);
    ctx.toLeader.close();
    await transport.close();
    await wal.close();
    await sm.close();
    await audit?.close();
    tls?.close();
    log.info('raftdb node stopped');
  }
  return running;
}

/** How long in-flight unary calls get to finish on shutdown before they are cancelled. */
const SERVER_SHUTDOWN_GRACE_MS = 5_000;

/** Graceful gRPC shutdown, forced after `graceMs` so a stuck call cannot hold the node up. */
function shutdownServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Rebuilds what the Raft core needs from the WAL and the state machine (null for a new node). */
async function restartState(wal: Wal, sm: StateMachine): Promise<RestartState | null> {
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

function peersOf(members: MemberDirectory, self: string): Map<string, string> {
  const m = members.entries();
  m.delete(self);
  return m;
}

/** The scheduled-backup gauges from the scheduler's status. */
function backupMetrics(s: ScheduleStatus): { lastSuccessSeconds: number; durationSeconds: number; bytes: number; periodSeconds: number } {
  const ok = s.last?.ok ? s.last : null;
  return { lastSuccessSeconds: s.lastSuccessMs / 1000, durationSeconds: ok?.seconds ?? 0, bytes: ok?.bytes ?? 0, periodSeconds: s.periodSeconds };
}
