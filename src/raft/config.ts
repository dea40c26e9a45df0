import type { NodeId } from './types.js';

/** A source of uniformly distributed numbers in [0, 1); injected so the core stays deterministic. */
export type RandomSource = () => number;

/** Tunables of one Raft node. Times are in ticks; the server ticks every `tickMs` (10 ms). */
export interface RaftConfig {
  id: NodeId;
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
  /** Ticks subtracted from the election timeout for lease reads, covering clock drift. */
  leaseSafetyTicks: number;
  /** Bound on proposals not yet committed; beyond it propose() refuses (back-pressure). */
  maxUncommittedEntries: number;
  /** Bound on outstanding ReadIndex requests. */
  maxPendingReads: number;
  random: RandomSource;
}

/** Defaults for a 10 ms tick: election 150–300 ms, heartbeat 50 ms. */
export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'random'> = {
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
  if (cfg.leaseSafetyTicks < 0 || cfg.leaseSafetyTicks >= cfg.electionTicks) {
    throw new Error('raft config: leaseSafetyTicks must be in [0, electionTicks)');
  }
  if (cfg.maxInflightMsgs < 1 || cfg.maxEntriesPerMsg < 1) {
    throw new Error('raft config: maxInflightMsgs and maxEntriesPerMsg must be >= 1');
  }
  return cfg;
}
