// Periods without a quorum (issue 19, item 5), as one node sees them and as the history keeps them.
//
// Only a node that knew a working leader before the outage can tell when it began, and only one
// that sees commits resume can tell when it ended, so every node observes (QuorumLossObserver)
// and the one that saw the outage end reports it to the leader, which merges the reports of one
// outage into one event of the replicated history (mergeQuorumLoss). An outage:
// - begins at the last evidence that the cluster had a quorum: for a leader that stepped down by
//   check-quorum, one check-quorum window before its step-down (its quorum last answered then);
//   for a follower, its last message from the leader (with check-quorum a leader that is still
//   sending had heard from a quorum within that window);
// - ends when this node applies an entry of a later term than that leader's: a leader with a
//   quorum committed again (a new term: with check-quorum a leader without a quorum steps down,
//   and a node cannot lead its term twice, so "the SAME leader" committing again is in a new
//   term too);
// - counts when the leader lost check-quorum, or when no leader was known for longer than an
//   election timeout (an ordinary election after a leader crash is a leadership change, not this).
// A node that was cut off alone sees the same leader in the same term again afterwards: that is
// not a cluster outage and is dropped. A freshly started node knew no leader, so it reports
// nothing (its peers that stayed up do).
import type { SoftState } from '../raft/index.js';

export const QUORUM_LOSS_META = 'quorumLossHistory';
/** Quorum-loss events kept in the replicated history. */
const MAX_QUORUM_LOSSES = 200;
/** Members named in one event's observedBy (reports from more are merged without their names). */
const MAX_OBSERVERS = 16;
/** Longest outage a report may claim (30 days): a bound on hostile or skewed input. */
const MAX_DURATION_MS = 30 * 24 * 3600 * 1000;

/** check-quorum: the leader stepped down without a quorum; no-leader: none known past an election timeout. */
export type QuorumLossCause = 'check-quorum' | 'no-leader';
export const QUORUM_LOSS_CAUSES: readonly QuorumLossCause[] = ['check-quorum', 'no-leader'];

/** One period without a quorum. Times are epoch milliseconds. */
export interface QuorumLossEvent {
  /** The last evidence that a leader had a quorum. */
  startedAtMs: number;
  /** When an entry of a later term was applied: a leader with a quorum committed again. */
  endedAtMs: number;
  durationMs: number;
  /** When a member noticed (its leader stepped down, or no leader past an election timeout). */
  detectedAtMs: number;
  cause: QuorumLossCause;
  /** The leader before the outage, and its term. */
  lastLeader: string;
  lastLeaderTerm: number;
  /** The term in which commits resumed. */
  regainedTerm: number;
  /** The members whose reports make up this event. */
  observedBy: string[];
}

/** What a node knows of the outage it is in, until it sees commits resume. */
interface Outage {
  startedAtMs: number;
  detectedAtMs: number;
  cause: QuorumLossCause;
  lastLeader: string;
  lastLeaderTerm: number;
  /** Since when no leader was known (for the "longer than an election timeout" rule). */
  leaderlessSinceMs: number;
}

/** Timings of the Raft configuration that the rules above use. */
export interface QuorumLossTimings {
  /** A leader steps down after this long without hearing from a quorum (the base election timeout). */
  checkQuorumWindowMs: number;
  /** The longest election timeout: a longer leaderless period is an outage. */
  electionTimeoutMs: number;
}

/** One node's view of quorum loss; time is given with every input. */
export class QuorumLossObserver {
  private role: SoftState['role'] = 'follower';
  private term = 0;
  /** The leader this node last had evidence of, its term, and when (0: none in this process). */
  private lastLeader = '';
  private lastLeaderTerm = 0;
  private lastContactMs = 0;
  private outage: Outage | null = null;

  constructor(
    private readonly id: string,
    private readonly timings: QuorumLossTimings,
  ) {}

