import { makeRaftConfig, tickGapMs, type RaftConfig } from './config.js';
import { emptyConf } from './confchange.js';
import { stepCandidate, campaign } from './candidate.js';
import { NotLeaderError } from './errors.js';
import { stepFollower } from './follower.js';
import { LeaderState, stepLeader, tickLeader, flushLeader, type FollowerStatus } from './leader.js';
import { NEVER } from './lease.js';
import { RaftLog } from './log.js';
import { MembershipLog } from './membership.js';
import { isVoter } from './quorum.js';
import { EntryType } from './types.js';
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ReadState,
  Ready,
  RestartState,
  Role,
  SnapshotMeta,
  SoftState,
} from './types.js';

/** What `status()` reports. */
export interface NodeStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  conf: ConfState;
  followers: FollowerStatus[];
  transferTarget: NodeId | null;
  /** Leader: heard from a quorum this election period; follower: hears from a leader. */
  hasQuorum: boolean;
  leaseValid: boolean;
}

/** A message as the step functions produce it: the core fills in `from` and `term`. */
export type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> & { term?: number } : never) : never;

/** A step function for one role; swapped on role change (etcd's stepLeader/stepFollower/stepCandidate). */
type StepFn = (node: RaftNode, m: Message) => void;

/**
 * One Raft peer as a deterministic state machine. The host feeds it `tick()`, `step(message)`
 * and client requests, then drains `ready()`, performs the I/O it describes in order, and calls
 * `advance(ready)`. No clocks, sockets, files or ambient randomness are used here.
 */
export class RaftNode {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  term = 0;
  vote: NodeId | null = null;
  leader: NodeId | null = null;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly membership: MembershipLog;
  /** The latest snapshot this node holds (what the leader sends to lagging followers). */
  snapshot: SnapshotMeta;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Ticks since this process started: a restarted node refuses votes for one election timeout. */
  ticksSinceStart = 0;
  /**
   * The latest reading of the host's monotonic clock (ms) that an input carried. Heartbeat
   * rounds are stamped with it, which can only make a lease shorter: the round leaves later.
   */
  clockMs = NEVER;
  /** The time the previous tick carried, to notice a gap between ticks. */
  private lastTickMs: number | null = null;
  /** Votes received while (pre-)candidate. */
  votes = new Map<NodeId, boolean>();
  leaderState: LeaderState | null = null;

  private step_: StepFn = stepFollower;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  failedReads: string[] = [];
  private pendingSnapshot: SnapshotMeta | null = null;
  private prevHard: HardState;
  private prevSoft: SoftState;

  /**
   * Creates a node from what it persisted. A brand-new founding member passes `restart = null`
   * and the founding voters: its log starts with the bootstrap entry (index 1, term 1, committed),
   * which its first Ready asks to persist. A brand-new node joining an existing cluster passes
   * no voters and learns its configuration from the leader.
   */
  constructor(cfg: Partial<RaftConfig> & Pick<RaftConfig, 'id' | 'random'>, restart: RestartState | null, bootstrapVoters: NodeId[] = []) {
    this.cfg = makeRaftConfig(cfg);
    this.id = this.cfg.id;
    const snap = restart?.snapshot ?? { index: 0, term: 0, conf: emptyConf() };
    this.snapshot = snap;
    const hs = restart?.hardState ?? { term: 0, vote: null, commit: 0 };
    this.log = RaftLog.restore(snap.index, snap.term, restart?.entries ?? [], hs.commit, restart?.applied ?? snap.index);
    this.membership = new MembershipLog(snap.conf);
    this.membership.appended(restart?.entries ?? []);
    this.term = hs.term;
    this.vote = hs.vote;
    this.prevHard = this.hardState();
    if (!restart && bootstrapVoters.length > 0) this.bootstrap(bootstrapVoters);
    this.becomeFollower(this.term, null);
    this.prevSoft = this.softState();
  }

  private bootstrap(voters: NodeId[]): void {
    const entry: Entry = { index: 1, term: 1, type: EntryType.ConfChange, data: new Uint8Array(0), conf: { type: 'bootstrap', voters: [...voters].sort() } };
    this.log.append([entry]);
    this.log.commitTo(1);
    this.membership.appended([entry]);
    this.term = 1;
  }

  // ---- queries --------------------------------------------------------------------------

