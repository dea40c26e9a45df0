import { leaseDurationMs, type RaftConfig } from './config.js';
import { jointIndex } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

/** Stands for "never" in lease arithmetic (sorting needs a finite number). */
export const NEVER = -1e15;

/**
 * A leader's lease (thesis §6.4.1) on the host's monotonic clock: when each recent heartbeat
 * round left, the latest round each follower acknowledged, and what voids the lease. Time comes
 * from the leader's inputs (see `leaseDurationMs` for the rule and its numbers).
 */
export class LeaderLease {
  /**
   * When each recent round was sent: the latest time an input carried when it was created,
   * never later than the real send, so a stamp can only make a lease shorter.
   */
  private readonly roundSentMs = new Map<number, number>();
  /** Per follower, the send time of the latest round it acknowledged. */
  private readonly ackedSentMs = new Map<NodeId, number>();
  /** Only rounds sent at or after this time count: a gap in the ticks moves it up. */
  private floorMs = NEVER;
  /** Set once a TimeoutNow left: another node may now win without waiting out the lease. */
  private disabled = false;

  constructor(
    private readonly cfg: RaftConfig,
    private readonly self: NodeId,
  ) {}

  /** Round `round` goes out; `clockMs` is the latest clock reading the leader has. */
  roundSent(round: number, clockMs: number): void {
    this.roundSentMs.set(round, clockMs);
  }

  /** `from` acknowledged `round`: it heard from this leader after the round's send time. */
  acked(from: NodeId, round: number): void {
    const sentMs = this.roundSentMs.get(round);
    if (sentMs !== undefined) this.ackedSentMs.set(from, Math.max(this.ackedSentMs.get(from) ?? NEVER, sentMs));
  }

  /**
   * The leader's ticks had a gap ending at `clockMs`: it was not running, while the followers'
   * clocks went on. Only rounds sent from now on can carry a lease.
   */
  gap(clockMs: number): void {
    this.floorMs = clockMs;
  }

  /** TimeoutNow left: its target campaigns at once and followers grant that vote inside their lease. */
  disable(): void {
    this.disabled = true;
  }

  /**
   * Whether the lease holds at `nowMs` (read when the read is decided — not at the last tick,
   * which may be a whole pause ago): a (joint) quorum acknowledged a round sent since the last
   * gap and less than `leaseDurationMs` before `nowMs`. Those followers refuse votes for an
   * election timeout after receiving it, so no other leader can exist yet.
   */
  holds(conf: ConfState, nowMs: number): boolean {
    if (!this.cfg.checkQuorum || this.disabled) return false;
    const sentMs = this.quorumAckedSentMs(conf, nowMs);
    return sentMs >= this.floorMs && nowMs - sentMs < leaseDurationMs(this.cfg);
  }

  /** Whether a quorum acknowledged a round sent within the election timeout before `nowMs`. */
  quorumContact(conf: ConfState, nowMs: number): boolean {
    return nowMs - this.quorumAckedSentMs(conf, nowMs) < this.cfg.electionTicks * this.cfg.tickMs;
  }

  /** Forgets rounds sent two election timeouts before `clockMs`: an acknowledgement of one extends nothing. */
  prune(clockMs: number): void {
    const horizon = clockMs - 2 * this.cfg.electionTicks * this.cfg.tickMs;
    for (const [round, sentMs] of this.roundSentMs) {
      if (sentMs >= horizon) break;
      this.roundSentMs.delete(round);
    }
  }

  /** The latest send time a (joint) quorum acknowledged; the leader itself counts as `nowMs`. */
  private quorumAckedSentMs(conf: ConfState, nowMs: number): number {
    return jointIndex(conf, (id) => (id === this.self ? nowMs : (this.ackedSentMs.get(id) ?? NEVER)));
  }
}
