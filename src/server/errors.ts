import * as grpc from '@grpc/grpc-js';
import { InvalidRequestError, NotLeaderError, ProposalDroppedError } from '../raft/index.js';
import { CompactedError, FutureRevisionError, InvalidArgumentError, NO_SPACE_MESSAGE, type CommandResult } from '../state/index.js';
import { AuthError } from '../auth/index.js';
import { RequestError, isStatusCode } from '../common/errors.js';

// The typed request errors live in src/common/errors.ts (the failover controller raises them
// too); this module is where they, and everything else thrown, become gRPC statuses.
export { RequestError, LeadershipLostError, NodeStoppedError, invalidArgument, unavailable, isStatusCode, Status, type StatusCode } from '../common/errors.js';

const AUTH_STATUS: Record<AuthError['kind'], grpc.status> = {
  unauthenticated: grpc.status.UNAUTHENTICATED,
  permissionDenied: grpc.status.PERMISSION_DENIED,
  busy: grpc.status.RESOURCE_EXHAUSTED,
  behind: grpc.status.UNAVAILABLE,
  notEnabled: grpc.status.FAILED_PRECONDITION,
};

/** The one place where every internal error becomes a gRPC status (with a readable message). */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  const e = toRequestError(err);
  const metadata = new grpc.Metadata();
  if (e.leaderAddress) metadata.set('raftdb-leader', e.leaderAddress);
  // gRPC's standard retry hint, honoured by clients with a retry policy.
  if (e.retryAfterMs !== undefined) metadata.set('grpc-retry-pushback-ms', String(e.retryAfterMs));
  return { code: e.code, details: e.message, message: e.message, metadata };
}

/** The status a client should see for anything thrown in the request path. */
export function toRequestError(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  if (err instanceof NotLeaderError) {
    return new RequestError(grpc.status.UNAVAILABLE, err.message);
  }
  if (err instanceof ProposalDroppedError) return new RequestError(grpc.status.UNAVAILABLE, err.message);
  if (err instanceof InvalidRequestError) return new RequestError(grpc.status.FAILED_PRECONDITION, err.message);
  if (err instanceof CompactedError) return new RequestError(grpc.status.OUT_OF_RANGE, err.message);
  if (err instanceof FutureRevisionError) return new RequestError(grpc.status.OUT_OF_RANGE, err.message);
  if (err instanceof InvalidArgumentError) return new RequestError(grpc.status.INVALID_ARGUMENT, err.message);
  if (err instanceof AuthError) return new RequestError(AUTH_STATUS[err.kind], err.message);
  const code = (err as { code?: unknown })?.code;
  // Errors from a forwarded call to the leader already carry a gRPC status: pass it through.
  if (isStatusCode(code)) {
    const se = err as grpc.ServiceError;
    const leader = se.metadata?.get('raftdb-leader')[0];
    const pushback = Number(se.metadata?.get('grpc-retry-pushback-ms')[0]);
    return new RequestError(code, se.details ?? String(err), typeof leader === 'string' && leader ? leader : undefined, Number.isSafeInteger(pushback) && pushback >= 0 ? pushback : undefined);
  }
  return new RequestError(grpc.status.INTERNAL, `internal error: ${(err as Error)?.message ?? String(err)}`);
}

/** The status of a command the state machine refused (its error result). */
export function commandError(res: Extract<CommandResult, { type: 'error' }>): RequestError {
  switch (res.code) {
    case 'invalidCommand':
      return new RequestError(grpc.status.INVALID_ARGUMENT, res.message);
    case 'tooManyKeys':
      return new RequestError(grpc.status.RESOURCE_EXHAUSTED, res.message);
    case 'staleRequest':
      return new RequestError(grpc.status.FAILED_PRECONDITION, `stale request id: ${res.message}`);
    case 'resultNotRetained':
      return new RequestError(grpc.status.ALREADY_EXISTS, `already applied: ${res.message}`);
    case 'permissionDenied':
      return new RequestError(grpc.status.PERMISSION_DENIED, `permission denied: ${res.message}`);
    case 'unauthenticated':
      return new RequestError(grpc.status.UNAUTHENTICATED, res.message);
    case 'notFound':
      return new RequestError(grpc.status.NOT_FOUND, res.message);
    case 'alreadyExists':
      return new RequestError(grpc.status.ALREADY_EXISTS, res.message);
    case 'refused':
      return new RequestError(grpc.status.FAILED_PRECONDITION, res.message);
    case 'sessionsFull':
      return new RequestError(grpc.status.RESOURCE_EXHAUSTED, res.message);
    case 'noSpace':
      return noSpaceError('a NOSPACE alarm is active');
  }
}

/** RESOURCE_EXHAUSTED "database space exceeded: <why>; <what to do>". */
export function noSpaceError(why: string): RequestError {
  return new RequestError(
    grpc.status.RESOURCE_EXHAUSTED,
    `${NO_SPACE_MESSAGE}: ${why}; writes that add data are refused (reads, deletes and compaction work) until space is freed and the alarm is disarmed (raftdb alarm disarm; see docs/operations.md)`,
  );
}

