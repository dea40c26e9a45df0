// The one place where gRPC failures become client errors, and where we decide which of them a
// retry can fix. Everything the client throws is a RaftdbError so callers switch on `code`.
import { Metadata, status } from '@grpc/grpc-js';
import type { ClusterDiagnosis } from './diagnose.js';

/** gRPC status names ('UNAVAILABLE', 'INVALID_ARGUMENT', ...), used as RaftdbError codes. */
export type RaftdbErrorCode = keyof typeof status;

/** Trailer a follower sets to the leader's 'host:port' when it refuses a request. */
export const LEADER_TRAILER = 'raftdb-leader';

/** A failed request: the gRPC status, the server's details and, if known, the leader's address. */
export class RaftdbError extends Error {
  override readonly name = 'RaftdbError';
  /** The gRPC status name. */
  readonly code: RaftdbErrorCode;
  /** The numeric gRPC status. */
  readonly grpcCode: number;
  /** The server's (or the client's) explanation. */
  readonly details: string;
  /** The leader a follower pointed at, when it sent one. */
  readonly leader: string | undefined;
  /** How many attempts were made before giving up (1 when the error was not retried). */
  readonly attempts: number;
  /** Set when no leader could be reached: what the endpoints said (quorum lost, no leader, none reachable). */
  readonly diagnosis: ClusterDiagnosis | undefined;

  constructor(grpcCode: number, details: string, opts: { leader?: string; attempts?: number; cause?: unknown; diagnosis?: ClusterDiagnosis } = {}) {
    const code = codeName(grpcCode);
    super(`${code}: ${details}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.grpcCode = grpcCode;
    this.details = details;
    this.leader = opts.leader;
    this.attempts = opts.attempts ?? 1;
    this.diagnosis = opts.diagnosis;
  }

  /** The same error, recording how many attempts led to it. */
  withAttempts(attempts: number): RaftdbError {
    return new RaftdbError(this.grpcCode, this.details, { leader: this.leader, attempts, cause: this.cause, ...(this.diagnosis ? { diagnosis: this.diagnosis } : {}) });
  }
}

function codeName(grpcCode: number): RaftdbErrorCode {
  const name = (status as unknown as Record<number, string | undefined>)[grpcCode];
  return (name ?? 'UNKNOWN') as RaftdbErrorCode;
}

/** A client-side argument error, raised before anything is sent. */
export function invalidArgument(details: string): RaftdbError {
  return new RaftdbError(status.INVALID_ARGUMENT, details);
}

interface GrpcLikeError {
  code: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

function isGrpcLike(err: unknown): err is GrpcLikeError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** Converts anything thrown by a gRPC call into a RaftdbError (idempotent). */
export function toRaftdbError(err: unknown): RaftdbError {
  if (err instanceof RaftdbError) return err;
  if (isGrpcLike(err)) {
    const leader = leaderFromMetadata(err.metadata);
    return new RaftdbError(err.code, err.details || err.message || 'request failed', { leader, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new RaftdbError(status.UNKNOWN, message, { cause: err });
}

/** The 'host:port' in the raftdb-leader trailer, if present and well-formed. */
export function leaderFromMetadata(md: Metadata | undefined): string | undefined {
  if (!md) return undefined;
  const [value] = md.get(LEADER_TRAILER);
  const text = typeof value === 'string' ? value.trim() : value?.toString('utf8').trim();
  return text && isEndpoint(text) ? text : undefined;
}

/** True for 'host:port' with a port in 1..65535 (host may be a bracketed IPv6 literal). */
export function isEndpoint(text: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}
