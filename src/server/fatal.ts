// What a node says when it stops on an unrecoverable error: one fatal log line that names the
// failing file and what to do, and the error that `raftdb serve` turns into its exit code.
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
  // LevelDB (the state machine) reports a full disk in its message, with the file's path.
  if (/no space left on device|ENOSPC/i.test(err.message)) {
    return { fields: { err, code: 'ENOSPC' }, message: `node stopped: a disk is full (${err.message}); nothing it could not persist was acknowledged. Free space, then restart the node` };
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
