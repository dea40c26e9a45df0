import type { Logger } from 'pino';
import type { WallClock } from '../common/clock.js';
import { sleepOn, type Timers } from '../common/timers.js';
import { ProposalDroppedError, type Message, type SoftState } from '../raft/index.js';
import type { LeaderView } from './quorum-loss.js';

export const HISTORY_META = 'failoverHistory';
export const INTENT_META = 'switchoverIntent';
/** Events kept in the replicated history. */
const MAX_EVENTS = 200;

export type FailoverReason = 'election' | 'switchover' | 'failback' | 'step-down';

/** One leadership change, as `raftdb history` shows it. Times are epoch milliseconds. */
export interface FailoverEvent {
  term: number;
  from: string;
  to: string;
  reason: FailoverReason;
  detectedAtMs: number;
  electedAtMs: number;
  /** When the new leader's first entry of its term (its no-op) was committed and applied. */
  firstWriteAtMs: number;
  /** From the last contact with the old leader (or the start of a switchover's hold) to firstWriteAtMs. */
  unavailableMs: number;
}

/** Written by a leader into the log just before it hands over, so its successor knows why. */
export interface SwitchoverIntent {
  id: string;
  reason: FailoverReason;
  from: string;
  to: string;
  heldAtMs: number;
}

export interface HistoryDeps {
  id: string;
  log: Logger;
  getMeta(name: string): Promise<unknown>;
  /** Proposes setMeta(name, value) on this node (it is the leader) and waits until applied. */
  putMeta(name: string, value: unknown): Promise<void>;
  onEvent(e: FailoverEvent): void;
  /** Event times are wall-clock times: the events of several members are compared. */
  wallClock: WallClock;
  timers: Timers;
}

/** An election this node won and has not recorded yet. */
interface PendingElection {
  term: number;
  electedAtMs: number;
  detectedAtMs: number;
  lastContactMs: number;
  from: string;
  /** The term in which `from` led, and when this node learnt of it (0 when unknown). */
  fromTerm: number;
  fromKnownAtMs: number;
}

/**
 * Records every leadership change cluster-wide, through the log. The new leader writes the event
 * as soon as the first entry of its term (the no-op every new leader appends) is applied: the
 * outage ends when the cluster commits again, measured on the server and independent of client
 * traffic (it used to end at the next client write, so a leader kill followed by a CLI starting up
 * read as 1.6 s), and the event is in the log within milliseconds of the election, before a
 * second leadership change could overtake it. The outage starts when this node last heard from
 * the old leader (an election) or when the old leader began to hold writes (a switchover, read
 * from the intent it logged).
 */
export class FailoverHistory {
  private prevLeader: string | null = null;
  private prevLeaderTerm = 0;
  private prevLeaderKnownAtMs = 0;
  private lastLeaderContactMs = 0;
  private campaignStartedMs: number | null = null;
  private pending: PendingElection | null = null;
  /** The record being written, if any: a switchover's flush() waits for it. */
  private recording: Promise<void> | null = null;
  /** The node is stopping (stop()): a record it fails is expected, not worth a warning. */
  private stopped = false;
  /** The term this node leads, what it knew of its predecessor, and its first commit. */
  private led: LeaderView | null = null;

  constructor(private readonly deps: HistoryDeps) {}

  /** Every message from a peer: contact with the current leader starts no outage. */
  onPeerMessage(m: Message, leader: string | null): void {
    if (leader !== null && m.from === leader && (m.type === 'heartbeat' || m.type === 'append')) this.lastLeaderContactMs = this.deps.wallClock();
  }

  onSoftState(ss: SoftState): void {
    const now = this.deps.wallClock();
    if (ss.role !== 'leader' && this.led) {
      // This node led until now: a contact time from before its own term says nothing of this
      // outage (the next election measures from its step-down, when its campaign starts).
      this.led = null;
      this.lastLeaderContactMs = 0;
    }
    if (ss.role === 'preCandidate' || ss.role === 'candidate') {
      this.campaignStartedMs ??= now;
      return;
    }
    if (ss.role === 'leader') {
      this.led = { term: ss.term, lastContactMs: this.lastLeaderContactMs, firstCommitAtMs: 0 };
      this.pending = {
        term: ss.term,
        electedAtMs: now,
        detectedAtMs: this.campaignStartedMs ?? now,
        lastContactMs: this.lastLeaderContactMs || this.campaignStartedMs || now,
        from: this.prevLeader ?? '',
        fromTerm: this.prevLeaderTerm,
        fromKnownAtMs: this.prevLeaderKnownAtMs,
      };
      this.campaignStartedMs = null;
      this.prevLeader = this.deps.id;
      this.prevLeaderTerm = ss.term;
      this.prevLeaderKnownAtMs = now;
      return;
    }
    this.pending = null;
    if (ss.leader) {
      if (ss.leader !== this.prevLeader || ss.term !== this.prevLeaderTerm) this.prevLeaderKnownAtMs = now;
      this.prevLeader = ss.leader;
      this.prevLeaderTerm = ss.term;
      this.lastLeaderContactMs = now;
      this.campaignStartedMs = null;
    } else {
      this.campaignStartedMs ??= now;
    }
  }

