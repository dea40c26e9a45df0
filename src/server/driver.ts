import type { Logger } from 'pino';
import { RaftInvariantError, type ConfChangeItem, type Entry, type Message, type NodeId, type RaftNode, type Ready, type SoftState } from '../raft/index.js';
import type { ApplyResult, StateMachine } from '../state/index.js';
import type { Wal } from '../wal/index.js';
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import { monotonicMs, type MonotonicClock } from './clock.js';
import { CompactionPoint, type CompactionPolicy } from './compaction-point.js';
import { HeldApplies } from './held-applies.js';
import { NodeStoppedError } from './errors.js';
import { ProposalTracker } from './proposals.js';
import { ReadTracker } from './reads.js';
import type { SnapshotStaging } from './snapshot-staging.js';

export interface DriverOptions extends CompactionPolicy {
  tickMs: number;
  /** A follower applies committed entries up to this late, batched (held-applies.ts); 0: at once. */
  followerApplyDelayMs: number;
  /**
   * Proposals made with `deferReplication` (ASYNC writes) reach the followers at most this late,
   * several in one append; 0: at once like every other entry.
   */
  asyncReplicationDelayMs: number;
}

export interface DriverDeps {
  raft: RaftNode;
  wal: Wal;
  sm: StateMachine;
  staging: SnapshotStaging;
  log: Logger;
  send(messages: Message[]): void;
  /** Role or leader changed. */
  onSoftState(ss: SoftState): void;
  /** Committed entries were applied (after the proposal waiters were answered). */
  onApplied(entries: readonly Entry[], results: readonly ApplyResult[]): void;
  /** The leader's own log is durable up to `index` (ASYNC commit mode acknowledges here). */
  onDurable(index: number): void;
  /** Seconds one WAL write + fsync took (for the fsync histogram). */
  onPersisted?(seconds: number): void;
  /** After every input to the core (a tick, a message, a request): progress may have moved. */
  onInput(): void;
  /**
   * Snapshots being streamed now, by peer: the index of the state each carries. The core stops
   * waiting for a long transfer after a few election timeouts (the follower looks lost to it),
   * but the follower still needs the log after that index once it installs.
   */
  snapshotsInFlight?(): ReadonlyMap<NodeId, number>;
  /** Unrecoverable: the node must stop (a violated invariant, a failed disk). */
  onFatal(err: Error): void;
  /** The clock ticks and lease reads carry into the core (default `monotonicMs`). */
  clock?: MonotonicClock;
  /** The tick timer (default: an interval on `timers`). */
  ticker?: Ticker;
  /** The node's timers: the tick (without `ticker`) and the ASYNC release (default the process's). */
  timers?: Timers;
}

/** Starts a repeating timer; returns the function that stops it. */
export type Ticker = (everyMs: number, fn: () => void) => () => void;

/** An interval on `timers` as a Ticker. */
export function intervalTicker(timers: Timers = systemTimers): Ticker {
  return (everyMs, fn) => {
    const timer = timers.setInterval(fn, everyMs);
    return () => timers.clear(timer);
  };
}

/** Committed entries handed to the apply stage and not yet written; past this the loop waits. */
const MAX_UNAPPLIED_ENTRIES = 8192;
/** A follower holding this many committed entries applies them without waiting for the delay. */
const MAX_HELD_ENTRIES = 4096;

/**
 * Runs one Raft node against real storage and a real clock. It owns the loop that turns each
 * Ready into I/O in the order the core requires: install snapshot, persist entries and hard
 * state (one group commit), send messages, hand committed entries to the apply stage, then
 * advance. Inputs that arrive while a Ready is being persisted accumulate in the core and go out
 * together in the next one, which is what batches proposals and appends under load.
 *
 * Applying is a stage of its own: batches are applied strictly in order, one at a time, but the
 * loop does not wait for their LevelDB writes. A proposal arriving while the previous write is in
 * flight is persisted and replicated at once (an ASYNC write's acknowledgement no longer includes
 * the previous write's apply), and WAL and state-machine writes overlap under load. Everything
 * that needs the state machine itself (snapshot install, compaction, shutdown) waits for the
 * stage to drain; reads wait for the state machine's applied index as before.
 */
