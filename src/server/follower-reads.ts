// Linearizable reads served by a follower from its own state machine (Raft thesis §6.4, "Reads on
// followers"; etcd does the same): the follower asks the leader for a read index, the leader
// confirms it is still leader by a heartbeat round (raft.readIndex) and answers with its commit
// index, and the follower serves the read once it has applied that index. One round serves every
// read that arrived BEFORE it was sent. A read arriving while a round is in flight waits for the
// next one: the leader may have fixed that round's index before the read began, so a write
// acknowledged between the two would be missed. Rounds are asked through onLeader (the leader's
// Raft.Forward stream, waiting for a leader to be known, passed on once past a stale leader).
import * as grpc from '@grpc/grpc-js';
import { monotonicMs, type MonotonicClock } from '../common/clock.js';
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import { onLeader, withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { LeadershipLostError, RequestError } from './errors.js';
import { READ_INDEX } from './peer-forward.js';

/** What FollowerReads needs of the node. */
export interface FollowerReadDeps {
  /** A read index the leader confirmed after this call; `deadline` bounds the round. */
  askLeader(deadline: Date): Promise<number>;
  /** Resolves once this node's state machine applied `index`. */
  waitApplied(index: number): Promise<void>;
  /** Counts for metrics: a round sent with `reads` reads, a read refused because too many wait. */
  onRound?(reads: number): void;
  onRefused?(): void;
  /** The node's timers and monotonic clock (a round's age is a duration); default the process's. */
  timers?: Timers;
  clock?: MonotonicClock;
}

/** Bounds of the reads waiting on one node. */
export interface FollowerReadLimits {
  /** Reads waiting for a round or for its answer; more are refused UNAVAILABLE. */
  maxReads: number;
  /** Rounds in flight at once (a new one only starts when the last is older than `staleRoundMs`). */
  maxRounds: number;
  /**
   * A round unanswered this long no longer holds the next one back: reads that arrive after it
   * get a round of their own (the leader changed, or a message was lost), rather than waiting
   * for its deadline.
   */
  staleRoundMs: number;
}

/** Defaults: as many reads as a pipeline may have in flight; a few rounds at once. */
export const DEFAULT_FOLLOWER_READ_LIMITS: FollowerReadLimits = { maxReads: 4096, maxRounds: 4, staleRoundMs: 300 };

/** A rounds's own call: no client metadata (hop 0), the round's deadline. */
const ROUND_METADATA = new grpc.Metadata();

/**
 * Asks the leader for a read index: this node's core when it leads, otherwise the leader's (on
 * the Raft.Forward stream, through onLeader: it waits for a leader to be known and is passed on
 * once by a node that lost leadership).
 */
export function askReadIndex(ctx: NodeContext, deadline: Date): Promise<number> {
  const call: IncomingCall = { request: {}, metadata: ROUND_METADATA, getDeadline: () => deadline };
  return onLeader<number>(ctx, call, 'kv', READ_INDEX, (d) => withDeadline(ctx, ctx.driver.confirmReadIndex(false), d, 'read index'));
}

interface Waiter {
  deadline: Date;
  resolve(): void;
  reject(err: Error): void;
}

/** The reads of one follower waiting for read-index rounds. */
export class FollowerReads {
  /** Arrived since the last round was sent. */
  private waiting: Waiter[] = [];
  private reads = 0;
  private rounds = 0;
  private lastSentMs = 0;
  private scheduled = false;
  private staleTimer: TimerHandle | null = null;
  private readonly timers: Timers;
  private readonly clock: MonotonicClock;

  constructor(
    private readonly deps: FollowerReadDeps,
    private readonly limits: FollowerReadLimits,
  ) {
    this.timers = deps.timers ?? systemTimers;
    this.clock = deps.clock ?? monotonicMs;
  }

  /** Reads waiting now (for a round or its answer, or to be applied). */
  get size(): number {
    return this.reads;
  }

  /**
   * Resolves once this node's state machine has applied an index the leader confirmed in a round
   * sent after this call: a read served then sees every write acknowledged before it began.
   */
  barrier(deadline: Date): Promise<void> {
    if (this.reads >= this.limits.maxReads) {
      this.deps.onRefused?.();
      return Promise.reject(new RequestError(grpc.status.UNAVAILABLE, `${this.reads} linearizable reads already wait for a read index on this node; retry shortly or read from the leader`));
    }
    this.reads++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ deadline, resolve, reject });
      this.maybeSend();
    }).finally(() => this.reads--);
  }

  private maybeSend(): void {
    if (this.waiting.length === 0 || this.scheduled) return;
    if (this.rounds > 0) {
      const age = this.clock() - this.lastSentMs;
      if (this.rounds >= this.limits.maxRounds) return; // the next answer or failure sends it
      if (age < this.limits.staleRoundMs) {
        this.staleTimer ??= this.timers.setTimeout(() => {
          this.staleTimer = null;
          this.maybeSend();
        }, this.limits.staleRoundMs - age);
        return;
      }
    }
    this.scheduled = true;
    // At the end of the turn: the reads arriving in this poll phase share the round.
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  private send(): void {
    const round = this.waiting;
    if (round.length === 0) return;
    this.waiting = [];
    if (this.staleTimer) this.timers.clear(this.staleTimer);
    this.staleTimer = null;
    let deadlineMs = 0;
    for (const w of round) deadlineMs = Math.max(deadlineMs, w.deadline.getTime());
    this.rounds++;
    this.lastSentMs = this.clock();
    this.deps.onRound?.(round.length);
    this.deps
      .askLeader(new Date(deadlineMs))
      .then(
        (index) => {
          const applied = this.deps.waitApplied(index);
          for (const w of round) applied.then(w.resolve, w.reject);
        },
        (err: unknown) => {
          // Reads are idempotent: kv-service asks again once, in a new round, on LeadershipLostError.
          const e = err instanceof RequestError && err.code === grpc.status.UNAVAILABLE && !(err instanceof LeadershipLostError) ? new LeadershipLostError(err.message) : (err as Error);
          for (const w of round) w.reject(e);
        },
      )
      .finally(() => {
        this.rounds--;
        this.maybeSend();
      });
  }
}
