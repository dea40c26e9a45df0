import { campaign } from './candidate.js';
import type { RaftNode } from './raft.js';
import type { AppendRequest, Message, SnapshotRequest } from './types.js';

/** The follower's step function: accept the leader's log, heartbeats and snapshots. */
export function stepFollower(node: RaftNode, m: Message): void {
  switch (m.type) {
    case 'append':
      heardFromLeader(node, m.from);
      handleAppend(node, m);
      return;
    case 'heartbeat':
      heardFromLeader(node, m.from);
      node.log.commitTo(Math.min(m.commit, node.log.lastIndex()));
      node.send({ type: 'heartbeatResponse', to: m.from, round: m.round });
      return;
    case 'snapshot':
      heardFromLeader(node, m.from);
      handleSnapshot(node, m);
      return;
    case 'timeoutNow':
      // Leadership transfer: campaign at once, skipping pre-vote and the leader lease (§3.10).
      if (node.promotable()) campaign(node, 'transfer');
      return;
    default:
      return;
  }
}

function heardFromLeader(node: RaftNode, leader: string): void {
  node.electionElapsed = 0;
  node.leader = leader;
}

/** §5.3: append after a matching (prevIndex, prevTerm), or reject with a fast back-off hint. */
export function handleAppend(node: RaftNode, m: AppendRequest): void {
  const log = node.log;
  if (m.prevIndex < log.committed) {
    node.send({ type: 'appendResponse', to: m.from, success: true, index: log.committed, hintIndex: 0, hintTerm: 0 });
    return;
  }
  const res = log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
  if (res) {
    if (res.written.length > 0) {
      node.membership.truncateFrom(res.written[0]!.index);
      node.membership.appended(res.written);
    }
    log.commitTo(Math.min(m.commit, res.lastNew));
    node.send({ type: 'appendResponse', to: m.from, success: true, index: res.lastNew, hintIndex: 0, hintTerm: 0 });
    return;
  }
  // Point the leader at the last index whose term is <= prevTerm: everything after it in our
  // log is of a term the leader's entry at prevIndex postdates, so it cannot match.
  const hintIndex = log.findConflictByTerm(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm);
  const hintTerm = log.term(hintIndex) ?? 0;
  node.send({ type: 'appendResponse', to: m.from, success: false, index: m.prevIndex, hintIndex, hintTerm });
}

/** §7: install a snapshot unless our log already covers it. */
export function handleSnapshot(node: RaftNode, m: SnapshotRequest): void {
  const log = node.log;
  const meta = m.snapshot;
  let index: number;
  if (meta.index <= log.committed) {
    index = log.committed;
  } else if (log.matchTerm(meta.index, meta.term)) {
    // We hold the snapshot's last entry: everything up to it is committed; keep the log.
    log.commitTo(meta.index);
    index = meta.index;
  } else {
    node.restoreSnapshot(meta);
    index = meta.index;
  }
  node.send({ type: 'appendResponse', to: m.from, success: true, index, hintIndex: 0, hintTerm: 0 });
}