  onSoftState(ss: SoftState, nowMs: number): void {
    const wasLeader = this.role === 'leader';
    this.role = ss.role;
    const termBefore = this.term;
    this.term = ss.term;
    if (ss.role === 'leader') {
      this.lastLeader = this.id;
      this.lastLeaderTerm = ss.term;
      this.lastContactMs = nowMs;
      return;
    }
    if (wasLeader) {
      // Stepping down in the same term with no leader is check-quorum; a higher term is a
      // successor (a transfer, a newer leader), which had a quorum to win.
      if (ss.term === termBefore && ss.leader === null) this.begin('check-quorum', nowMs - this.timings.checkQuorumWindowMs, nowMs, nowMs);
      else this.lastContactMs = nowMs;
    }
    if (ss.leader !== null) {
      // The leader this node lost is back in the same term: it kept its quorum; this node was cut off.
      if (this.outage && ss.leader === this.outage.lastLeader && ss.term === this.outage.lastLeaderTerm) this.outage = null;
      this.lastLeader = ss.leader;
      this.lastLeaderTerm = ss.term;
      this.lastContactMs = nowMs;
    } else if (!this.outage && this.lastLeaderTerm > 0) {
      this.begin('no-leader', this.lastContactMs, nowMs + this.timings.electionTimeoutMs, nowMs);
    }
  }

  /** A heartbeat or append from the current leader: evidence that it still has a quorum. */
  onLeaderContact(nowMs: number): void {
    this.lastContactMs = nowMs;
  }

  /**
   * Entries were applied. The first one of a term later than the lost leader's ends the outage;
   * returns it when it counts (check-quorum, or leaderless past an election timeout).
   */
  onApplied(entries: readonly { term: number }[], nowMs: number): QuorumLossEvent | null {
    const o = this.outage;
    if (!o || entries.length === 0) return null;
    let regainedTerm = 0;
    for (const e of entries) if (e.term > o.lastLeaderTerm && e.term > regainedTerm) regainedTerm = e.term;
    if (regainedTerm === 0) return null;
    this.outage = null;
    if (o.cause === 'no-leader' && nowMs - o.leaderlessSinceMs <= this.timings.electionTimeoutMs) return null;
    const startedAtMs = Math.min(o.startedAtMs, nowMs);
    return {
      startedAtMs,
      endedAtMs: nowMs,
      durationMs: nowMs - startedAtMs,
      detectedAtMs: o.detectedAtMs,
      cause: o.cause,
      lastLeader: o.lastLeader,
      lastLeaderTerm: o.lastLeaderTerm,
      regainedTerm,
      observedBy: [this.id],
    };
  }

  private begin(cause: QuorumLossCause, startedAtMs: number, detectedAtMs: number, nowMs: number): void {
    this.outage = { startedAtMs, detectedAtMs, cause, lastLeader: this.lastLeader, lastLeaderTerm: this.lastLeaderTerm, leaderlessSinceMs: nowMs };
  }
}

/** What the recording leader itself knows of the term it leads: it bounds the reports of others. */
export interface LeaderView {
  term: number;
  /** Its last message from the previous leader before its election (0: none in this process). */
  lastContactMs: number;
  /** When the first entry of its term was applied (0: not yet). */
  firstCommitAtMs: number;
}

/**
 * Adds a report to the recorded events: reports of the same outage (the same regained term) merge
 * into one, keeping the latest evidence of a quorum as its start and the earliest commit as its
 * end. The leader's own view clips a report of its term the same way, so a node that was cut off
 * alone while the others went on cannot stretch an outage back into time that had a quorum.
 * `added` is the event when it is new (for metrics); an outage that shrinks to no more than
 * `minLeaderlessMs` without check-quorum is not recorded.
 */
