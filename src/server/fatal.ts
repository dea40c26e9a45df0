// What a node says when it stops on an unrecoverable error: one fatal log line that names the
// failing file and what to do, and the error that `raftdb serve` turns into its exit code.
import { RaftInvariantError } from '../raft/index.js';
import { StateInvariantError, StateStorageError } from '../state/index.js';
import { WalFailedError } from '../wal/index.js';

/** The fields and message of the fatal log line for `err`. */
export function fatalReport(err: Error): { fields: Record<string, unknown>; message: string } {
  if (err instanceof WalFailedError && err.file !== undefined) {
    const fields = { err, path: err.file, code: err.code };
    if (err.code === 'ENOSPC') {
      return { fields, message: `node stopped: the disk holding ${err.file} is full (ENOSPC); nothing it could not persist was acknowledged. Free space, then restart the node: it catches up from the leader` };
    }
    return { fields, message: `node stopped: the write-ahead log failed at ${err.file} (${err.code ?? 'I/O error'}); restart the node once the disk is fixed` };
  }
  if (err instanceof StateStorageError) {
    // The cause's message names LevelDB's file; the path is the state directory it belongs to.
    if (err.diskFull) {
      return { fields: { err, path: err.path, code: 'ENOSPC' }, message: `node stopped: the disk holding ${err.path} is full (${err.cause.message}); the entries are in the WAL and are applied again at restart. Free space, then restart the node` };
    }
    return { fields: { err, path: err.path }, message: `node stopped: the state machine's LevelDB failed in ${err.path} (${err.cause.message}); restart the node once the disk is fixed` };
  }
  if (err instanceof RaftInvariantError || err instanceof StateInvariantError) {
    return { fields: { err }, message: `node stopped: an invariant is broken (${err.message}); this is a bug, the node stops rather than risk its data: report it with this log` };
  }
  // Any other file-system failure (installing a snapshot's directory, say) carries its path and errno.
  const fsErr = err as NodeJS.ErrnoException;
  if (typeof fsErr.path === 'string' && typeof fsErr.code === 'string') {
    const fields = { err, path: fsErr.path, code: fsErr.code };
    if (fsErr.code === 'ENOSPC') return { fields, message: `node stopped: the disk holding ${fsErr.path} is full (ENOSPC). Free space, then restart the node` };
    return { fields, message: `node stopped: ${fsErr.syscall ?? 'a file operation'} failed on ${fsErr.path} (${fsErr.code}); restart the node once the disk is fixed` };
  }
  return { fields: { err }, message: 'node stopped on an unrecoverable error' };
}

/** A running node stopped on a fatal error (the CLI exits with EXIT_FATAL). */
export class NodeFatalError extends Error {
  override readonly name = 'NodeFatalError';
  constructor(
    readonly nodeId: string,
    override readonly cause: Error,
  ) {
    super(`node ${nodeId} stopped on a fatal error: ${cause.message}`);
  }
}