export class RaftDriver {
  readonly proposals = new ProposalTracker();
  readonly reads = new ReadTracker();
  private running = false;
  private scheduled = false;
  private stopped = false;
  private stopTicking: (() => void) | null = null;
  /** Armed while deferred proposals wait for their release (asyncReplicationDelayMs). */
  private releaseTimer: TimerHandle | null = null;
  private persistedTerm: number;
  private persistedVote: string | null;
  /** The apply stage: the last batch handed to it settles when everything before is applied. */
  private applying: Promise<void> = Promise.resolve();
  private unappliedEntries = 0;
  /** A follower's committed entries not yet handed to the apply stage. */
  private readonly held: HeldApplies;
  private readonly clock: MonotonicClock;
  private readonly timers: Timers;
  /** Decides when the log is compacted and up to where. */
  private readonly compactionPoint: CompactionPoint;
  /**
   * A compaction whose state-machine sync runs beside the Ready loop (maybeCompact): `synced`
   * once the entries up to `target` are durable in LevelDB and the history; the loop then records
   * the snapshot point and drops the log.
   */
  private compaction: { target: number; synced: boolean; done: Promise<void> } | null = null;
  /** The latest ReadIndex request, which later reads join while its round has not left (confirmReadIndex). */
  private openRead: { ctx: string; confirmed: Promise<number> } | null = null;

  constructor(
    private readonly deps: DriverDeps,
    private readonly opts: DriverOptions,
  ) {
    // The core turns its tick count into time with its own tickMs: the two must agree.
    if (deps.raft.cfg.tickMs !== opts.tickMs) {
      throw new Error(`driver ticks every ${opts.tickMs} ms but the Raft config says tickMs ${deps.raft.cfg.tickMs}`);
    }
    this.clock = deps.clock ?? monotonicMs;
    this.timers = deps.timers ?? systemTimers;
    const hs = deps.raft.hardState();
    this.persistedTerm = hs.term;
    this.persistedVote = hs.vote;
    this.compactionPoint = new CompactionPoint(deps.raft, opts, () => deps.snapshotsInFlight?.());
    this.held = new HeldApplies(opts.followerApplyDelayMs, MAX_HELD_ENTRIES, (entries) => this.enqueueApply(entries), this.timers);
  }

  get raft(): RaftNode {
    return this.deps.raft;
  }

  start(): void {
    this.stopTicking = (this.deps.ticker ?? intervalTicker(this.timers))(this.opts.tickMs, () => this.tick());
    this.schedule();
  }

  /** Resolves once every committed entry handed to the driver so far is applied. */
  applied(): Promise<void> {
    this.held.release();
    return this.applying;
  }

  /** Resolves once the compaction's state-machine sync in progress (if any) has ended: before the state machine closes. */
  async compactionSynced(): Promise<void> {
    await this.compaction?.done;
  }

  /** Highest index the state machine has applied (Raft's own applied mark may be ahead). */
  appliedIndex(): number {
    return this.deps.sm.appliedIndex();
  }

  /** Persists the latest hard state (its commit index is otherwise saved only with term/vote). */
  async flushHardState(): Promise<void> {
    await this.deps.wal.saveHardState(this.deps.raft.hardState());
  }

  stop(why: string): void {
    this.stopped = true;
    this.stopTicking?.();
    this.stopTicking = null;
    if (this.releaseTimer) this.timers.clear(this.releaseTimer);
    this.releaseTimer = null;
    this.held.clear();
    this.proposals.failAll(why);
    this.reads.failAll(why);
  }

  /**
   * One timer tick, with the clock's time: however long the process was stopped, setInterval
   * fires once, so the core is told when, and treats a late tick as a gap (no lease until a
   * fresh heartbeat round is acknowledged). Missed ticks are not replayed: a follower's or
   * candidate's timers running late only delay elections, and the leader's lease and ASYNC
   * quorum check read the clock itself.
   */
  private tick(): void {
    // Most ticks change nothing (9 of 10 on a leader, between heartbeats): the Ready loop runs only
    // for one that did, rather than a turn of the event loop per tick, 100 times a second, for
    // nothing (docs/performance.md, "Idle wake-ups"). A compaction needs no tick: it is looked at
    // after every Ready, and a finished sync schedules the loop itself.
    this.guard(() => this.deps.raft.tick(this.clock()), () => this.deps.raft.hasReady());
  }