export function mergeQuorumLoss(
  recorded: readonly QuorumLossEvent[],
  report: QuorumLossEvent,
  leader: LeaderView | null,
  minLeaderlessMs: number,
): { events: QuorumLossEvent[]; added: QuorumLossEvent | null; changed: boolean } {
  const i = recorded.findIndex((e) => e.regainedTerm === report.regainedTerm);
  const base = i >= 0 ? recorded[i]! : null;
  let startedAtMs = base ? Math.max(base.startedAtMs, report.startedAtMs) : report.startedAtMs;
  let endedAtMs = base ? Math.min(base.endedAtMs, report.endedAtMs) : report.endedAtMs;
  if (leader && leader.term === report.regainedTerm) {
    if (leader.lastContactMs > 0) startedAtMs = Math.max(startedAtMs, leader.lastContactMs);
    if (leader.firstCommitAtMs > 0) endedAtMs = Math.min(endedAtMs, leader.firstCommitAtMs);
  }
  const cause: QuorumLossCause = base?.cause === 'check-quorum' || report.cause === 'check-quorum' ? 'check-quorum' : 'no-leader';
  const observedBy = [...new Set([...(base?.observedBy ?? []), ...report.observedBy])].slice(0, MAX_OBSERVERS);
  const merged: QuorumLossEvent = {
    startedAtMs,
    endedAtMs,
    durationMs: Math.max(0, endedAtMs - startedAtMs),
    detectedAtMs: base ? Math.min(base.detectedAtMs, report.detectedAtMs) : report.detectedAtMs,
    cause,
    lastLeader: base?.lastLeader || report.lastLeader,
    lastLeaderTerm: Math.max(base?.lastLeaderTerm ?? 0, report.lastLeaderTerm),
    regainedTerm: report.regainedTerm,
    observedBy,
  };
  const counts = merged.durationMs > 0 && (cause === 'check-quorum' || merged.durationMs > minLeaderlessMs);
  if (!counts) return { events: [...recorded], added: null, changed: false };
  if (base) {
    const events = [...recorded];
    events[i] = merged;
    return { events, added: null, changed: JSON.stringify(base) !== JSON.stringify(merged) };
  }
  const events = [...recorded, merged].sort((a, b) => a.startedAtMs - b.startedAtMs).slice(-MAX_QUORUM_LOSSES);
  return { events, added: merged, changed: true };
}

/** A quorum-loss report from the network, checked field by field; throws naming the bad field. */
export function quorumLossFromWire(v: unknown, nowMs: number): QuorumLossEvent {
  const o = (v ?? {}) as Record<string, unknown>;
  const ms = (field: string, x: unknown): number => {
    const n = Number(x);
    if (!Number.isSafeInteger(n) || n <= 0 || n > nowMs + 60_000) throw new QuorumLossReportError(`event.${field}`, 'must be epoch milliseconds, not in the future');
    return n;
  };
  const startedAtMs = ms('started_at_ms', o.startedAtMs);
  const endedAtMs = ms('ended_at_ms', o.endedAtMs);
  const detectedAtMs = ms('detected_at_ms', o.detectedAtMs);
  if (endedAtMs < startedAtMs || endedAtMs - startedAtMs > MAX_DURATION_MS) throw new QuorumLossReportError('event.ended_at_ms', 'must follow started_at_ms by at most 30 days');
  const cause = o.cause as QuorumLossCause;
  if (!QUORUM_LOSS_CAUSES.includes(cause)) throw new QuorumLossReportError('event.cause', `must be one of ${QUORUM_LOSS_CAUSES.join(', ')}`);
  const term = (field: string, x: unknown): number => {
    const n = Number(x);
    if (!Number.isSafeInteger(n) || n < 0) throw new QuorumLossReportError(`event.${field}`, 'must be a term');
    return n;
  };
  const lastLeaderTerm = term('last_leader_term', o.lastLeaderTerm);
  const regainedTerm = term('regained_term', o.regainedTerm);
  if (regainedTerm <= lastLeaderTerm) throw new QuorumLossReportError('event.regained_term', 'must be after last_leader_term');
  const ids = Array.isArray(o.observedBy) ? o.observedBy : [];
  const idOk = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 64 && /^[A-Za-z0-9_.-]+$/.test(x);
  if (ids.length === 0 || ids.length > MAX_OBSERVERS || !ids.every(idOk)) throw new QuorumLossReportError('event.observed_by', `must name 1 to ${MAX_OBSERVERS} member ids`);
  const lastLeader = o.lastLeader ?? '';
  if (lastLeader !== '' && !idOk(lastLeader)) throw new QuorumLossReportError('event.last_leader', 'must be a member id');
  return { startedAtMs, endedAtMs, durationMs: endedAtMs - startedAtMs, detectedAtMs, cause, lastLeader: lastLeader as string, lastLeaderTerm, regainedTerm, observedBy: ids as string[] };
}

/** A report that fails a check: the service answers INVALID_ARGUMENT naming `field`. */
export class QuorumLossReportError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'QuorumLossReportError';
  }
}

/** The recorded quorum losses, newest last, at most `limit`. */
export async function readQuorumLosses(getMeta: (name: string) => Promise<unknown>, limit: number): Promise<QuorumLossEvent[]> {
  const all = await getMeta(QUORUM_LOSS_META);
  const events = Array.isArray(all) ? (all as QuorumLossEvent[]) : [];
  return limit > 0 ? events.slice(-limit) : events;
}