  /** Entries were applied: the first one of the pending term ends the outage. */
  onApplied(entries: readonly { term: number }[]): void {
    const p = this.pending;
    if (p && entries.some((e) => e.term === p.term)) {
      const now = this.deps.wallClock();
      if (this.led?.term === p.term) this.led.firstCommitAtMs = now;
      void this.record(now);
    }
  }

  /** The term this node leads: bounds what others report of the outage before it (quorum-loss.ts). */
  leaderView(): LeaderView | null {
    return this.led ? { ...this.led } : null;
  }

  /**
   * Records the pending election now (a switchover is about to start: once leadership moves,
   * this node can no longer write it). Resolves when it is in the log, or could not be.
   */
  flush(): Promise<void> {
    if (this.pending) return this.record(0);
    // A record already under way (started by the first acknowledged write) must finish too.
    return this.recording ?? Promise.resolve();
  }

  private record(firstWriteAtMs: number): Promise<void> {
    const p = this.pending;
    if (!p) return Promise.resolve();
    this.pending = null;
    const done = this.write(p, firstWriteAtMs).finally(() => {
      if (this.recording === done) this.recording = null;
    });
    this.recording = done;
    return done;
  }

  private async write(p: PendingElection, firstWriteAtMs: number): Promise<void> {
    try {
      const intent = (await this.deps.getMeta(INTENT_META)) as SwitchoverIntent | null;
      const planned = intent && intent.to === this.deps.id && p.electedAtMs - intent.heldAtMs < 30_000;
      const start = planned ? intent.heldAtMs : p.lastContactMs;
      const event: FailoverEvent = {
        term: p.term,
        from: planned ? intent.from : p.from,
        to: this.deps.id,
        reason: planned ? intent.reason : 'election',
        detectedAtMs: planned ? intent.heldAtMs : p.detectedAtMs,
        electedAtMs: p.electedAtMs,
        firstWriteAtMs,
        unavailableMs: Math.max(0, (firstWriteAtMs || p.electedAtMs) - start),
      };
      const old = await this.deps.getMeta(HISTORY_META);
      const recorded = Array.isArray(old) ? (old as FailoverEvent[]) : [];
      const missed = planned ? null : missedSwitchover(intent, p, recorded);
      const events = [...recorded, ...(missed ? [missed] : []), event].slice(-MAX_EVENTS);
      // A proposal refused for a moment (a transfer starting, back-pressure) is retried briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deps.putMeta(HISTORY_META, events);
          break;
        } catch (err) {
          if (attempt >= 5 || !(err instanceof ProposalDroppedError)) throw err;
          await sleepOn(this.deps.timers, 50 * attempt);
        }
      }
      if (missed) {
        this.deps.onEvent(missed);
        this.deps.log.info({ event: missed }, 'recorded the switchover that made the previous leader (it could not record it)');
      }
      this.deps.onEvent(event);
      this.deps.log.info({ event }, 'leadership change recorded');
    } catch (err) {
      // A node stopping fails the record under way: expected, and the next leader records its own.
      if (this.stopped) this.deps.log.info({ why: (err as Error).message }, 'leadership change not recorded: the node is stopping');
      else this.deps.log.warn({ err }, 'could not record the leadership change');
    }
  }

  stop(): void {
    this.stopped = true;
    this.pending = null;
  }
}

/**
 * The switchover that made this node's predecessor leader, if that predecessor lost leadership
 * before it could record it (an election overtook it within milliseconds; seen under CI load).
 * Its intent is in the log, so the successor records it, with what it knows: the predecessor's
 * term, the hold start, when this node learnt of the new leader; the first commit is unknown (0).
 */
function missedSwitchover(intent: SwitchoverIntent | null, p: PendingElection, recorded: readonly FailoverEvent[]): FailoverEvent | null {
  if (!intent || intent.to !== p.from || p.fromTerm === 0 || p.fromKnownAtMs < intent.heldAtMs) return null;
  if (recorded.some((e) => e.term >= p.fromTerm || (e.to === intent.to && e.detectedAtMs === intent.heldAtMs))) return null;
  return {
    term: p.fromTerm,
    from: intent.from,
    to: intent.to,
    reason: intent.reason,
    detectedAtMs: intent.heldAtMs,
    electedAtMs: p.fromKnownAtMs,
    firstWriteAtMs: 0,
    unavailableMs: Math.max(0, p.fromKnownAtMs - intent.heldAtMs),
  };
}

/** The recorded history, newest last, at most `limit` events. */
export async function readHistory(getMeta: (name: string) => Promise<unknown>, limit: number): Promise<FailoverEvent[]> {
  const all = await getMeta(HISTORY_META);
  const events = Array.isArray(all) ? (all as FailoverEvent[]) : [];
  return limit > 0 ? events.slice(-limit) : events;
}