  conf(): ConfState {
    return this.membership.current();
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  /** The index of a snapshot the host has been told to install (in a Ready) or will be; else null. */
  pendingSnapshotIndex(): number | null {
    return this.pendingSnapshot?.index ?? null;
  }

  /** A voter with priority above zero may campaign; learners and removed nodes never do. */
  promotable(): boolean {
    return this.cfg.priority > 0 && isVoter(this.conf(), this.id) && this.pendingSnapshot === null;
  }

  // ---- role transitions -----------------------------------------------------------------

  becomeFollower(term: number, leader: NodeId | null): void {
    this.leaveLeadership();
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.step_ = stepFollower;
  }

  becomePreCandidate(): void {
    this.leaveLeadership();
    // Pre-vote changes neither term nor vote: a failed pre-campaign leaves no trace (§9.6).
    this.role = 'preCandidate';
    this.leader = null;
    this.votes = new Map();
    this.step_ = stepCandidate;
  }

  becomeCandidate(): void {
    this.leaveLeadership();
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.step_ = stepCandidate;
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.step_ = stepLeader;
    this.leaderState = new LeaderState(this);
    this.leaderState.start();
  }

  private leaveLeadership(): void {
    if (this.leaderState) {
      this.leaderState.reads.drain(this.failedReads);
      this.leaderState = null;
    }
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.votes = new Map();
    // Randomised timeouts in [T, 2T) make split votes rare (§5.2).
    this.randomizedElectionTimeout = this.cfg.electionTicks + Math.floor(this.cfg.random() * this.cfg.electionTicks);
  }

  /** Queues a message to another node, stamped with our id and (unless given) our term. */
  send(m: Outgoing): void {
    const full = { ...m, from: this.id, term: m.term ?? this.term } as Message;
    this.msgs.push(full);
  }

  // ---- inputs ---------------------------------------------------------------------------

  /**
   * Advances logical time by one tick; `nowMs` is the host's monotonic clock at this tick. A tick
   * later than one interval plus the drift bound after the previous one is a gap: the node was
   * not running, and a leader suspends its lease (see `tickGapMs`).
   */
  tick(nowMs: number): void {
    const gap = this.lastTickMs !== null && nowMs - this.lastTickMs > tickGapMs(this.cfg);
    this.lastTickMs = nowMs;
    this.observeTime(nowMs);
    this.ticksSinceStart++;
    if (this.role === 'leader') {
      tickLeader(this, gap);
      return;
    }
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      if (this.promotable()) campaign(this, this.cfg.preVote ? 'pre' : 'real');
    }
  }

  /** Records a reading of the host's monotonic clock; an older one than already seen changes nothing. */
  private observeTime(nowMs: number): void {
    if (nowMs > this.clockMs) this.clockMs = nowMs;
  }

