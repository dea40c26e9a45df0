import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { ReflectionService } from '@grpc/reflection';
import { loadRaftdbProto, raftdbPackageDefinition } from '../proto/load.js';
import type { RaftNode } from '../raft/index.js';
import { NodeTls } from '../tls/index.js';
import { DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC, DEFAULT_TRANSPORT_OPTIONS, GrpcPeerTransport, MAX_SNAPSHOT_CHUNK_BYTES, MEMBERS_ONLY, REAL_RATE_CLOCK, registerRaftService, tlsPeerAuthorizer, type RaftServiceHandle } from '../transport/index.js';
import { Archiver } from '../backup/archiver.js';
import { archiveStoreOf } from '../backup/archive-store.js';
import { loadKeyFile } from '../backup/keys.js';
import { CorruptionCheck, corruptReadiness } from '../backup/corruption-check.js';
import { BackupScheduler, type ScheduleStatus } from '../backup/scheduler.js';
import { composeNode, TICK_MS, type NodeCore } from '../node/compose.js';
import { HashPeers } from './hash-peers.js';
import { clusterService } from './cluster-service.js';
import { monotonicMs } from './clock.js';
import { checkDataDirIdentity, prepareDataDir } from './data-dir.js';
import { tolerant } from './decode.js';
import { passThrough } from './passthrough.js';
import { fatalReport, NodeFatalError } from './fatal.js';
import { Forwarder } from './forwarder.js';
import { DEFAULT_LIMITS, maxGrpcMessageBytes, peerMessageBytesFor } from './kv-convert.js';
import { kvService } from './kv-service.js';
import { maintenanceService } from './maintenance-service.js';
import { forwardInFlight, forwardServerLimits } from './peer-forward.js';
import { SnapshotStaging } from './snapshot-staging.js';
import type { NodeOptions, RunningNode } from './options.js';
import { healthService } from './health.js';
import { failoverService } from './failover-service.js';
import { NoCandidateError } from '../failover/index.js';
import { startObservability, type Observability } from './observability.js';
import { AuditLog } from '../auth/index.js';
import { authService } from './auth-service.js';
import { alarmService, alarmStatusTexts, raiseAlarm } from './alarm-service.js';
import { DEFAULT_CLIENT_LIMITS } from './client-limits.js';
import { ConnectionGate, httpStreamsSetting } from './connection-gate.js';
import { listen } from './listener.js';
import { raiseReceiveWindows } from './receive-windows.js';
import { intervalTicker } from './driver.js';
import { EventLoopMonitor } from './event-loop.js';
import { DEFAULT_HEAP_GROWING_PERCENT, HeapGrowth, v8HeapGrowthDeps } from '../node/heap-growth.js';
import { DEFAULT_SNAPSHOT_YIELD_OPTIONS, SnapshotYield } from '../node/snapshot-yield.js';
import { systemTimers } from '../common/timers.js';
import { DEFAULT_BACKUP_PACING } from '../backup/pacer.js';

