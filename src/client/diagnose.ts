// Why no leader could be reached, in words an operator can act on. When a call that needs the
// leader fails with UNAVAILABLE or DEADLINE_EXCEEDED, the client asks every endpoint it knows for
// its Status (one short attempt each, in parallel) and turns the answers into one line:
//   quorum lost: 1 of 3 members reachable (n3); last leader n2 at term 7
// The gRPC error alone ("No connection established ... ECONNREFUSED 127.0.0.1:7002") names
// whichever endpoint was tried last, which is rarely the cause.
import * as grpc from '@grpc/grpc-js';
import { RaftdbError, toRaftdbError } from './errors.js';

/** What the endpoints said, as the error carries it (`RaftdbError.diagnosis`). */
export interface ClusterDiagnosis {
  /** 'quorum-lost': fewer than a majority of voters reachable; 'no-leader': a majority is up but none leads (an election); 'unreachable': no endpoint answered; 'leader-known': a reachable node names a leader. */
  cause: 'quorum-lost' | 'no-leader' | 'unreachable' | 'leader-known';
  /** Voters of the configuration the reachable nodes report (empty when none answered). */
  members: string[];
  /** Voters that answered Status. */
  reachable: string[];
  /** Endpoints that did not answer, with a short reason ("connection refused", "timed out"). */
  unreachableEndpoints: { endpoint: string; reason: string }[];
  lastLeader: string;
  lastLeaderTerm: number;
  /** The highest term any reachable node is in. */
  term: number;
}

/** The fields of a Status answer the diagnosis reads. */
export interface StatusFacts {
  id: string;
  term: number;
  leader: string;
  voters: string[];
  lastLeader?: string;
  lastLeaderTerm?: number | string;
}

/** A short reason for an endpoint that did not answer, for one table cell or one clause. */
export function shortReason(err: RaftdbError): string {
  const text = err.details;
  if (/ECONNREFUSED|connection refused/i.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) return 'unknown host';
  if (/ECONNRESET/i.test(text)) return 'connection reset';
  if (/EHOSTUNREACH|ENETUNREACH/i.test(text)) return 'host unreachable';
  if (err.code === 'DEADLINE_EXCEEDED') return 'timed out';
  if (/certificate|SSL|TLS|handshake/i.test(text)) return 'TLS handshake failed';
  if (err.code === 'UNAVAILABLE') return 'unavailable';
  return err.code.toLowerCase().replace(/_/g, ' ');
}

/** Reads the answers (or failures) of every endpoint into a diagnosis. */
export function diagnose(answers: { endpoint: string; status?: StatusFacts; error?: RaftdbError }[]): ClusterDiagnosis {
  const up = answers.flatMap((a) => (a.status ? [a.status] : []));
  const unreachableEndpoints = answers.flatMap((a) => (a.status ? [] : [{ endpoint: a.endpoint, reason: a.error ? shortReason(a.error) : 'no answer' }]));
  const newest = up.slice().sort((a, b) => b.term - a.term)[0];
  const members = newest ? [...newest.voters].sort() : [];
  const reachable = members.filter((id) => up.some((s) => s.id === id));
  const last = up.filter((s) => s.lastLeader).sort((a, b) => Number(b.lastLeaderTerm ?? 0) - Number(a.lastLeaderTerm ?? 0))[0];
  const withLeader = up.filter((s) => s.leader).sort((a, b) => b.term - a.term)[0];
  let cause: ClusterDiagnosis['cause'];
  if (up.length === 0) cause = 'unreachable';
  else if (withLeader) cause = 'leader-known';
  else if (members.length > 0 && reachable.length <= members.length / 2) cause = 'quorum-lost';
  else cause = 'no-leader';
  return {
    cause,
    members,
    reachable,
    unreachableEndpoints,
    lastLeader: withLeader?.leader ?? last?.lastLeader ?? '',
    lastLeaderTerm: withLeader ? withLeader.term : Number(last?.lastLeaderTerm ?? 0),
    term: newest?.term ?? 0,
  };
}

/** The diagnosis as one line, e.g. "quorum lost: 1 of 3 members reachable (n3); last leader n2 at term 7". */
export function diagnosisText(d: ClusterDiagnosis): string {
  const last = d.lastLeader ? `; last leader ${d.lastLeader} at term ${d.lastLeaderTerm}` : '';
  const count = `${d.reachable.length} of ${d.members.length} members reachable (${d.reachable.join(', ') || 'none'})`;
  switch (d.cause) {
    case 'unreachable': {
      const why = [...new Set(d.unreachableEndpoints.map((u) => u.reason))].join(', ');
      return `no endpoint reachable: ${d.unreachableEndpoints.map((u) => u.endpoint).join(', ')} (${why})`;
    }
    case 'quorum-lost':
      return `quorum lost: ${count}${last}`;
    case 'no-leader':
      return `no leader: ${count}, electing at term ${d.term}${last}`;
    case 'leader-known':
      return `leader ${d.lastLeader} (term ${d.lastLeaderTerm}) did not answer in time; ${count}`;
  }
}

/** Status of one endpoint: one attempt, no retry. */
export type StatusProbe = (endpoint: string, deadlineMs: number) => Promise<StatusFacts>;

/**
 * The error to report for a call that could not reach a leader: `err` with the diagnosis as its
 * details and on `diagnosis` (the original error is its `cause`). Asks every endpoint in parallel,
 * each bounded by `probeMs`; when nothing useful is learnt, `err` as it was.
 */
export async function explainNoLeader(err: RaftdbError, endpoints: readonly string[], probe: StatusProbe, probeMs: number): Promise<RaftdbError> {
  const deadlineMs = Date.now() + probeMs;
  type Answer = { endpoint: string; status?: StatusFacts; error?: RaftdbError };
  const answers = await Promise.all(
    endpoints.map((endpoint) =>
      probe(endpoint, deadlineMs).then(
        (status): Answer => ({ endpoint, status }),
        (e: unknown): Answer => ({ endpoint, error: toRaftdbError(e) }),
      ),
    ),
  );
  // Nodes that answer but do not know Status (an old server, a fake) tell us nothing.
  if (answers.some((a) => a.error?.code === 'UNIMPLEMENTED')) return err;
  const d = diagnose(answers);
  // The gRPC text ("No connection established ... ECONNREFUSED <the last endpoint tried>") adds
  // nothing to a diagnosis that names every endpoint; it stays on `cause`. A leader that is known
  // but did not answer is another matter: there the gRPC text is the news.
  const details = d.cause === 'leader-known' ? `${diagnosisText(d)}: ${err.details}` : diagnosisText(d);
  return new RaftdbError(err.grpcCode, details, { ...(err.leader ? { leader: err.leader } : {}), attempts: err.attempts, cause: err, diagnosis: d });
}

/** Codes after which a leader-routed call is worth explaining. */
export function needsExplaining(err: RaftdbError): boolean {
  return err.grpcCode === grpc.status.UNAVAILABLE || err.grpcCode === grpc.status.DEADLINE_EXCEEDED;
}
