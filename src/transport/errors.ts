// The transport's typed errors, mapped to gRPC status codes in one place (toStatus).
import * as grpc from '@grpc/grpc-js';
import { PeerIdentityError } from './peer-auth.js';

/** A peer sent bytes that are not a well-formed Raft message or batch: INVALID_ARGUMENT. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/** A well-formed message that is not for this node (other cluster, other node id): FAILED_PRECONDITION. */
export class ForeignMessageError extends Error {
  override readonly name = 'ForeignMessageError';
}

/** The node is shutting down and ends peers' calls: UNAVAILABLE, so that they reconnect later. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
}

/** The gRPC status a handler answers with for `err`. Unknown errors are INTERNAL, never a crash. */
export function toStatus(err: unknown): Partial<grpc.StatusObject> {
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof InvalidMessageError) return { code: grpc.status.INVALID_ARGUMENT, details };
  if (err instanceof ForeignMessageError) return { code: grpc.status.FAILED_PRECONDITION, details };
  if (err instanceof TransportClosedError) return { code: grpc.status.UNAVAILABLE, details };
  if (err instanceof PeerIdentityError) return { code: err.unauthenticated ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED, details };
  return { code: grpc.status.INTERNAL, details };
}

/** A short description of any thrown value, for logs and PeerStats.lastError. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
