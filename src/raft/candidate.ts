import { allVoters, jointVote } from './quorum.js';
import type { RaftNode } from './raft.js';
import type { Message } from './types.js';

export type CampaignKind = 'pre' | 'real' | 'transfer';

/** Starts a (pre-)election (§5.2; pre-vote §9.6; `transfer` skips pre-vote and the lease). */
export function campaign(node: RaftNode, kind: CampaignKind): void {
  if (kind === 'pre') node.becomePreCandidate();
  else node.becomeCandidate();
  node.votes.set(node.id, true);
  if (poll(node) === 'won') {
    if (kind === 'pre') campaign(node, 'real');
    else node.becomeLeader();
    return;
  }
  const term = kind === 'pre' ? node.term + 1 : node.term;
  const lastLogIndex = node.log.lastIndex();
  const lastLogTerm = node.log.lastTerm();
  for (const id of allVoters(node.conf())) {
    if (id === node.id) continue;
    if (kind === 'pre') node.send({ type: 'preVote', to: id, term, lastLogIndex, lastLogTerm });
    else node.send({ type: 'vote', to: id, term, lastLogIndex, lastLogTerm, transfer: kind === 'transfer' });
  }
}

function poll(node: RaftNode): ReturnType<typeof jointVote> {
  return jointVote(node.conf(), node.votes);
}

/** The step function of pre-candidates and candidates. */
export function stepCandidate(node: RaftNode, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // A leader of our term exists (§5.2): follow it and handle its message.
      node.becomeFollower(m.term, m.from);
      node.step(m);
      return;
    case 'preVoteResponse':
      if (node.role !== 'preCandidate') return;
      if (m.granted && m.term !== node.term + 1) return;
      node.votes.set(m.from, m.granted);
      decide(node, () => campaign(node, 'real'));
      return;
    case 'voteResponse':
      if (node.role !== 'candidate' || m.term !== node.term) return;
      node.votes.set(m.from, m.granted);
      decide(node, () => node.becomeLeader());
      return;
    default:
      return;
  }
}

function decide(node: RaftNode, onWin: () => void): void {
  const result = poll(node);
  if (result === 'won') onWin();
  else if (result === 'lost') node.becomeFollower(node.term, null);
}