  /** Feeds a peer's message to the core. */
  step(msg: Message): void {
    this.guard(() => this.deps.raft.step(msg));
  }

  /**
   * Runs a synchronous core input, then schedules the Ready loop (unless `needsLoop` says there is
   * nothing for it); core invariant errors are fatal.
   */
  guard<T>(fn: () => T, needsLoop?: () => boolean): T {
    if (this.stopped) throw new NodeStoppedError();
    let out: T;
    try {
      out = fn();
    } catch (err) {
      // Only a broken invariant stops the node; the core's refusals (not leader, dropped, invalid) go to the caller.
      if (err instanceof RaftInvariantError) this.fatal(err);
      throw err;
    }
    this.deps.onInput();
    if (needsLoop?.() !== false) this.schedule();
    return out;
  }

  /**
   * Proposes one command as leader and waits until it is applied. With `deferReplication` (a
   * write acknowledged before replication) the followers get it within asyncReplicationDelayMs,
   * together with whatever else was proposed meanwhile: fewer, larger appends.
   */
  propose(data: Uint8Array, deferReplication = false): { index: number; result: Promise<ApplyResult> } {
    const defer = deferReplication && this.opts.asyncReplicationDelayMs > 0;
    const { index, term } = this.guard(() => this.deps.raft.propose([data], defer));
    if (defer && this.releaseTimer === null) {
      this.releaseTimer = this.timers.setTimeout(() => {
        this.releaseTimer = null;
        if (!this.stopped) this.guard(() => this.deps.raft.releaseDeferred());
      }, this.opts.asyncReplicationDelayMs);
    }
    return { index, result: this.proposals.wait(index, term, data.byteLength) };
  }

  /** Proposes a membership change and waits until it is applied. */
  proposeConfChange(changes: ConfChangeItem[]): Promise<ApplyResult> {
    const { index, term } = this.guard(() => this.deps.raft.proposeConfChange(changes));
    return this.proposals.wait(index, term);
  }

  /** Resolves once a linearizable (or lease) read may be served from the local state machine. */
  async readBarrier(lease: boolean): Promise<void> {
    await this.waitApplied(await this.confirmReadIndex(lease));
  }

  /**
   * Leader only: the index a read arriving now may be served at, once the core confirmed it
   * (a ReadIndex heartbeat round, or the lease with `lease`). Followers ask for it (follower-reads.ts).
   */
  async confirmReadIndex(lease: boolean): Promise<number> {
    const open = this.openRead;
    // Reads arriving before the next Ready share one ReadIndex request: one pending read, one
    // waiter and one ReadState for all of them, at the commit index of the latest (the core
    // checks that its heartbeat round has not left yet). A Pipeline message or a turn's unary
    // calls bring dozens of reads at once.
    if (!lease && open !== null && !this.stopped && this.deps.raft.joinReadIndex(open.ctx)) return open.confirmed;
    const ctx = this.reads.nextCtx();
    const confirmed = this.reads.wait(ctx);
    try {
      // The lease is judged on the clock now, at the read: after a pause, requests queued in the
      // sockets are handled before any timer fires, when the last tick is the pause's length ago.
      this.guard(() => (lease ? this.deps.raft.leaseRead(ctx, this.clock()) : this.deps.raft.readIndex(ctx)));
    } catch (err) {
      this.reads.failed([ctx]);
      confirmed.catch(() => {}); // rejected by failed() above; `err`, thrown to the caller, says why
      throw err;
    }
    if (!lease) this.openRead = { ctx, confirmed };
    return confirmed;
  }

