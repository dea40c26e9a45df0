// Typed WAL errors. The server maps them to gRPC codes in one place; the WAL only names them.

/** Base class so callers can tell WAL failures apart with one `instanceof`. */
export class WalError extends Error {
  override name = 'WalError';
}

/**
 * Damaged bytes somewhere other than a torn tail: the node must not start on it, because cutting
 * there could drop acknowledged entries. `repairWal` cuts at `offset` on explicit operator request.
 */
export class WalCorruptionError extends WalError {
  override name = 'WalCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`WAL corruption in ${file} at byte offset ${offset}: ${reason}`);
  }
}

/** The state file (term, vote, snapshot point) is gone while the log remains: the node must not start. */
export class WalStateLostError extends WalError {
  override name = 'WalStateLostError';
}

/** The requested index was compacted away (it is covered by the snapshot). */
export class WalCompactedError extends WalError {
  override name = 'WalCompactedError';
  constructor(readonly index: number, readonly firstIndex: number) {
    super(`index ${index} is compacted (first available index is ${firstIndex})`);
  }
}

/** The requested index is past the end of the log. */
export class WalUnavailableError extends WalError {
  override name = 'WalUnavailableError';
  constructor(readonly index: number, readonly lastIndex: number) {
    super(`index ${index} is past the end of the log (last index is ${lastIndex})`);
  }
}

/** The caller broke a contract (non-contiguous entries, truncating committed entries, ...). */
export class WalUsageError extends WalError {
  override name = 'WalUsageError';
}

/** Operations after close(). */
export class WalClosedError extends WalError {
  override name = 'WalClosedError';
  constructor() {
    super('WAL is closed');
  }
}

/**
 * One file operation of the WAL failed (a full disk, an I/O error): names the file and the
 * operation, so the operator learns which disk to look at, and keeps the system error's code.
 */
export class WalIoError extends WalError {
  override name = 'WalIoError';
  /** The system error code, e.g. 'ENOSPC' or 'EIO' (undefined when the cause had none). */
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    readonly op: string,
    override readonly cause: unknown,
  ) {
    super(`${op} of ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** Rejects with a WalIoError naming `file` when `work` fails (already named errors pass through). */
export async function naming<T>(file: string, op: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw err instanceof WalIoError ? err : new WalIoError(file, op, err);
  }
}

/**
 * A write or fsync failed. The WAL refuses all further work: after a failed fsync the page cache
 * may have dropped the dirty pages, so retrying could report durability that never happened
 * ("fsyncgate", PostgreSQL 2018). The node must restart and recover from disk.
 */
export class WalFailedError extends WalError {
  override name = 'WalFailedError';
  constructor(override readonly cause: unknown) {
    super(`WAL failed and must be reopened: ${cause instanceof Error ? cause.message : String(cause)}`);
  }

  /** The file whose operation failed, when known. */
  get file(): string | undefined {
    return this.cause instanceof WalIoError ? this.cause.file : undefined;
  }

  /** The system error code of the failure (e.g. 'ENOSPC'), when known. */
  get code(): string | undefined {
    return this.cause instanceof WalIoError ? this.cause.code : undefined;
  }
}
