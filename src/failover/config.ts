import { invalidArgument } from '../common/errors.js';
import type { WireCommitMode } from '../common/vocabulary.js';

/** A commit mode the cluster can be set to: kv.proto's names but DEFAULT (which means "this setting"). */
export type CommitMode = Exclude<WireCommitMode, 'DEFAULT'>;
export type SyncPolicy = 'degrade' | 'strict';

/** The cluster's commit-mode settings, replicated through the log (setMeta COMMIT_CONFIG_META). */
export interface CommitConfig {
  mode: CommitMode;
  /** What SYNC does when a voter does not confirm within syncTimeoutMs. */
  syncPolicy: SyncPolicy;
  syncTimeoutMs: number;
  /** SEMI_SYNC also waits for this many followers to hold the entry (0: Raft majority only). */
  minSyncReplicas: number;
}

export const COMMIT_CONFIG_META = 'commitConfig';
export const DEFAULT_COMMIT_CONFIG: CommitConfig = { mode: 'SEMI_SYNC', syncPolicy: 'degrade', syncTimeoutMs: 1000, minSyncReplicas: 0 };

/** Failover behaviour of one node (flags of `raftdb serve`; give every node the same values). */
export interface FailoverOptions {
  /** The node that should lead when healthy; failback moves leadership back to it. */
  preferredLeader: string | null;
  autoFailback: boolean;
  /** How long the preferred node must be healthy and caught up before an automatic failback. */
  failbackDelayMs: number;
  /** A switchover candidate may lag at most this many entries when it starts. */
  maxLagEntries: number;
  /** Bound on waiting for the candidate to match the leader's last index. */
  catchUpTimeoutMs: number;
}

export const DEFAULT_FAILOVER_OPTIONS: FailoverOptions = {
  preferredLeader: null,
  autoFailback: false,
  failbackDelayMs: 10_000,
  maxLagEntries: 1000,
  catchUpTimeoutMs: 2000,
};

/** Merges a replicated config record over the defaults, ignoring anything malformed. */
export function parseCommitConfig(v: unknown): CommitConfig {
  const c = (v && typeof v === 'object' ? v : {}) as Partial<CommitConfig>;
  return {
    mode: c.mode === 'SYNC' || c.mode === 'ASYNC' || c.mode === 'SEMI_SYNC' ? c.mode : DEFAULT_COMMIT_CONFIG.mode,
    syncPolicy: c.syncPolicy === 'strict' ? 'strict' : 'degrade',
    syncTimeoutMs: Number.isSafeInteger(c.syncTimeoutMs) && c.syncTimeoutMs! > 0 ? c.syncTimeoutMs! : DEFAULT_COMMIT_CONFIG.syncTimeoutMs,
    minSyncReplicas: Number.isSafeInteger(c.minSyncReplicas) && c.minSyncReplicas! >= 0 ? c.minSyncReplicas! : 0,
  };
}

/** Validates a SetCommitMode request into a config (fields left at zero keep the current value). */
export function commitConfigFrom(
  req: { mode: string; syncPolicy: string; syncTimeoutMs: number; minSyncReplicas: number },
  current: CommitConfig,
): CommitConfig {
  if (req.mode !== 'SYNC' && req.mode !== 'SEMI_SYNC' && req.mode !== 'ASYNC') {
    throw invalidArgument('mode', 'must be SYNC, SEMI_SYNC or ASYNC');
  }
  if (req.syncPolicy && req.syncPolicy !== 'degrade' && req.syncPolicy !== 'strict') {
    throw invalidArgument('sync_policy', 'must be "degrade" or "strict"');
  }
  if (req.syncTimeoutMs && (req.syncTimeoutMs < 10 || req.syncTimeoutMs > 600_000)) {
    throw invalidArgument('sync_timeout_ms', 'must be between 10 and 600000');
  }
  if (req.minSyncReplicas > 6) throw invalidArgument('min_sync_replicas', 'must be at most 6');
  return {
    mode: req.mode,
    syncPolicy: (req.syncPolicy || current.syncPolicy) as SyncPolicy,
    syncTimeoutMs: req.syncTimeoutMs || current.syncTimeoutMs,
    minSyncReplicas: req.minSyncReplicas,
  };
}
