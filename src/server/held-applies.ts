import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import type { Entry } from '../raft/index.js';

/**
 * Committed entries a follower holds back for a few milliseconds so that several commits reach
 * the state machine as one LevelDB batch.
 *
 * Under a sequential client a follower learns of one commit per request, and applying each alone
 * costs a LevelDB write and a thread-pool round trip: about a sixth of a follower's CPU per put
 * on the 2-core VM, CPU that the client and the leader, which are on the request's path, share
 * with it. Nothing waits on a follower's apply: reads that must be fresh are served by the leader,
 * entries are durable in the WAL already, and a node that becomes leader, compacts, installs a
 * snapshot or is asked what it applied releases what it holds first (RaftDriver does). What a
 * follower serves at SERIALIZABLE is at most `delayMs` older than without holding.
 */
export class HeldApplies {
  private entries: Entry[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly delayMs: number,
    private readonly maxEntries: number,
    private readonly release_: (entries: Entry[]) => void,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Entries held now. */
  get size(): number {
    return this.entries.length;
  }

  /** Holds `entries` (which follow those held) until the delay ends or enough are held. */
  hold(entries: readonly Entry[]): void {
    for (let i = 0; i < entries.length; i++) this.entries.push(entries[i]!);
    if (this.entries.length >= this.maxEntries) this.release();
    else this.timer ??= this.timers.setTimeout(() => this.release(), this.delayMs);
  }

  /** Hands everything held to the apply stage now, in order. */
  release(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    if (this.entries.length === 0) return;
    const entries = this.entries;
    this.entries = [];
    this.release_(entries);
  }

  /** Drops what is held (the node stopped; a restart re-applies committed entries from the WAL). */
  clear(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.entries = [];
  }
}
