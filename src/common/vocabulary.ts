// The one vocabulary of commit modes and roles that people see: CLI flags and JSON, the client's
// values, metrics labels, /api/status and the dashboard all spell them as here (lower case,
// `semi-sync`, `pre-candidate`). The proto enum names (SEMI_SYNC) stay on the wire (gRPC) and
// inside the failover controller; every surface converts at its edge with these functions, so a
// second spelling cannot creep back in through one of them (test/common/vocabulary.test.ts walks
// every surface).
import type { CommitMode__Output } from '../proto/generated/raftdb/v1/CommitMode.js';

/** Commit modes as the proto enum spells them (the wire only), from the generated kv.proto types. */
export type WireCommitMode = CommitMode__Output;

/** When a write is acknowledged (see kv.proto CommitMode); 'default' is the cluster's setting. */
export type CommitMode = 'default' | 'sync' | 'semi-sync' | 'async';

/** The modes a write actually gets (the cluster default resolved), as every surface names them. */
export const COMMIT_MODE_NAMES = ['sync', 'semi-sync', 'async'] as const;
/** One of COMMIT_MODE_NAMES. */
export type CommitModeName = (typeof COMMIT_MODE_NAMES)[number];

/** Client name -> proto name: the only table of commit-mode spellings. */
export const COMMIT_MODE_WIRE: Readonly<Record<CommitMode, WireCommitMode>> = {
  default: 'DEFAULT',
  sync: 'SYNC',
  'semi-sync': 'SEMI_SYNC',
  async: 'ASYNC',
};

/** Proto name -> client name: COMMIT_MODE_WIRE turned around once (a lookup per write, not a scan). */
const COMMIT_MODE_BY_WIRE: ReadonlyMap<string, CommitMode> = new Map(Object.entries(COMMIT_MODE_WIRE).map(([name, wire]) => [wire, name as CommitMode]));

/** The client name of a proto commit mode (unknown values read as 'default'). */
export function commitModeName(m: string): CommitMode {
  return COMMIT_MODE_BY_WIRE.get(m) ?? 'default';
}

/**
 * Roles as every surface shows them. The core's roles, with `preCandidate` spelled as the CLI
 * spells words (`pre-candidate`), plus `learner`: the core reports a learner as a follower, but
 * an operator asking "what is n4" wants to hear that it does not vote.
 */
export const ROLE_NAMES = ['leader', 'follower', 'candidate', 'pre-candidate', 'learner'] as const;
/** One of ROLE_NAMES. */
export type RoleName = (typeof ROLE_NAMES)[number];

const CORE_ROLES: Readonly<Record<string, RoleName>> = {
  leader: 'leader',
  follower: 'follower',
  candidate: 'candidate',
  preCandidate: 'pre-candidate',
};

/** The shown role of a node whose core reports `coreRole` (unknown roles read as 'follower'). */
export function roleName(coreRole: string, isLearner: boolean): RoleName {
  const r = CORE_ROLES[coreRole] ?? ((ROLE_NAMES as readonly string[]).includes(coreRole) ? (coreRole as RoleName) : 'follower');
  return isLearner && r === 'follower' ? 'learner' : r;
}

/** Per-mode counters keyed by proto name (ackedWritesByMode on the wire) re-keyed by shown name. */
export function countsByModeName(byWire: Readonly<Record<string, number | string>> | null | undefined): Partial<Record<CommitModeName, number>> {
  const out: Partial<Record<CommitModeName, number>> = {};
  for (const [k, v] of Object.entries(byWire ?? {})) {
    const name = commitModeName(k);
    if (name !== 'default') out[name] = Number(v);
  }
  return out;
}

/** The fields of a Status answer that carry a mode or a role, as the wire spells them. */
interface WireStatusVocabulary {
  id: string;
  role: string;
  learners?: readonly string[] | null;
  commitMode?: string;
  effectiveCommitMode?: string;
  ackedWritesByMode?: Readonly<Record<string, number | string>> | null;
}

/** A Status answer from the wire with its modes and role in the shown vocabulary (other fields as they are). */
export function statusInVocabulary<T extends WireStatusVocabulary>(
  w: T,
): Omit<T, 'role' | 'commitMode' | 'effectiveCommitMode' | 'ackedWritesByMode'> & {
  role: RoleName;
  commitMode: CommitMode;
  effectiveCommitMode: CommitMode;
  ackedWritesByMode: Partial<Record<CommitModeName, number>>;
} {
  return {
    ...w,
    role: roleName(w.role, (w.learners ?? []).includes(w.id)),
    commitMode: commitModeName(w.commitMode ?? ''),
    effectiveCommitMode: commitModeName(w.effectiveCommitMode ?? ''),
    ackedWritesByMode: countsByModeName(w.ackedWritesByMode),
  };
}
