// What a node remembers about its own place in the cluster, beyond the Raft core's state: the
// last leader it knew (the core forgets it as soon as it starts an election, but an operator
// looking at a cluster without quorum wants to know who led last), and whether a configuration
// change has removed it, after which it must stop (etcd's members exit too: a removed member
// that keeps running answers clients with an ever staler view).
import { type ConfState, type SoftState, allMembers, isJoint } from '../raft/index.js';

/** Tracks the last known leader and this node's membership. */
export class SelfView {
  private lastLeaderId = '';
  private lastLeaderTermValue = 0;
  /** Set once this node has been seen in a (non-joint) configuration: a --join node is not yet. */
  private wasMember: boolean;
  /** Peers that refused this node's messages as a non-member's since it started. */
  private readonly refusers = new Set<string>();

  constructor(
    private readonly id: string,
    conf: ConfState,
  ) {
    this.wasMember = allMembers(conf).includes(id);
  }

  /** A role or leader change from the core. */
  onSoftState(ss: SoftState): void {
    if (ss.leader) {
      this.lastLeaderId = ss.leader;
      this.lastLeaderTermValue = ss.term;
    }
  }

  /** The last leader this node knew ('' before any). */
  lastLeader(): string {
    return this.lastLeaderId;
  }

  /** The Status fields: the last leader known and its term ('' and 0 before any). */
  statusFields(): { lastLeader: string; lastLeaderTerm: number } {
    return { lastLeader: this.lastLeaderId, lastLeaderTerm: this.lastLeaderTermValue };
  }

  /**
   * A peer refused our messages as from a non-member. True exactly once, when this node is a
   * member by its own configuration `conf` and either the refusal comes from the last leader it
   * knew (that leader has applied a configuration without this node), or a majority of the
   * voters of `conf` have refused it: a node removed while it was down knows no leader after its
   * restart, and a configuration that names it can only be committed if a majority holds it.
   * (A follower that has not yet applied this node's addition refuses it too, so one refusal from
   * any other peer proves nothing.)
   */
  refusedBy(peer: string, conf: ConfState): boolean {
    if (!this.wasMember) return false;
    this.refusers.add(peer);
    const voters = new Set([...conf.voters, ...conf.votersOutgoing]);
    let refusingVoters = 0;
    for (const id of this.refusers) if (voters.has(id)) refusingVoters++;
    if (peer !== this.lastLeaderId && refusingVoters < Math.floor(voters.size / 2) + 1) return false;
    this.wasMember = false;
    return true;
  }

  /**
   * After a configuration change was applied: true exactly once, when this node was a member and
   * the new configuration (no longer joint) names it neither as voter nor as learner.
   */
  removedBy(conf: ConfState): boolean {
    if (isJoint(conf)) return false;
    const member = allMembers(conf).includes(this.id);
    if (member) {
      this.wasMember = true;
      return false;
    }
    if (!this.wasMember) return false;
    this.wasMember = false;
    return true;
  }
}
