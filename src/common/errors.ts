// Errors with the status a client should see, raised by any layer that answers requests (the
// gRPC services in src/server, the failover controller in src/failover). They carry the canonical
// status numbers, not @grpc/grpc-js's enum, so a layer can raise them without importing gRPC;
// src/server/errors.ts maps everything to gRPC in one place (toServiceError).

/**
 * The canonical status codes (google.rpc.Code), which gRPC uses with the same numbers:
 * test/common/errors.test.ts checks each against @grpc/grpc-js's `status`.
 */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One of the canonical status codes (a gRPC status number). */
export type StatusCode = (typeof Status)[keyof typeof Status];

/** Whether `code` is one of the canonical status numbers (e.g. one a peer's answer carried). */
export function isStatusCode(code: unknown): code is StatusCode {
  return typeof code === 'number' && Number.isInteger(code) && code >= Status.OK && code <= Status.UNAUTHENTICATED;
}

/** An error with the status a client should see; thrown anywhere in the request path. */
export class RequestError extends Error {
  constructor(
    readonly code: StatusCode,
    message: string,
    /** For FAILED_PRECONDITION on a follower: the leader's client address. */
    readonly leaderAddress?: string,
    /** For a request shed under load: when to retry (the grpc-retry-pushback-ms trailer). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * A request this node accepted as leader and could not finish because it stopped leading (a
 * read not yet confirmed). UNAVAILABLE if it reaches the client; an idempotent request may
 * instead be asked again, which passes it on to the new leader.
 */
export class LeadershipLostError extends RequestError {
  constructor(why: string) {
    super(Status.UNAVAILABLE, why);
    this.name = 'LeadershipLostError';
  }
}

/**
 * The node's driver stopped (shut down, or a fatal error, which was logged when it happened):
 * UNAVAILABLE to a client, which tries another member; a peer's message to it is dropped.
 */
export class NodeStoppedError extends RequestError {
  constructor() {
    super(Status.UNAVAILABLE, 'node is stopped');
    this.name = 'NodeStoppedError';
  }
}

/** INVALID_ARGUMENT naming the field: "<field>: <why>". */
export const invalidArgument = (field: string, why: string): RequestError =>
  new RequestError(Status.INVALID_ARGUMENT, `${field}: ${why}`);

/** UNAVAILABLE with the reason. */
export const unavailable = (why: string): RequestError => new RequestError(Status.UNAVAILABLE, why);
