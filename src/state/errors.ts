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
