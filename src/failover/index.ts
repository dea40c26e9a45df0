// The failover controller: commit modes, switchover, failback and the failover history, on top
// of one node's Raft driver (ARCHITECTURE.md, "Failover controller"). It reaches the node only
// through the ports of ports.ts; its gRPC methods are src/server/failover-service.ts.
import type { Logger } from 'pino';
import { monotonicMs, systemWallClock } from '../common/clock.js';
import { systemTimers } from '../common/timers.js';
import type { Entry, Message, SoftState } from '../raft/index.js';
import { encodeCommand, type ApplyResult } from '../state/index.js';
import { CommitModes } from './commit-modes.js';
import { COMMIT_CONFIG_META, DEFAULT_COMMIT_CONFIG, parseCommitConfig, type CommitConfig, type CommitMode, type FailoverOptions } from './config.js';
import { FailbackMonitor } from './failback.js';
import { FailoverHistory, type FailoverEvent, type FailoverReason } from './history.js';
import type { FailoverPorts } from './ports.js';
import { QuorumLossObserver, type QuorumLossEvent } from './quorum-loss.js';
import { QuorumLossRecorder } from './quorum-loss-record.js';
import { Switchover, type SwitchoverState } from './switchover.js';

export { DEFAULT_FAILOVER_OPTIONS, DEFAULT_COMMIT_CONFIG, type FailoverOptions, type CommitConfig, type CommitMode } from './config.js';
export { commitConfigFrom, COMMIT_CONFIG_META } from './config.js';
export { readHistory, type FailoverEvent, type FailoverReason } from './history.js';
export { QuorumLossReportError, quorumLossFromWire, readQuorumLosses, type QuorumLossEvent } from './quorum-loss.js';
export type { QuorumLossRecorder } from './quorum-loss-record.js';
export type { CommitPolicy } from './commit-policy.js';
export type { FailoverPorts, FailoverDriver, PeerCaller, PeerStatus, RaftView } from './ports.js';
export { NoCandidateError, Switchover, type SwitchoverState } from './switchover.js';

/** Hooks for metrics: every acknowledged write, leadership change and finished switchover. */
export interface FailoverObserver {
  writeAcked?(mode: CommitMode, seconds: number): void;
  leadershipChange?(e: FailoverEvent): void;
  /** A new period without a quorum was recorded (on the leader that recorded it). */
  quorumLoss?(e: QuorumLossEvent): void;
  switchoverFinished?(s: SwitchoverState, reason: FailoverReason): void;
}

/** One node's failover controller: the commit policy, switchover, failback and history. */
export class FailoverController {
  readonly commitModes: CommitModes;
  readonly history: FailoverHistory;
  readonly switchover: Switchover;
  readonly quorumLoss: QuorumLossObserver;
  readonly quorumLossRecorder: QuorumLossRecorder;
  private readonly failback: FailbackMonitor;
  private config: CommitConfig = DEFAULT_COMMIT_CONFIG;
  private stopped = false;
  /** Quorum-loss observations are stamped with wall-clock times, like history events. */
  private readonly wallClock: () => number;

  constructor(
    private readonly ports: FailoverPorts,
    readonly options: FailoverOptions,
    private readonly log: Logger,
    observer: FailoverObserver = {},
  ) {
    const { raft, driver } = ports;
    const clock = ports.clock ?? monotonicMs;
    const wallClock = (this.wallClock = ports.wallClock ?? systemWallClock);
    const timers = ports.timers ?? systemTimers;
    const putMeta = (name: string, value: unknown): Promise<void> => this.putMeta(name, value);
    this.history = new FailoverHistory({
      id: ports.id,
      log,
      // A read-modify-write of a replicated record: read it linearizably (ReadIndex), so that a
      // new leader sees every event its predecessors recorded, even the ones it had not applied
      // (or not yet learnt were committed) when it was elected, and its own latest one.
      getMeta: async (n) => {
        await driver.readBarrier(false);
        return ports.getMeta(n);
      },
      putMeta,
      onEvent: (e) => observer.leadershipChange?.(e),
      wallClock,
      timers,
    });
    const checkQuorumWindowMs = raft.cfg.electionTicks * raft.cfg.tickMs;
    this.quorumLoss = new QuorumLossObserver(ports.id, { checkQuorumWindowMs, electionTimeoutMs: ports.electionTimeoutMs });
    this.quorumLossRecorder = new QuorumLossRecorder({
      log,
      isLeader: () => raft.role === 'leader',
      leaderView: () => this.history.leaderView(),
      getMeta: async (n) => {
        await driver.readBarrier(false);
        return ports.getMeta(n);
      },
      putMeta,
      sendToLeader: async (e) => {
        const address = raft.leader ? ports.peers.address(raft.leader) : undefined;
        if (!address) throw new Error('no leader is known to report the quorum loss to');
        await ports.peers.reportQuorumLoss(address, e, new Date(wallClock() + 3000));
      },
      minLeaderlessMs: ports.electionTimeoutMs,
      onRecorded: (e) => observer.quorumLoss?.(e),
      timers,
    });
    this.commitModes = new CommitModes(raft, () => this.config, (mode, seconds) => {
      observer.writeAcked?.(mode, seconds);
    }, (missing) => log.warn({ missing }, 'sync degraded to semi-sync: voters did not confirm within the sync timeout'), clock, { timers, wallClock });
    this.switchover = new Switchover({
      raft,
      driver,
      holdRequests: () => ports.holdRequests(),
      peers: ports.peers,
      options,
      electionTimeoutMs: ports.electionTimeoutMs,
      log,
      putMeta,
      beforeHandover: () => this.history.flush(),
      onFinished: (s, reason) => observer.switchoverFinished?.(s, reason),
      timers,
      wallClock,
      clock,
    });
    this.failback = new FailbackMonitor(raft, this.switchover, options, log, timers, clock);
  }

