// The typed errors of the state machine. The server maps them to gRPC status codes in one place;
// everything here carries the data that mapping (and the client) needs, never just a message.

/** Base class so callers can tell state-machine errors from everything else with one instanceof. */
export abstract class StateError extends Error {
  abstract readonly code: string;
}

/** A request argument is malformed; `field` names it (gRPC INVALID_ARGUMENT names the field). */
export class InvalidArgumentError extends StateError {
  readonly code: string = 'invalidArgument';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidArgumentError';
  }
}

/** An entry's payload is not a command this version understands (corrupt or foreign bytes). */
export class InvalidCommandError extends InvalidArgumentError {
  override readonly code = 'invalidCommand';
  constructor(field: string, message: string) {
    super(field, message);
    this.name = 'InvalidCommandError';
  }
}

/** The requested revision is older than the oldest one still kept in the watch history. */
export class CompactedError extends StateError {
  readonly code = 'compacted';
  constructor(
    readonly requestedRevision: number,
    readonly oldestRevision: number,
  ) {
    super(`revision ${requestedRevision} is compacted; oldest available is ${oldestRevision}`);
    this.name = 'CompactedError';
  }
}

/** The requested revision has not been reached yet by this replica. */
export class FutureRevisionError extends StateError {
  readonly code = 'futureRevision';
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(`revision ${requestedRevision} is ahead of the current revision ${currentRevision}`);
    this.name = 'FutureRevisionError';
  }
}

/** A snapshot stream is malformed, truncated, or fails its checksum; nothing was installed. */
export class SnapshotError extends StateError {
  readonly code = 'snapshot';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/**
 * A broken invariant (gap in applied indexes, concurrent apply, failed batch write). The state
 * machine refuses further work: continuing could apply an entry twice or skip one.
 */
export class StateInvariantError extends StateError {
  readonly code = 'invariant';
  constructor(message: string) {
    super(message);
    this.name = 'StateInvariantError';
  }
}

/**
 * LevelDB failed in the state directory (a write or a read while applying: a full or failing
 * disk, a corrupt table). Fatal to the node: the in-memory state may be ahead of the disk, and
 * only a restart from the WAL makes them agree.
 */
export class StateStorageError extends StateError {
  readonly code = 'storage';
  /** Whether the disk is full. LevelDB reports errno only as strerror text in its message. */
  readonly diskFull: boolean;
  constructor(
    /** The state directory of the LevelDB that failed. */
    readonly path: string,
    /** What was being written: 'apply', 'sync', ... */
    readonly op: string,
    override readonly cause: Error,
  ) {
    super(`state machine ${op} failed in ${path}: ${cause.message}`);
    this.name = 'StateStorageError';
    const errno = (cause as NodeJS.ErrnoException).code;
    // The one place LevelDB's message is read: its binding turns the status into text with the
    // file and strerror(errno) ("IO error: <file>: No space left on device", code LEVEL_IO_ERROR).
    this.diskFull = errno === 'ENOSPC' || /no space left on device/i.test(cause.message);
  }
}

/**
 * `err` as a StateStorageError when LevelDB raised it (its binding's codes: LEVEL_IO_ERROR,
 * LEVEL_CORRUPTION, ...); anything else (the state machine's own errors, a bug) passes unchanged.
 */
export function storageError(path: string, op: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && !(err instanceof StateError) && typeof code === 'string' && code.startsWith('LEVEL_')) return new StateStorageError(path, op, err);
  return err;
}
