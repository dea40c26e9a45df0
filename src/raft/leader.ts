import { validateConfChange } from './confchange.js';
import { InvalidRequestError, ProposalDroppedError, RaftInvariantError } from './errors.js';
import { entryBytes } from './log.js';
import { DeferredAppends } from './deferred-appends.js';
import { LeaderLease } from './lease.js';
import { Progress } from './progress.js';
import { allMembers, isJoint, isVoter, jointIndex, jointVote } from './quorum.js';
import type { RaftNode } from './raft.js';
import { ReadOnly } from './read-only.js';
import type { ConfChange, Entry, Message, NodeId } from './types.js';
import { EntryType } from './types.js';

const EMPTY = new Uint8Array(0);

/** Replication state of one follower as seen from the leader, for status reports. */
export interface FollowerStatus {
  id: NodeId;
  match: number;
  next: number;
  state: Progress['state'];
  /** In snapshot state: the index of the snapshot being sent (0 otherwise). */
  pendingSnapshot: number;
  lagEntries: number;
  recentActive: boolean;
  ticksSinceContact: number;
}

/**
 * Everything only a leader has: per-follower progress, the ReadIndex queue, heartbeat rounds
 * for leases, an ongoing leadership transfer. Created on election, dropped on step-down.
 */
export class LeaderState {
  readonly progress = new Map<NodeId, Progress>();
  readonly reads: ReadOnly;
  /** Ticks since this node became leader: the clock of the deferred-append backstop. */
  now = 0;
  round = 0;
  private readonly lease: LeaderLease;
  transferTarget: NodeId | null = null;
  private transferElapsed = 0;
  /** Index of the last membership change proposed; the next waits until it commits. */
  pendingConfIndex = 0;
  private newEntries = false;
  private commitMoved = false;
  /**
   * The commit index moved and no append has told the followers yet. They learn it from the next
   * append (under load, within a millisecond) or at the next tick: a commit-only append per
   * commit would cost every follower a message, a Ready and a response per write, for nothing
   * the protocol needs (followers apply later; the leader answered already).
   */
  private commitUnsent = false;
  private committedInTerm = false;
  /** Entries proposed with deferred replication that no append has carried yet. */
  private readonly deferred = new DeferredAppends();

  constructor(private readonly node: RaftNode) {
    this.reads = new ReadOnly(node.cfg.maxPendingReads);
    this.lease = new LeaderLease(node.cfg, node.id);
  }

  /** §5.4.2 / §8: a new leader appends a no-op so that entries of earlier terms get committed. */
  start(): void {
    this.syncProgress();
    this.pendingConfIndex = this.node.log.lastIndex();
    this.appendOwn([{ index: 0, term: 0, type: EntryType.Normal, data: EMPTY }]);
  }

  /** Creates progress for new members and drops it for removed ones. */
  syncProgress(): void {
    const members = new Set(allMembers(this.node.conf()));
    members.delete(this.node.id);
    const cfg = this.node.cfg;
    for (const id of members) {
      if (!this.progress.has(id)) {
        this.progress.set(id, new Progress(this.node.log.lastIndex() + 1, cfg.maxInflightMsgs, cfg.maxInflightBytes));
      }
    }
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
  }

  private appendOwn(entries: Entry[], deferReplication = false): number {
    const log = this.node.log;
    let index = log.lastIndex();
    const first = index + 1;
    for (const e of entries) {
      e.index = ++index;
      e.term = this.node.term;
    }
    log.append(entries);
    if (!deferReplication) this.newEntries = true;
    else this.deferred.deferred(first, this.now);
    return index;
  }

  /** Sends entries proposed with deferred replication now (the host's delay timer expired). */
  releaseDeferred(): void {
    if (this.deferred.pending) this.newEntries = true;
  }

  /**
   * Appends client commands; refused during a transfer or beyond the uncommitted bound. With
   * `deferReplication` they are durable here and in the log but reach the followers only with
   * the next broadcast (see `DeferredAppends`); the host must call `releaseDeferred()` in time.
   */
  propose(data: Uint8Array[], deferReplication: boolean): { index: number; term: number } {
    if (this.transferTarget !== null) {
      throw new ProposalDroppedError(`leadership transfer to ${this.transferTarget} in progress`);
    }
    const log = this.node.log;
    if (log.lastIndex() - log.committed + data.length > this.node.cfg.maxUncommittedEntries) {
      throw new ProposalDroppedError('too many uncommitted entries; retry later');
    }
    const entries: Entry[] = new Array(data.length);
    for (let k = 0; k < data.length; k++) entries[k] = { index: 0, term: 0, type: EntryType.Normal, data: data[k]! };
    return { index: this.appendOwn(entries, deferReplication), term: this.node.term };
  }

