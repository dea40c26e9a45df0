// The JSON form of a failed command (-w json / --json): `{"error": {"code", "message", ...}}` on
// stdout, whatever failed, so a script reads one document either way. Codes: the server's gRPC
// status name (UNAVAILABLE, FAILED_PRECONDITION, ...), USAGE for bad usage, the verb's own for
// an expected failure (NOT_FOUND, UNHEALTHY, DEGRADED), FATAL and REMOVED for `serve`.
import { CommanderError } from 'commander';
import { RaftdbError } from '../client/index.js';
import { NodeFatalError } from '../server/index.js';
import { LocalClusterError } from '../cluster/local-cluster.js';
import { CliFailure, MemberRemovedError, UsageError } from './common.js';

/** The document printed for `err`, which made the command exit with `exitCode`. */
export function errorDocument(err: unknown, exitCode: number): Record<string, unknown> {
  const base = { exitCode };
  if (err instanceof CommanderError) return { error: { code: 'USAGE', message: err.message.replace(/^error: /, ''), ...base } };
  if (err instanceof UsageError) return { error: { code: 'USAGE', message: err.message, ...base } };
  if (err instanceof RaftdbError) {
    return {
      error: {
        code: err.code,
        message: err.details,
        attempts: err.attempts,
        ...(err.leader ? { leader: err.leader } : {}),
        ...(err.diagnosis ? { diagnosis: err.diagnosis } : {}),
        ...base,
      },
    };
  }
  if (err instanceof CliFailure) return { ...err.fields, error: { code: err.code, message: err.message, ...base } };
  // `raftdb dev` and `bench --start-cluster` whose nodes did not start: an expected failure too.
  if (err instanceof LocalClusterError) return { error: { code: 'FAILED', message: err.message, ...base } };
  if (err instanceof MemberRemovedError) return { error: { code: 'REMOVED', message: err.message, ...base } };
  if (err instanceof NodeFatalError) return { error: { code: 'FATAL', message: err.message, ...base } };
  const message = err instanceof Error ? err.message : String(err);
  return { error: { code: 'UNKNOWN', message, ...base } };
}