/** Opens storage, rebuilds the Raft state it persisted and starts serving gRPC. */
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
  let reportRemoved!: () => void;
  const removedStop = new Promise<void>((resolve) => (reportRemoved = resolve));
  const removed = (how: string): void => {
    log.warn({ member: opts.id, term: raftRef?.term, how }, 'this member was removed from the cluster; stopping (its data directory is of no further use: delete it before adding the node again)');
    // The process that runs the node (raftdb serve) closes it and exits EXIT_REMOVED.
    started.then(() => reportRemoved(), () => {});
  };
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const peerMessageBytes = peerMessageBytesFor(limits, DEFAULT_TRANSPORT_OPTIONS.maxMessageBytes);
  // Nothing a client or peer legitimately sends is bigger: a larger message is refused by gRPC
  // (RESOURCE_EXHAUSTED) before it is decoded, instead of costing tens of MiB to decode and drop.
  const clientLimits = { ...DEFAULT_CLIENT_LIMITS, ...opts.clientLimits };
  // Sampled on the Raft driver's tick timer (`ticker` below): one wake-up for both.
  const eventLoop = new EventLoopMonitor((seconds) => obs?.metrics.observeEventLoopDelay(seconds), false);
  // The process's V8 collects less often while its heap is small (src/node/heap-growth.ts).
  const heapGrowth = new HeapGrowth(
    opts.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT,
    v8HeapGrowthDeps(systemTimers, (active, used) =>
      log.info({ usedHeapBytes: used }, active ? "V8's heap growing factor applies again: the used heap is small" : "V8's own heap growing factor again: the used heap passed 256 MiB (--heap-growing-percent)"),
    ),
  );
  heapGrowth.start();
  // Snapshot sends slow down while this leader's client writes do (src/node/snapshot-yield.ts),
  // within the operator's limit; with the yield off, the transport keeps a fixed limit.
  const snapshotMaxRate = opts.snapshotSendBytesPerSec ?? DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC;
  const snapshotYield =
    opts.snapshotSendYield === false
      ? null
      : new SnapshotYield({ ...DEFAULT_SNAPSHOT_YIELD_OPTIONS, maxBytesPerSec: snapshotMaxRate }, MAX_SNAPSHOT_CHUNK_BYTES, REAL_RATE_CLOCK, {
          rate: (bytesPerSec) => obs?.metrics.snapshotSend.observeRate(bytesPerSec),
          liftedForCatchUp: () => obs?.metrics.snapshotSend.recordPaceLifted(),
        });
  const gate = new ConnectionGate(clientLimits, (limit) => obs?.metrics.recordLimitRefused(limit));
  // channelz bookkeeping costs CPU on every call and nobody reads it here.
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
  // Set when the node begins to stop (close()); the services read it before then.
  let closing: Promise<void> | null = null;
  // Declared before the services that report it; set once the driver runs.
  let dataSafetyStatus = (): Record<string, unknown> => ({});
  // This member's CORRUPT alarm as its corruption check saw it (the revision and the members it differs from).
  let corruptDetail = (): string | null => null;
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
  let raftService: RaftServiceHandle | null = null;
  // A member name is checked against the configuration once the node exists (certificates are
  // only presented after it starts serving).
  let isMemberNow = (_id: string): boolean => false;
  // The node's parts, on the real platform (src/node/compose.ts); the rest of this function is
  // the gRPC server and the modules plugged in around them.
  const core: NodeCore<GrpcPeerTransport> = await composeNode(opts, {
    log,
    wal: opts.wal ?? {},
    state: {
      ...(opts.stateMaxOpenFiles === undefined ? {} : { maxOpenFiles: opts.stateMaxOpenFiles }),
      ...(opts.stateWriteBufferBytes === undefined ? {} : { writeBufferBytes: opts.stateWriteBufferBytes }),
      ...(opts.stateCompression === undefined ? {} : { compression: opts.stateCompression }),
      ...(opts.watchHistoryMaxBytes === undefined ? {} : { watchHistoryMaxBytes: opts.watchHistoryMaxBytes }),
    },
    staging: new SnapshotStaging(join(opts.dataDir, 'snapshots'), {
      ...(opts.stateWriteBufferBytes === undefined ? {} : { writeBufferBytes: opts.stateWriteBufferBytes }),
      ...(opts.stateCompression === undefined ? {} : { compression: opts.stateCompression }),
    }),
    clock: monotonicMs,
    random: Math.random,
    ticker: eventLoop.sampling(intervalTicker(systemTimers)),
    transport: (handlers, peers) =>
      new GrpcPeerTransport({
        selfId: opts.id,
        clusterId: opts.clusterId,
        peers,
        logger: log,
        handlers,
        options: { maxMessageBytes: peerMessageBytes, snapshotSendBytesPerSec: snapshotMaxRate },
        ...(snapshotYield ? { snapshotPacer: snapshotYield } : {}),
        ...(tls?.peer ? { credentials: (peer: string) => tls.peerCredentials(peer)! } : {}),
      }),
    unaryForwarder: new Forwarder(tls?.clientCredentials()),
    metrics: () => obs?.metrics,
    eventLoopDelayMs: () => eventLoop.delayMs(),
    ...(snapshotYield ? { snapshotYield } : {}),
    authCertificates: {
      ...(tls ? { certificateUser: (der: Buffer) => tls.clientUser(der) } : {}),
      // Only a peer certificate proves a member: without peer TLS no forwarded user name is believed.
      ...(tls?.peersAuthenticated
        ? {
            isMemberCertificate: (der: Buffer | null) => {
              const proof = tls.provePeer(der ?? undefined);
              return 'names' in proof && proof.names.some((n) => isMemberNow(n));
            },
          }
        : {}),
    },
    ...(audit ? { audit } : {}),
    onConfChange: () => raftService?.revalidate(),
    onRemoved: removed,
    onFatal: fatal,
  });
  const { raft, wal, sm, driver, ctx, failover, kv, transport, members } = core;
  raftRef = raft;
  isMemberNow = core.isMember;
  const quota = ctx.quota;
  const pkg = loadRaftdbProto();
  server.addService(passThrough(tolerant(pkg.KV.service), () => raft.role !== 'leader'), kvService(ctx, failover.commitModes, kv));
  const statusExtras = (): Record<string, unknown> => {
    const f = failover.statusExtras();
    const d = dataSafetyStatus();
    const raised = alarmStatusTexts(sm.alarms(), opts.id, corruptDetail());
    const disk = { walBytes: wal.stats().bytes, walFsyncP99Ms: obs?.metrics.recentFsyncP99Ms() ?? 0 };
    return { ...f, ...d, ...disk, alarms: [...(f.alarms as string[]), ...raised], backendBytes: quota.backendBytes(), quotaBackendBytes: quota.quotaBytes, ...core.self.statusFields() };
  };
  const measure = async (): Promise<{ backendBytes: number }> => {
    await quota.measure();
    return { backendBytes: quota.backendBytes() };
  };
  server.addService(tolerant(pkg.Cluster.service), { ...clusterService(ctx, statusExtras, () => closing !== null), ...failoverService(ctx, failover), ...alarmService(ctx, measure) });
  server.addService(tolerant(pkg.Auth.service), authService(ctx));
  const pacing = { ...DEFAULT_BACKUP_PACING, lateMs: opts.backupYieldDelayMs ?? DEFAULT_BACKUP_PACING.lateMs, loopDelayMs: () => eventLoop.delayMs() };
  server.addService(tolerant(pkg.Maintenance.service), maintenanceService(ctx, { clusterId: opts.clusterId, pacing }));
  // grpcurl and other tools discover the client API without proto files (the peer protocol is not listed).
  new ReflectionService(raftdbPackageDefinition(), { services: ['raftdb.v1.KV', 'raftdb.v1.Cluster', 'raftdb.v1.Auth', 'raftdb.v1.Maintenance'] }).addToServer(server);
  healthService(server, () => raft.leader !== null);
  const isMember = core.isMember;
  const authorizer = tls?.peersAuthenticated ? tlsPeerAuthorizer((der) => tls.provePeer(der), isMember) : MEMBERS_ONLY(isMember);
  const forward = { handler: core.forwardHandler, limits: forwardServerLimits(limits, peerMessageBytes), onRefused: () => obs?.metrics.forward.recordForwardRefused('executing_full') };
  const service = registerRaftService(server, { selfId: opts.id, clusterId: opts.clusterId, incarnation: transport.incarnation, handlers: transport.handlersForServer(), logger: log, authorizer, forward });
  raftService = service;
  // A removed member's connections, or ones whose certificate a new CA no longer trusts, end.
  tls?.onChange(() => service.revalidate());
  // The node accepts connections itself, so that the gate sees each before grpc-js does.
  const injector = server.createConnectionInjector(tls ? tls.serverCredentials() : grpc.ServerCredentials.createInsecure());
  // HTTP/2's 64 KiB receive windows held clients of large values to a few writes per round trip.
  if (!raiseReceiveWindows(server)) log.warn("could not raise the gRPC server's HTTP/2 receive windows (grpc-js internals changed): clients of large values get 64 KiB per round trip");
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
  const scheduler = opts.backupSchedule ? new BackupScheduler({ ...opts.backupSchedule, clusterId: opts.clusterId, memberId: opts.id, pacing }, sm, () => raft.role === 'leader', log) : null;
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
    heapGrowth.stop();
    await obs?.close();
    driver.stop('node shutting down');
    await driver.applied(); // a batch being written finishes before LevelDB closes
    await driver.compactionSynced(); // and so does a compaction's sync
    await archiver?.stop();
    await scheduler?.stop();
    await check?.stop();
    hashPeers?.close();
    await driver.flushHardState().catch((err: Error) => log.warn({ err }, 'could not save the final hard state'));
    service.close();
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

/** The scheduled-backup gauges from the scheduler's status. */
function backupMetrics(s: ScheduleStatus): { lastSuccessSeconds: number; durationSeconds: number; bytes: number; periodSeconds: number } {
  const ok = s.last?.ok ? s.last : null;
  return { lastSuccessSeconds: s.lastSuccessMs / 1000, durationSeconds: ok?.seconds ?? 0, bytes: ok?.bytes ?? 0, periodSeconds: s.periodSeconds };
}