  /** Appends a membership change after checking that it is allowed now. */
  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    if (this.transferTarget !== null) {
      throw new ProposalDroppedError(`leadership transfer to ${this.transferTarget} in progress`);
    }
    if (this.pendingConfIndex > this.node.log.committed) {
      throw new ProposalDroppedError('a membership change is still being committed; retry when it is');
    }
    validateConfChange(this.node.conf(), cc);
    return this.appendConfChange(cc);
  }

  private appendConfChange(cc: ConfChange): { index: number; term: number } {
    const index = this.appendOwn([{ index: 0, term: 0, type: EntryType.ConfChange, data: EMPTY, conf: cc }]);
    this.node.membership.appended([this.node.log.entryAt(index)!]);
    this.pendingConfIndex = index;
    this.syncProgress();
    return { index, term: this.node.term };
  }

  transferLeadership(to: NodeId): void {
    if (to === this.node.id) throw new InvalidRequestError(`${to} is already the leader`);
    if (!isVoter(this.node.conf(), to)) throw new InvalidRequestError(`${to} is not a voter`);
    if (this.transferTarget === to) return;
    this.transferTarget = to;
    this.transferElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.node.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, pr, false);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.lease.disable();
    this.node.send({ type: 'timeoutNow', to });
  }

  readIndex(ctx: string): void {
    if (this.reads.full()) throw new ProposalDroppedError('too many pending reads; retry later');
    if (!this.committedInTerm) this.reads.waitForCommit(ctx);
    else this.reads.add(ctx, this.node.log.committed);
  }

  /** Adds a read to pending read `ctx` if its round is not sent yet (ReadOnly.join); false: not joined. */
  joinReadIndex(ctx: string): boolean {
    if (this.reads.full()) throw new ProposalDroppedError('too many pending reads; retry later');
    return this.reads.join(ctx, this.node.log.committed);
  }

  /** Serves the read at the commit index if the lease holds at `nowMs`, else through ReadIndex. */
  leaseRead(ctx: string, nowMs: number): void {
    if (this.committedInTerm && this.leaseValid(nowMs)) {
      this.node.readStates.push({ ctx, index: this.node.log.committed });
    } else {
      this.readIndex(ctx);
    }
  }

  /** The lease holds at `nowMs` (see `LeaderLease.holds`) and no transfer is under way. */
  leaseValid(nowMs: number): boolean {
    return this.transferTarget === null && this.lease.holds(this.node.conf(), nowMs);
  }

  /**
   * Whether a quorum acknowledged a heartbeat round sent within the election timeout before
   * `nowMs`: the leader has not been cut off (or frozen) for that long. Unlike the lease this is
   * no promise about other leaders; it gates what a leader may acknowledge without a quorum
   * (ASYNC writes). On the clock rather than on ticks for the same reason as the lease: after a
   * pause, requests can be handled before the first tick.
   */
  quorumContact(nowMs: number): boolean {
    return this.lease.quorumContact(this.node.conf(), nowMs);
  }

  needsFlush(): boolean {
    return this.newEntries || this.commitMoved || this.reads.needsRound();
  }

  /** Sends what accumulated since the last Ready: one round of appends and of read heartbeats. */
  flush(): void {
    if (this.reads.needsRound()) {
      const round = this.newRound();
      this.reads.assignRound(round);
      this.bcastHeartbeat(round);
      this.confirmReads();
    }
    if (this.commitMoved && !this.newEntries) {
      this.commitMoved = false;
      this.commitUnsent = true;
    }
    if (this.newEntries) {
      const empty = this.commitMoved || this.commitUnsent;
      this.newEntries = false;
      this.commitMoved = false;
      this.commitUnsent = false;
      this.bcastAppend(empty);
    }
  }

  /** Sends every follower what it lacks, deferred entries included (flow control permitting). */
  private bcastAppend(sendIfEmpty: boolean): void {
    this.deferred.sent();
    for (const [id, pr] of this.progress) {
      let sent = this.sendAppend(id, pr, sendIfEmpty);
      while (sent && pr.state === 'replicate') sent = this.sendAppend(id, pr, false);
    }
  }

  private newRound(): number {
    this.round++;
    this.lease.roundSent(this.round, this.node.clockMs);
    return this.round;
  }

  bcastHeartbeat(round: number): void {
    const commit = this.node.log.committed;
    for (const [id, pr] of this.progress) {
      // Never tell a follower to commit past what it is known to hold.
      this.node.send({ type: 'heartbeat', to: id, commit: Math.min(pr.match, commit), round });
    }
  }

  /**
   * Sends the next append to `id` if its flow control allows. Returns whether a message left.
   * With `sendIfEmpty` an append without entries still goes out (carries the commit index, or
   * acts as a probe).
   */
  sendAppend(id: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const log = this.node.log;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    if (prevTerm === null) return this.sendSnapshot(id, pr);
    const cfg = this.node.cfg;
    const entries = pr.next <= log.lastIndex() ? log.slice(pr.next, log.lastIndex() + 1, cfg.maxMsgBytes, cfg.maxEntriesPerMsg) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.node.send({ type: 'append', to: id, prevIndex, prevTerm, entries, commit: log.committed });
    if (entries.length > 0 && pr.state === 'replicate') {
      const last = entries[entries.length - 1]!.index;
      let bytes = 0;
      for (const e of entries) bytes += entryBytes(e);
      pr.next = last + 1;
      pr.inflights.add(last, bytes);
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(id: NodeId, pr: Progress): boolean {
    const snap = this.node.snapshot;
    pr.becomeSnapshot(snap.index);
    this.node.send({ type: 'snapshot', to: id, snapshot: snap });
    return true;
  }

  snapshotFailed(id: NodeId): void {
    const pr = this.progress.get(id);
    if (pr && pr.state === 'snapshot') pr.becomeProbe();
  }

  /** Commits the highest index held by a (joint) quorum, if it is of the current term (§5.4.2). */
  maybeCommit(): void {
    const node = this.node;
    const self = node.id;
    const idx = jointIndex(node.conf(), (id) => (id === self ? node.log.stableIndex : this.progress.get(id)?.match ?? 0));
    if (idx <= node.log.committed || node.log.term(idx) !== node.term) return;
    node.log.commitTo(idx);
    this.onCommitted();
  }

  private onCommitted(): void {
    const node = this.node;
    this.commitMoved = true;
    if (!this.committedInTerm) {
      this.committedInTerm = true;
      this.reads.releaseAwaitingCommit(node.log.committed);
    }
    const conf = node.conf();
    if (this.pendingConfIndex > node.log.committed) return;
    // Joint consensus is a passing state: leave it as soon as C_old,new is committed (§6).
    if (isJoint(conf)) {
      this.appendConfChange({ type: 'leaveJoint' });
      return;
    }
    // A leader removed from the configuration manages the cluster until C_new commits, then
    // hands over to the most up-to-date voter rather than making everyone wait for a timeout.
    if (!isVoter(conf, node.id)) this.stepDownRemoved();
  }

  private stepDownRemoved(): void {
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of this.node.conf().voters) {
      const pr = this.progress.get(id);
      if (pr && pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best !== null) this.sendTimeoutNow(best);
    this.node.becomeFollower(this.node.term, null);
  }

  /** The leader's own log became durable further: it may complete a quorum. */
  onSelfStable(): void {
    this.maybeCommit();
  }

  confirmReads(): void {
    const self = this.node.id;
    const quorumRound = jointIndex(this.node.conf(), (id) => (id === self ? this.round : this.progress.get(id)?.ackedRound ?? 0));
    this.reads.confirm(quorumRound, this.node.readStates);
  }

  /**
   * Check-quorum (thesis §6.2): true while a (joint) quorum was heard from within the last
   * election timeout. Checked every tick, so a cut-off leader steps down within one election
   * timeout of its last contact rather than at the end of the next check period.
   */
  quorumActive(): boolean {
    const self = this.node.id;
    const within = this.node.cfg.electionTicks;
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) active.set(id, pr.ticksSinceContact < within);
    active.set(self, true);
    return jointVote(this.node.conf(), active) === 'won';
  }

  /**
   * One tick of the leader's timers. `gap`: the host's clock says this tick comes late by more
   * than the drift bound, so the node was not running for a while (paused, frozen, starved).
   * Followers' clocks went on meanwhile: leases wait for a round sent from now on, which goes
   * out at once.
   */
  tick(gap: boolean): void {
    const node = this.node;
    const cfg = node.cfg;
    if (gap) {
      this.lease.gap(node.clockMs);
      node.heartbeatElapsed = cfg.heartbeatTicks;
    }
    this.now++;
    node.electionElapsed++;
    node.heartbeatElapsed++;
    for (const pr of this.progress.values()) {
      pr.ticksSinceContact++;
      if (pr.state === 'snapshot') pr.snapshotTicks++;
    }
    if (this.transferTarget !== null && ++this.transferElapsed >= cfg.electionTicks) this.transferTarget = null;
    if (cfg.checkQuorum && !this.quorumActive()) {
      node.becomeFollower(node.term, null);
      return;
    }
    if (node.electionElapsed >= cfg.electionTicks) {
      node.electionElapsed = 0;
      for (const pr of this.progress.values()) pr.recentActive = false;
    }
    if (this.commitUnsent || this.deferred.overdue(this.now)) {
      this.commitUnsent = false;
      this.bcastAppend(true);
    }
    if (node.heartbeatElapsed >= cfg.heartbeatTicks) {
      node.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.newRound());
      this.lease.prune(node.clockMs);
      this.retryStuckSnapshots();
    }
  }

  /** A snapshot that got lost in transit is retried after a few election timeouts. */
  private retryStuckSnapshots(): void {
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && pr.snapshotTicks > 2 * this.node.cfg.electionTicks) pr.becomeProbe();
    }
  }

  handleAppendResponse(m: Extract<Message, { type: 'appendResponse' }>): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ticksSinceContact = 0;
    if (!m.success) {
      const hint = m.hintTerm > 0 ? this.node.log.findConflictByTerm(m.hintIndex, m.hintTerm) : m.hintIndex;
      if (pr.maybeDecrTo(m.index, hint + 1)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, pr, true);
      }
      return;
    }
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else pr.inflights.freeTo(m.index);
      this.maybeCommit();
      // Committing may have removed us from the configuration and ended our leadership.
      if (this.node.leaderState !== this) return;
      while (this.deferred.mayStream(pr.next) && this.sendAppend(m.from, pr, false) && pr.state === 'replicate');
      if (m.from === this.transferTarget && pr.match === this.node.log.lastIndex()) this.sendTimeoutNow(m.from);
    }
    // An acknowledgement that does not move match (a duplicate or a late one) has nothing to
    // free: the window only ever holds appends past match (next > match at every send, and
    // freeTo(match) runs whenever match moves).
  }

  handleHeartbeatResponse(m: Extract<Message, { type: 'heartbeatResponse' }>): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ticksSinceContact = 0;
    if (m.round > pr.ackedRound) {
      pr.ackedRound = m.round;
      this.lease.acked(m.from, m.round);
    }
    if (pr.state === 'probe') pr.probeSent = false;
    // A full window after lost messages would never drain: free one slot so the next append
    // (rejected for its gap, if earlier ones were lost) sends the follower back to probing.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    // An empty append doubles as a probe: it finds out if appends sent earlier were lost.
    if (pr.match < this.deferred.expectedUpTo(this.node.log.lastIndex())) this.sendAppend(m.from, pr, true);
    this.confirmReads();
  }

  followers(): FollowerStatus[] {
    const last = this.node.log.lastIndex();
    return [...this.progress].map(([id, pr]) => ({
      id,
      match: pr.match,
      next: pr.next,
      state: pr.state,
      pendingSnapshot: pr.pendingSnapshot,
      lagEntries: last - pr.match,
      recentActive: pr.recentActive,
      ticksSinceContact: pr.ticksSinceContact,
    }));
  }
}

/** The leader's step function. */
export function stepLeader(node: RaftNode, m: Message): void {
  const ls = node.leaderState!;
  switch (m.type) {
    case 'appendResponse':
      ls.handleAppendResponse(m);
      return;
    case 'heartbeatResponse':
      ls.handleHeartbeatResponse(m);
      return;
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // Election Safety (§5.2): two leaders in one term is a bug we must never paper over.
      throw new RaftInvariantError(`raft invariant: ${node.id} is leader of term ${m.term} and got ${m.type} from ${m.from}`);
    default:
      return;
  }
}

/** The leader's tick; `gap` as in `LeaderState.tick`. */
export function tickLeader(node: RaftNode, gap: boolean): void {
  node.leaderState!.tick(gap);
}

export function flushLeader(node: RaftNode): void {
  node.leaderState!.flush();
}