  /**
   * Resolves once the state machine has applied `index`. A read waits on it, so a follower stops
   * holding entries back (held-applies.ts) while one does.
   */
  waitApplied(index: number): Promise<void> {
    if (index > this.deps.sm.appliedIndex()) this.held.release();
    return this.reads.waitApplied(index, this.deps.sm.appliedIndex());
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.stopped) return;
    this.scheduled = true;
    // At the end of this turn of the event loop (the check phase, right after this poll's I/O
    // callbacks): every request, forwarded batch, peer message and acknowledgement read in the
    // turn goes out as one Ready: one WAL write, one append per follower. Scheduled after each
    // callback instead (process.nextTick, until 2026-12-06), each unary call, which arrives in
    // a callback of its own, made a Ready and an append per follower of its own
    // (docs/performance.md, "One Ready per turn").
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    const raft = this.deps.raft;
    try {
      while (!this.stopped) {
        if (raft.hasReady()) {
          const rd = raft.ready();
          await this.handle(rd);
          raft.advance(rd);
        } else if (this.compaction?.synced !== true) break;
        await this.maybeCompact();
      }
    } catch (err) {
      this.fatal(err as Error);
    } finally {
      this.running = false;
    }
  }

  private async handle(rd: Ready): Promise<void> {
    const { wal, sm } = this.deps;
    if (rd.softState) {
      if (rd.softState.role !== 'leader') {
        this.proposals.failUncommitted(this.deps.raft.log.committed, 'leadership lost; the outcome is unknown, retry with the same request id');
      }
      // A new leader serves reads and answers proposals from its state machine: nothing held.
      this.held.release();
      this.deps.onSoftState(rd.softState);
    }
    if (rd.snapshot) await this.installSnapshot(rd.snapshot);
    // Term and vote must be durable before any message leaves (§5.2: one vote per term). The
    // commit index need not be: after a crash it is re-learned from the leader and from the state
    // machine's applied index, so a commit-only change costs no fsync (it is saved on close).
    const voteChanged = rd.hardState !== null && (rd.hardState.term !== this.persistedTerm || rd.hardState.vote !== this.persistedVote);
    // A leader's appends may leave before its own fsync (thesis §10.2.1): the leader counts
    // itself towards a commit only once durable, so replicating early is safe and takes one
    // fsync off every write's critical path. Everything else acknowledges durable state.
    const early = rd.entries.length > 0 && this.deps.raft.role === 'leader' && !voteChanged;
    const writes: Promise<void>[] = [];
    if (rd.entries.length > 0) writes.push(wal.append(rd.entries, early && rd.messages.length > 0));
    if (rd.hardState && voteChanged) {
      writes.push(wal.saveHardState(rd.hardState));
      this.persistedTerm = rd.hardState.term;
      this.persistedVote = rd.hardState.vote;
    }
    if (early && rd.messages.length > 0) this.deps.send(rd.messages);
    if (writes.length > 0) {
      const t0 = performance.now();
      await Promise.all(writes);
      this.deps.onPersisted?.((performance.now() - t0) / 1000);
    }
    if (rd.entries.length > 0 && this.deps.raft.role === 'leader') {
      this.deps.onDurable(rd.entries[rd.entries.length - 1]!.index);
    }
    if (!early && rd.messages.length > 0) this.deps.send(rd.messages);
    if (rd.committedEntries.length > 0) await this.toApplyStage(rd.committedEntries);
    this.reads.readStates(rd.readStates);
    this.reads.failed(rd.failedReads);
    this.reads.appliedTo(sm.appliedIndex());
  }

  /**
   * Queues a batch for the apply stage (a follower holds it back a little, see held-applies.ts);
   * waits only when the stage is too far behind.
   */
  private async toApplyStage(entries: readonly Entry[]): Promise<void> {
    if (this.opts.followerApplyDelayMs > 0 && this.deps.raft.role !== 'leader' && !this.reads.awaitingApply) {
      this.held.hold(entries);
      return;
    }
    this.held.release(); // anything held comes first
    this.enqueueApply(entries);
    if (this.unappliedEntries > MAX_UNAPPLIED_ENTRIES) await this.applying;
  }

  private enqueueApply(entries: readonly Entry[]): void {
    this.unappliedEntries += entries.length;
    this.compactionPoint.applied(entries);
    this.applying = this.applying.then(() => this.applyBatch(entries));
  }

  private async applyBatch(entries: readonly Entry[]): Promise<void> {
    if (this.stopped) return;
    const { sm } = this.deps;
    try {
      // Proposers are answered once results are decided, not after LevelDB has them: that takes
      // a write off every request's path and is safe, since reads wait for appliedIndex().
      const results = await sm.apply(entries, (decided) => this.proposals.applied(entries, decided));
      this.deps.onApplied(entries, results);
      this.reads.appliedTo(sm.appliedIndex());
    } catch (err) {
      this.fatal(err as Error);
    } finally {
      this.unappliedEntries -= entries.length;
    }
  }

  /**
   * Installs the snapshot the core ordered: the staging built and verified its directory before
   * the message was stepped (snapshot-staging.ts), so this is a swap of directories; only the
   * local disk can make it fail.
   */
  private async installSnapshot(meta: Ready['snapshot'] & object): Promise<void> {
    const { sm, wal, staging, log } = this.deps;
    this.held.release();
    await this.applying; // the state machine is replaced: nothing may still be applying to it
    // Nor syncing it; and the compaction's snapshot point must not be recorded after this one.
    await this.compaction?.done;
    this.compaction = null;
    if (meta.index < sm.appliedIndex()) {
      // The state machine is past it already: an earlier install reached LevelDB, and the process
      // died before the WAL recorded it, so the core asked again and got an older snapshot. That
      // state is committed (a leader's snapshot); the entries up to it are skipped when applied.
      await staging.discard(meta.index);
      await wal.saveSnapshotMeta(meta);
      log.warn({ index: meta.index, applied: sm.appliedIndex() }, 'kept the state machine, which is past the snapshot from the leader (an install the WAL had not recorded before a crash)');
      return;
    }
    const prepared = await staging.take(meta.index);
    await sm.installSnapshotDir(prepared.dir, prepared.info);
    this.compactionPoint.reset();
    await wal.saveSnapshotMeta(meta);
    log.info({ index: meta.index, term: meta.term, bytes: prepared.info.bytes, records: prepared.info.pairs }, 'installed snapshot from leader');
  }

  /**
   * Log compaction (§7): once enough entries were applied, make the state machine durable, record
   * a snapshot point in the WAL and drop the log before it, keeping `keepEntries` for followers.
   *
   * The sync runs beside the Ready loop, which goes on persisting, sending and applying: it can
   * take hundreds of milliseconds (the history files and LevelDB's log since the last sync, on a
   * disk the WAL shares), and every member reaches the same count trigger at about the same
   * entry. Awaited in the loop, as it was until 2026-12-07, it stopped every member's Ready loop
   * at once, acknowledgements included: 64 clients putting 4 KiB values through the leader made
   * it lose check-quorum (150 ms without a majority's answer) at the first compaction after
   * about 40,000 entries (docs/performance.md, "Compaction beside the Ready loop").
   */
  private async maybeCompact(): Promise<void> {
    const { raft, wal } = this.deps;
    const c = this.compaction;
    if (c !== null) {
      if (!c.synced) return;
      this.compaction = null;
      // Short: a small WAL record and unlinks. An install since the sync began waited for it and
      // cleared `compaction`, so the snapshot point is never recorded behind a newer one.
      await wal.saveSnapshotMeta(raft.snapshotMetaAt(c.target));
      raft.compact(c.target);
      await wal.compactPrefix(c.target);
      return;
    }
    const target = this.compactionPoint.due();
    if (target === null) return;
    this.held.release();
    this.startCompactionSync(target);
  }

  /** The sync half of a compaction, off the Ready loop: the entries up to `target` durable in the state machine. */
  private startCompactionSync(target: number): void {
    const { sm } = this.deps;
    const applying = this.applying; // holds every entry up to target (handed over before the look)
    const c: { target: number; synced: boolean; done: Promise<void> } = { target, synced: false, done: Promise.resolve() };
    c.done = (async () => {
      try {
        await applying; // the snapshot point must be in LevelDB before the log before it goes
        await sm.sync();
        c.synced = true;
        this.schedule(); // the loop records the point, even with no Ready to make
      } catch (err) {
        this.fatal(err as Error);
      }
    })();
    this.compaction = c;
  }

  private fatal(err: Error): void {
    if (this.stopped) return;
    this.stop(`node stopped: ${err.message}`);
    this.deps.onFatal(err);
  }
}
