// The cluster as the operator verbs (status, top, endpoint --cluster) see it: the members from
// MemberList (so a member added later appears without a new --endpoints), each asked for its
// Status, plus any --endpoints that are not members; and a verdict on the whole.
import { type NodeStatus, type RaftdbClient, type RaftdbError, leaderOf } from '../client/index.js';
import { shortReason } from '../client/diagnose.js';
import { toRaftdbError } from '../client/errors.js';
import { type RoleName, roleName } from '../common/vocabulary.js';

/** One row: a member (or a given endpoint that is not one) and its answer. */
export interface MemberRow {
  /** Member id, or the id the node reported, or '?' when neither is known. */
  id: string;
  endpoint: string;
  /** Listed by MemberList as a learner, or reporting itself among the learners. */
  learner: boolean;
  /** Listed by MemberList (false: only given in --endpoints, or members could not be listed). */
  listed: boolean;
  status?: NodeStatus;
  error?: RaftdbError;
}

/** Members, then every row's Status; `membersListed` is false when MemberList failed everywhere. */
export async function clusterRows(client: RaftdbClient, endpoints: readonly string[], timeoutMs: number): Promise<{ rows: MemberRow[]; membersListed: boolean }> {
  const members = await client.cluster
    .memberList({ timeoutMs })
    .catch(() => client.cluster.memberList({ timeoutMs, consistency: 'serializable' }))
    .catch(() => null);
  const rows: MemberRow[] = (members?.members ?? []).map((m) => ({ id: m.id, endpoint: m.address, learner: m.isLearner, listed: true }));
  for (const e of endpoints) if (!rows.some((r) => r.endpoint === e)) rows.push({ id: '?', endpoint: e, learner: false, listed: false });
  await Promise.all(
    rows.map((r) =>
      client.cluster.status({ endpoint: r.endpoint, timeoutMs }).then(
        (s) => {
          r.status = s;
          if (r.id === '?') r.id = s.id;
          if (s.learners.includes(s.id)) r.learner = true;
        },
        (e: unknown) => (r.error = toRaftdbError(e)),
      ),
    ),
  );
  return { rows, membersListed: members !== null };
}

/** The role to show: learners as learners (also when only MemberList says so), 'unreachable' without an answer. */
export function roleOf(r: MemberRow): RoleName | 'unreachable' {
  if (!r.status) return 'unreachable';
  return roleName(r.status.role, r.learner);
}

/** "unreachable (connection refused)": one short cell for a member that did not answer. */
export function unreachableText(r: MemberRow): string {
  return `unreachable (${r.error ? shortReason(r.error) : 'no answer'})`;
}

/** Replication lag of a row as the leader reports it: entries and the time since its last acknowledgement. */
export function lagOf(r: MemberRow, leader: NodeStatus | undefined): { entries: number; lastAckMs: number } | null {
  const s = r.status;
  if (!s) return null;
  if (leader && s.id === leader.id) return { entries: 0, lastAckMs: 0 };
  const p = leader?.followers.find((f) => f.id === s.id);
  return p ? { entries: p.lagEntries, lastAckMs: p.lastContactMs } : null;
}

/** What is wrong with the cluster, if anything. */
export interface Verdict {
  leader: NodeStatus | undefined;
  /** A leader answered and says it has a quorum. */
  quorum: boolean;
  /** Listed members that did not answer. */
  down: MemberRow[];
  /** One line per problem, empty when healthy. */
  problems: string[];
}

/** Judges the rows: quorum and members down. */
export function verdictOf(rows: MemberRow[]): Verdict {
  const leader = leaderOf(rows.flatMap((r) => (r.status ? [r.status] : [])));
  const quorum = leader !== undefined && leader.hasQuorum;
  const down = rows.filter((r) => !r.status && (r.listed || rows.every((x) => !x.listed)));
  const problems: string[] = [];
  if (!quorum) {
    const voters = rows.filter((r) => r.listed && !r.learner);
    const up = voters.filter((r) => r.status);
    const last = rows.flatMap((r) => (r.status?.lastLeader ? [r.status] : [])).sort((a, b) => b.lastLeaderTerm - a.lastLeaderTerm)[0];
    const lastText = last ? `; last leader ${last.lastLeader} at term ${last.lastLeaderTerm}` : '';
    problems.push(leader ? `leader ${leader.id} has lost its quorum` : voters.length > 0 ? `quorum lost: ${up.length} of ${voters.length} members reachable (${up.map((r) => r.id).join(', ') || 'none'})${lastText}` : `no leader${lastText}`);
  }
  for (const r of down) problems.push(`${r.id === '?' ? r.endpoint : `${r.id} (${r.endpoint})`} ${unreachableText(r)}`);
  return { leader, quorum, down, problems };
}