  /** Handles one message from a peer. Term rules (§5.1) first, then the role's step function. */
  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        if (!(m.type === 'vote' && m.transfer) && this.inLease()) return;
      }
      // A pre-vote is about a future term: it must not move ours. Any other message of a newer
      // term makes us a follower of that term; an append, heartbeat or snapshot names its leader,
      // which the follower's step function, run below, records.
      if (!(m.type === 'preVote' || (m.type === 'preVoteResponse' && m.granted))) this.becomeFollower(m.term, null);
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    this.step_(this, m);
  }

  /**
   * With check-quorum, a follower that recently heard from a live leader ignores vote requests,
   * so a partitioned node cannot depose it; this is also what makes leader leases sound. A
   * freshly started node does the same for one election timeout, since it may have been a
   * lease holder's follower just before it crashed.
   */
  inLease(): boolean {
    if (!this.cfg.checkQuorum) return false;
    if (this.ticksSinceStart < this.cfg.electionTicks) return true;
    // The leader counts too (its electionElapsed restarts every election timeout): it must not
    // grant a pre-vote, or a vote, that would let a rejoining node depose a healthy leader.
    return this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
  }

  private stepStale(m: Message): void {
    if (m.type === 'append' || m.type === 'heartbeat') {
      // Tell a deposed leader about the newer term so it steps down, rather than letting it
      // retry forever (matters with pre-vote, where our term may never reach it otherwise).
      this.send({ type: 'appendResponse', to: m.from, success: false, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'preVote') {
      this.send({ type: 'preVoteResponse', to: m.from, granted: false });
    }
  }

  private handleVoteRequest(m: Extract<Message, { type: 'vote' | 'preVote' }>): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (m.type === 'preVote' && m.term > this.term);
    const grant = canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const type = m.type === 'vote' ? 'voteResponse' : 'preVoteResponse';
    if (grant) {
      // A pre-vote grant is answered in the candidate's future term so it can count it.
      this.send({ type, to: m.from, granted: true, term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type, to: m.from, granted: false });
    }
  }

  /**
   * Appends commands as the leader; returns the index of the last one. `deferReplication`: the
   * followers get them with the next broadcast, `releaseDeferred()` or tick, not at once.
   */
  propose(data: Uint8Array[], deferReplication = false): { index: number; term: number } {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    return this.leaderState.propose(data, deferReplication);
  }

  /** Replicates entries proposed with `deferReplication` now (no-op when there are none). */
  releaseDeferred(): void {
    this.leaderState?.releaseDeferred();
  }

  /** Starts a membership change (enter joint with `changes`); the leader leaves joint by itself. */
  proposeConfChange(changes: import('./types.js').ConfChangeItem[]): { index: number; term: number } {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    return this.leaderState.proposeConfChange({ type: 'enterJoint', changes });
  }

  /** Hands leadership to `to` once it has caught up (thesis §3.10). */
  transferLeadership(to: NodeId): void {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    this.leaderState.transferLeadership(to);
  }

  /** Requests a linearizable read; a ReadState with `ctx` arrives in a later Ready. */
  readIndex(ctx: string): void {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    this.leaderState.readIndex(ctx);
  }

  /**
   * A linearizable read sharing `ctx`, a read requested since the last Ready: true if it joined
   * (the ReadState of `ctx` answers it too, at an index no lower than the commit index now);
   * false if `ctx` is not the latest read or its heartbeat round has been sent (call readIndex).
   * Many reads arriving between two Readys then cost the leader one pending read.
   */
  joinReadIndex(ctx: string): boolean {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    return this.leaderState.joinReadIndex(ctx);
  }

  /**
   * A read served under the leader lease when it holds at `nowMs` (the host's monotonic clock,
   * read for this request), else through ReadIndex.
   */
  leaseRead(ctx: string, nowMs: number): void {
    if (!this.leaderState) throw new NotLeaderError(this.leader);
    this.observeTime(nowMs);
    this.leaderState.leaseRead(ctx, this.clockMs);
  }

  /** The host holds a snapshot of the state machine at `index` (<= applied): drop the log before it. */
  compact(index: number): void {
    if (index <= this.log.snapshotIndex) return;
    const term = this.log.term(index);
    if (term === null) throw new Error(`raft: cannot compact at unknown index ${index}`);
    this.snapshot = { index, term, conf: this.membership.at(index) };
    this.membership.compact(index);
    this.log.compact(index);
  }

  /**
   * Metadata for a snapshot of the state machine taken at `index`, which must lie between the
   * last compaction and the commit index: the transport sends whatever the state machine can
   * produce now, which is usually newer than the compaction point.
   */
  snapshotMetaAt(index: number): SnapshotMeta {
    const term = this.log.term(index);
    if (term === null || index > this.log.committed) {
      throw new Error(`raft: no snapshot possible at ${index} (log ${this.log.snapshotIndex}..${this.log.committed} committed)`);
    }
    return { index, term, conf: this.membership.at(index) };
  }

  /** The leader's view of how much of its log `id` holds (null when not leader or unknown). */
  matchIndex(id: NodeId): number | null {
    if (!this.leaderState) return null;
    if (id === this.id) return this.log.stableIndex;
    return this.leaderState.progress.get(id)?.match ?? null;
  }

  /** A summary for status reports and metrics. */
  status(): NodeStatus {
    const ls = this.leaderState;
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex,
      conf: this.conf(),
      followers: ls ? ls.followers() : [],
      transferTarget: ls?.transferTarget ?? null,
      hasQuorum: ls ? ls.quorumActive() : this.leader !== null && this.electionElapsed < this.cfg.electionTicks,
      // As of the latest clock reading an input carried (a status report, not a read decision).
      leaseValid: ls ? ls.leaseValid(this.clockMs) : false,
    };
  }

  /** The follower `to` failed to receive a snapshot: probe it again (etcd's ReportSnapshot). */
  reportSnapshotFailure(to: NodeId): void {
    this.leaderState?.snapshotFailed(to);
  }

  /** Installs a snapshot from the leader (called from the follower's step function). */
  restoreSnapshot(meta: SnapshotMeta): void {
    this.log.resetToSnapshot(meta.index, meta.term);
    this.membership.reset(meta.conf);
    this.snapshot = meta;
    this.pendingSnapshot = meta;
  }

  // ---- output ---------------------------------------------------------------------------

  hasReady(): boolean {
    if (this.leaderState?.needsFlush()) return true;
    return (
      this.msgs.length > 0 ||
      this.log.hasUnstable() ||
      this.log.hasNextCommitted() ||
      this.pendingSnapshot !== null ||
      this.readStates.length > 0 ||
      this.failedReads.length > 0 ||
      !sameHard(this.hardState(), this.prevHard) ||
      !sameSoft(this.softState(), this.prevSoft)
    );
  }

  /** Collects everything the host must do now; call `advance` with it once done. */
  ready(): Ready {
    if (this.leaderState) flushLeader(this);
    const hard = this.hardState();
    const soft = this.softState();
    const rd: Ready = {
      softState: sameSoft(soft, this.prevSoft) ? null : soft,
      hardState: sameHard(hard, this.prevHard) ? null : hard,
      snapshot: this.pendingSnapshot,
      entries: this.log.unstableEntries(),
      committedEntries: this.log.nextCommitted(this.cfg.maxCommittedBytesPerReady),
      messages: this.msgs,
      readStates: this.readStates,
      failedReads: this.failedReads,
    };
    this.msgs = [];
    this.readStates = [];
    this.failedReads = [];
    this.prevSoft = soft;
    if (rd.hardState) this.prevHard = rd.hardState;
    return rd;
  }

  /** The host persisted, sent and applied what `rd` asked for. */
  advance(rd: Ready): void {
    if (rd.snapshot && this.pendingSnapshot === rd.snapshot) this.pendingSnapshot = null;
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) {
      this.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
    // The leader counts its own log only once durable, so a commit never rests on unsynced bytes.
    this.leaderState?.onSelfStable();
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}
