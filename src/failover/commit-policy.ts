// The contract between the write path (src/server/kv-service.ts) and the commit modes: the
// service proposes a write, then asks the policy when to answer. Declared here, by the layer that
// implements it, so the server imports the failover controller and never the other way round.
import type { WireCommitMode } from '../common/vocabulary.js';
import type { ApplyResult, CommandResult } from '../state/index.js';

/**
 * How a write is acknowledged under a commit mode. The failover controller installs the real
 * policy (SYNC, SEMI_SYNC, ASYNC); without it every write waits for Raft commit and apply.
 */
export interface CommitPolicy {
  /**
   * `needsResult`: the answer depends on applying the command (a txn's compare, a delete's
   * count), so it cannot be acknowledged before apply even in ASYNC mode.
   */
  acknowledge(mode: WireCommitMode, index: number, applied: Promise<ApplyResult>, deadline: Date, needsResult: boolean): Promise<CommandResult | null>;
  /** Whether the write is acknowledged before any follower holds it, so its replication may wait a little. */
  acknowledgedBeforeReplication(mode: WireCommitMode, needsResult: boolean): boolean;
}