  /** Proposes setMeta(name, value) as leader and waits until it is applied. */
  async putMeta(name: string, value: unknown): Promise<void> {
    const { result } = this.ports.driver.propose(encodeCommand({ type: 'setMeta', name, value }));
    await result;
  }

  /** Loads the replicated commit configuration and starts the failback monitor. */
  async start(): Promise<void> {
    this.config = parseCommitConfig(await this.ports.getMeta(COMMIT_CONFIG_META));
    this.failback.start();
  }

  /** Stops the failback monitor and drops an unrecorded election (the node is stopping). */
  stop(): void {
    this.stopped = true;
    this.failback.stop();
    this.history.stop();
    this.quorumLossRecorder.stop();
  }

  /** The commit configuration writes get now. */
  commitConfig(): CommitConfig {
    return this.config;
  }

  /** The core's role, term or leader changed. */
  onSoftState(ss: SoftState): void {
    this.history.onSoftState(ss);
    this.quorumLoss.onSoftState(ss, this.wallClock());
  }

  /** A message from a peer reached the core. */
  onPeerMessage(m: Message): void {
    const leader = this.ports.raft.leader;
    this.history.onPeerMessage(m, leader);
    if (leader !== null && m.from === leader && (m.type === 'heartbeat' || m.type === 'append')) this.quorumLoss.onLeaderContact(this.wallClock());
  }

  /** This node's log is durable up to `index`. */
  onDurable(index: number): void {
    this.commitModes.onDurable(index);
  }

  /** The core handled an input: followers' progress and the role may have moved. */
  onProgress(): void {
    this.commitModes.onProgress();
    if (this.switchover.busy) this.switchover.poke();
  }

  /** A batch was applied to the state machine. */
  onApplied(entries: readonly Entry[], results: readonly ApplyResult[]): void {
    this.commitModes.onApplied(entries);
    this.history.onApplied(entries);
    const lost = this.quorumLoss.onApplied(entries, this.wallClock());
    if (lost) this.quorumLossRecorder.report(lost);
    if (this.switchover.busy) this.switchover.poke();
    if (results.some((r) => r.result.type === 'setMeta')) {
      this.reloadConfig().catch((err: unknown) => {
        // Stopping: the state machine is closing under it, and nothing is lost. Otherwise writes
        // keep the previous commit mode until the next setMeta: the operator must know.
        if (!this.stopped) this.log.warn({ err }, 'could not reload the commit configuration after it changed; writes keep the previous one');
      });
    }
  }

  /** Re-reads the commit configuration once everything handed to the apply stage is written. */
  async reloadConfig(): Promise<void> {
    await this.ports.driver.applied();
    this.config = parseCommitConfig(await this.ports.getMeta(COMMIT_CONFIG_META));
  }

  /** Fields of the Status response owned by the failover controller. */
  statusExtras(): Record<string, unknown> {
    const st = this.commitModes.stats();
    const raft = this.ports.raft;
    const alarms: string[] = [];
    if (st.syncDegraded) alarms.push('sync is degraded to semi-sync: a voter is not confirming writes');
    if (raft.role === 'leader' && !raft.status().hasQuorum) alarms.push('the leader has lost contact with its quorum');
    const effective = this.config.mode === 'SYNC' && st.syncDegraded ? 'SEMI_SYNC' : this.config.mode;
    return {
      commitMode: this.config.mode,
      effectiveCommitMode: effective,
      syncDegraded: st.syncDegraded,
      ackedWritesByMode: st.ackedByMode,
      syncDegradations: st.syncDegradations,
      asyncLostWrites: st.asyncLost,
      switchover: this.switchover.current ?? this.switchover.last,
      alarms,
    };
  }
}
