import type { NodeId } from './types.js';

/** A source of uniformly distributed numbers in [0, 1); injected so the core stays deterministic. */
export type RandomSource = () => number;

/** Tunables of one Raft node. Times are in ticks; the server ticks every `tickMs` (10 ms). */
export interface RaftConfig {
  id: NodeId;
  /**
   * The host's tick interval. The core counts ticks for its timers, but a lease is judged on
   * the host's monotonic clock (times given with `tick` and `leaseRead`): this converts.
   */
  tickMs: number;
  /** Base election timeout; each wait is drawn from [electionTicks, 2 * electionTicks). */
  electionTicks: number;
  heartbeatTicks: number;
  /** Pre-vote (thesis §9.6): a partitioned node rejoining cannot disrupt a healthy leader. */
  preVote: boolean;
  /** A leader that has not heard from a quorum for an election timeout steps down. */
  checkQuorum: boolean;
  /** 0 means this node never campaigns (it can still vote and replicate). */
  priority: number;
  /** Flow control per follower: messages and bytes of entries in flight. */
  maxInflightMsgs: number;
  maxInflightBytes: number;
  /** Upper bound on one AppendEntries message's entry bytes (at least one entry is always sent). */
  maxMsgBytes: number;
  maxEntriesPerMsg: number;
  /** Upper bound on the committed entries handed out by one Ready. */
  maxCommittedBytesPerReady: number;
  /**
   * Ticks subtracted from the election timeout for lease reads: one for the follower's tick
   * phase, the rest is the drift bound (see `leaseDurationMs`). Also the tick-gap threshold.
   */
  leaseSafetyTicks: number;
  /** Bound on proposals not yet committed; beyond it propose() refuses (back-pressure). */
  maxUncommittedEntries: number;
  /** Bound on outstanding ReadIndex requests. */
  maxPendingReads: number;
  random: RandomSource;
}

/** Defaults for a 10 ms tick: election 150–300 ms, heartbeat 50 ms. */
export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'random'> = {
  tickMs: 10,
  electionTicks: 15,
  heartbeatTicks: 5,
  preVote: true,
  checkQuorum: true,
  priority: 1,
  maxInflightMsgs: 64,
  maxInflightBytes: 8 * 1024 * 1024,
  maxMsgBytes: 1024 * 1024,
  maxEntriesPerMsg: 4096,
  maxCommittedBytesPerReady: 8 * 1024 * 1024,
  leaseSafetyTicks: 3,
  maxUncommittedEntries: 100_000,
  maxPendingReads: 100_000,
};

/** Fills in defaults and rejects settings under which Raft's timing assumptions break. */
export function makeRaftConfig(partial: Partial<RaftConfig> & Pick<RaftConfig, 'id' | 'random'>): RaftConfig {
  const cfg: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...partial };
  if (!cfg.id) throw new Error('raft config: id must be non-empty');
  if (cfg.heartbeatTicks < 1) throw new Error('raft config: heartbeatTicks must be >= 1');
  if (cfg.electionTicks <= cfg.heartbeatTicks) {
    throw new Error('raft config: electionTicks must be greater than heartbeatTicks');
  }
  if (!(cfg.tickMs > 0)) throw new Error('raft config: tickMs must be > 0');
  // At least one tick: a follower's tick phase alone can end its vote refusal a tick early.
  if (cfg.leaseSafetyTicks < 1 || cfg.leaseSafetyTicks >= cfg.electionTicks) {
    throw new Error('raft config: leaseSafetyTicks must be in [1, electionTicks)');
  }
  // Every bound must let at least one thing through: a byte window of 0 (or NaN) is full before
  // anything is sent, so replication would stall for good; 0 uncommitted entries refuses even a
  // new leader's no-op; 0 pending reads refuses every read. NaN compares false everywhere.
  for (const name of BOUNDS) {
    if (!(cfg[name] >= 1)) throw new Error(`raft config: ${name} must be >= 1, not ${cfg[name]}`);
  }
  return cfg;
}

/** The limits makeRaftConfig requires to be at least 1. */
const BOUNDS = ['maxInflightMsgs', 'maxInflightBytes', 'maxMsgBytes', 'maxEntriesPerMsg', 'maxCommittedBytesPerReady', 'maxUncommittedEntries', 'maxPendingReads'] as const;

/**
 * How long a leader lease lasts, counted on the leader's monotonic clock from the *send* time of
 * the heartbeat round a quorum acknowledged (thesis §6.4.1). A follower that acknowledged it
 * received it after that send time and refuses votes until its own electionTicks-th tick since;
 * its first tick can come at once, so that is at least (electionTicks - 1) ticks later: 140 ms
 * by default. The lease is (electionTicks - leaseSafetyTicks) ticks, 120 ms: the remaining
 * (leaseSafetyTicks - 1) ticks, 20 ms, are the drift bound — how much faster a follower's timer
 * may run than the leader's clock over those 140 ms (about 14 %) without two leaders serving.
 */
export function leaseDurationMs(cfg: RaftConfig): number {
  return (cfg.electionTicks - cfg.leaseSafetyTicks) * cfg.tickMs;
}

/**
 * Two ticks further apart than this — one tick interval plus the drift bound, 30 ms by default —
 * mean the node was not running in between (a pause, a frozen VM, a starved event loop): a
 * leader then serves no lease read until a quorum acknowledges a heartbeat round sent after it.
 */
export function tickGapMs(cfg: RaftConfig): number {
  return cfg.leaseSafetyTicks * cfg.tickMs;
}
