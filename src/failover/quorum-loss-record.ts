// Getting a node's quorum-loss observation into the replicated history: the leader merges it into
// the record itself (one read-modify-write at a time); any other node sends it to the leader
// (Cluster.ReportQuorumLoss), retrying for a few seconds while the cluster settles.
import type { Logger } from 'pino';
import { sleepOn, type Timers } from '../common/timers.js';
import { ProposalDroppedError } from '../raft/index.js';
import { QUORUM_LOSS_META, mergeQuorumLoss, type LeaderView, type QuorumLossEvent } from './quorum-loss.js';

/** Attempts to hand a report to the leader, 250 ms apart and more (about 9 s in all). */
const REPORT_ATTEMPTS = 8;
/** Reports waiting for a leader at once; an outage makes one per node, so more is a flood. */
const MAX_REPORTS_IN_FLIGHT = 4;

export interface QuorumLossRecorderDeps {
  log: Logger;
  isLeader(): boolean;
  /** The term this node leads and what it saw of it, for clipping reports (null: not leading). */
  leaderView(): LeaderView | null;
  /** Reads a replicated record linearizably. */
  getMeta(name: string): Promise<unknown>;
  /** Proposes setMeta(name, value) on this node (the leader) and waits until applied. */
  putMeta(name: string, value: unknown): Promise<void>;
  /** Sends the report to the leader; rejects when no leader is known or the call fails. */
  sendToLeader(e: QuorumLossEvent): Promise<void>;
  /** Leaderless periods up to this long (without check-quorum) are elections, not outages. */
  minLeaderlessMs: number;
  /** A new event was recorded (metrics). */
  onRecorded(e: QuorumLossEvent): void;
  timers: Timers;
}

/** Records quorum-loss events: merged on the leader, sent there from elsewhere. */
export class QuorumLossRecorder {
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private stopped = false;

  constructor(private readonly deps: QuorumLossRecorderDeps) {}

  /** Records an observation of this node, wherever the leader is; failures are logged. */
  report(e: QuorumLossEvent): void {
    if (this.inFlight >= MAX_REPORTS_IN_FLIGHT) {
      this.deps.log.warn({ event: e }, 'quorum loss not reported: too many reports waiting for a leader');
      return;
    }
    this.inFlight++;
    void this.deliver(e).finally(() => this.inFlight--);
  }

  private async deliver(e: QuorumLossEvent): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        if (this.deps.isLeader()) await this.record(e);
        else await this.deps.sendToLeader(e);
        return;
      } catch (err) {
        if (attempt >= REPORT_ATTEMPTS) {
          this.deps.log.warn({ err, event: e }, 'could not record the quorum loss');
          return;
        }
        await new Promise<void>((r) => this.deps.timers.setTimeout(r, 250 * attempt).unref());
      }
    }
  }

  /** Merges a report into the replicated record (this node is the leader). One at a time. */
  record(e: QuorumLossEvent): Promise<void> {
    const run = this.chain.then(() => this.mergeAndWrite(e));
    this.chain = run.catch(() => {}); // the chain only orders the writes; `run`'s failure goes to the caller
    return run;
  }

  private async mergeAndWrite(e: QuorumLossEvent): Promise<void> {
    const old = await this.deps.getMeta(QUORUM_LOSS_META);
    const recorded = Array.isArray(old) ? (old as QuorumLossEvent[]) : [];
    const { events, added, changed } = mergeQuorumLoss(recorded, e, this.deps.leaderView(), this.deps.minLeaderlessMs);
    if (!changed) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.putMeta(QUORUM_LOSS_META, events);
        break;
      } catch (err) {
        // A proposal refused for a moment (a transfer starting, back-pressure) is retried briefly.
        if (attempt >= 5 || !(err instanceof ProposalDroppedError)) throw err;
        await sleepOn(this.deps.timers, 50 * attempt);
      }
    }
    const shown = added ?? events.find((x) => x.regainedTerm === e.regainedTerm);
    this.deps.log.info({ event: shown, reportedBy: e.observedBy }, added ? 'quorum loss recorded' : 'quorum loss record merged with another member\'s report');
    if (added) this.deps.onRecorded(added);
  }

  stop(): void {
    this.stopped = true;
  }
}
