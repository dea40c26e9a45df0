// Which ids may speak as peers to this node. A member of the configuration in force (the latest
// in this node's log) always may. So may an id the operator listed in --peers, unless this node
// has seen it leave a configuration: a node that was down while the membership changed (its log
// stops before a new member was added) must still accept the new leader's appends, or it could
// never catch up; the operator's --peers is what vouches for such a member.
import { allMembers, type ConfState, type NodeId } from '../raft/index.js';

/** Membership as the peer transport checks it, on every batch (cheap: recomputed only on change). */
export class PeerMembership {
  private seenConf: ConfState | null = null;
  private current = new Set<NodeId>();
  /** Every id this node has seen in a configuration since it started. */
  private readonly seen = new Set<NodeId>();

  constructor(
    private readonly conf: () => ConfState,
    private readonly operatorPeers: ReadonlySet<NodeId>,
  ) {}

  /** Whether `id` may send peer messages now. */
  isMember(id: NodeId): boolean {
    this.refresh();
    if (this.current.has(id)) return true;
    return this.operatorPeers.has(id) && !this.seen.has(id);
  }

  private refresh(): void {
    const conf = this.conf();
    if (conf === this.seenConf) return;
    this.seenConf = conf;
    this.current = new Set(allMembers(conf));
    for (const id of this.current) this.seen.add(id);
  }
}
