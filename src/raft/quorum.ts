import type { ConfState, NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The highest index that a majority of `voters` hold, given each voter's acknowledged index.
 * An empty voter set imposes no constraint (it is the missing half of a non-joint config).
 */
export function majorityIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  if (voters.length === 0) return Number.MAX_SAFE_INTEGER;
  const idx = voters.map(acked).sort((a, b) => b - a);
  return idx[Math.floor(voters.length / 2)]!;
}

/** §6: while joint, a decision needs a majority of both the incoming and the outgoing voters. */
export function jointIndex(conf: ConfState, acked: (id: NodeId) => number): number {
  return Math.min(majorityIndex(conf.voters, acked), majorityIndex(conf.votersOutgoing, acked));
}

/** Outcome of an election among `voters` given the answers received so far. */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const need = Math.floor(voters.length / 2) + 1;
  if (granted >= need) return 'won';
  if (granted + missing >= need) return 'pending';
  return 'lost';
}

/** Joint election: won only when both halves are won, lost as soon as either is lost. */
export function jointVote(conf: ConfState, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVote(conf.voters, votes);
  const b = majorityVote(conf.votersOutgoing, votes);
  if (a === 'lost' || b === 'lost') return 'lost';
  if (a === 'won' && b === 'won') return 'won';
  return 'pending';
}

/** Every voter of either half, each once. */
export function allVoters(conf: ConfState): NodeId[] {
  if (conf.votersOutgoing.length === 0) return conf.voters.slice();
  const set = new Set([...conf.voters, ...conf.votersOutgoing]);
  return [...set];
}

/** Every member the leader replicates to: voters of both halves and learners. */
export function allMembers(conf: ConfState): NodeId[] {
  return [...new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext])];
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.votersOutgoing.includes(id);
}

export function isJoint(conf: ConfState): boolean {
  return conf.votersOutgoing.length > 0;
}
