// Public surface of the WAL: the Wal class, operator repair, and the typed errors.
import { Wal } from './wal.js';
import type { WalRepair } from './recovery.js';

export { Wal, type WalOptions, type WalRestartState, type WalStats } from './wal.js';
export type { WalRepair } from './recovery.js';
export {
  WalError,
  WalCorruptionError,
  WalStateLostError,
  WalCompactedError,
  WalUnavailableError,
  WalUsageError,
  WalClosedError,
  WalFailedError,
  WalIoError,
} from './errors.js';

/**
 * Operator repair (`raftdb repair`): cuts the WAL in `dir` at its first corruption and deletes
 * everything after it, so the node can start. Entries after the damage are lost on this node;
 * Raft re-replicates them from the leader if a majority still holds them. Returns what changed.
 */
export function repairWal(dir: string): Promise<WalRepair[]> {
  return Wal.repair(dir);
}
