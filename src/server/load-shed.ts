// Load shedding: past a bound, new work is answered UNAVAILABLE at once, with a retry hint,
// instead of queueing until memory runs out or every request times out. The bounds: the event
// loop's delay (every request waits that long before it is even read; any node), the proposals
// waiting to be applied on the leader, in count and in bytes, and the entries committed but not
// yet applied (a leader's writes, and reads served from a state machine that far behind). What is
// never shed: peer traffic, Cluster and Auth calls (operators must see and fix an overloaded
// node), and work already admitted. Each refusal is counted (raftdb_shed_requests_total{reason}).
import * as grpc from '@grpc/grpc-js';
import { RequestError } from './errors.js';

/** The bounds past which new work is shed; each is a serve flag (docs/operations.md). */
export interface ShedLimits {
  /** Event-loop delay (ms). */
  eventLoopDelayMs: number;
  /** Proposals waiting to be applied on the leader. */
  pendingProposals: number;
  /** Their bytes. */
  pendingProposalBytes: number;
  /** Entries committed and not yet applied by this node. */
  applyLagEntries: number;
}

/**
 * A second of event-loop delay is far past an election timeout (150-300 ms); 16,384 proposals
 * or 128 MiB of them waiting, or 16,384 entries committed and not applied, are a backlog no
 * client is served from in time.
 */
export const DEFAULT_SHED_LIMITS: ShedLimits = {
  eventLoopDelayMs: 1000,
  pendingProposals: 16_384,
  pendingProposalBytes: 128 * 1024 * 1024,
  applyLagEntries: 16_384,
};

/** What the shedder measures. */
export interface LoadSignals {
  eventLoopDelayMs(): number;
  pendingProposals(): number;
  pendingProposalBytes(): number;
  applyLagEntries(): number;
}

/** Why work was shed (the metric's label). */
export type ShedReason = 'event_loop' | 'pending_proposals' | 'pending_proposal_bytes' | 'apply_lag';

/** How long a shed client is told to wait before it retries (also the grpc-retry-pushback-ms trailer). */
export const SHED_RETRY_MS = 200;

/** Decides on new work against the bounds; see the file comment. */
export class LoadShedder {
  constructor(
    readonly limits: ShedLimits,
    private readonly signals: LoadSignals,
    private readonly onShed: (reason: ShedReason) => void = () => {},
  ) {}

  /** A new request reaching this node (any KV call, a watch): refused while the event loop stays late (event-loop.ts). */
  admitRequest(): void {
    const delay = this.signals.eventLoopDelayMs();
    if (delay > this.limits.eventLoopDelayMs) this.shed('event_loop', `its event loop runs ${Math.round(delay)} ms late (--shed-event-loop-delay-ms ${this.limits.eventLoopDelayMs})`);
  }

  /** A read about to be served from this node's state machine: refused while it is far behind. */
  admitLocalRead(): void {
    this.checkApplyLag();
  }

  /** A write about to be proposed by this leader: refused past the proposal and apply bounds. */
  admitProposal(): void {
    const count = this.signals.pendingProposals();
    if (count >= this.limits.pendingProposals) this.shed('pending_proposals', `${count} proposals wait to be applied (--shed-pending-proposals ${this.limits.pendingProposals})`);
    const bytes = this.signals.pendingProposalBytes();
    if (bytes >= this.limits.pendingProposalBytes) {
      this.shed('pending_proposal_bytes', `${bytes} bytes of proposals wait to be applied (--shed-pending-proposal-bytes ${this.limits.pendingProposalBytes})`);
    }
    this.checkApplyLag();
  }

  private checkApplyLag(): void {
    const lag = this.signals.applyLagEntries();
    if (lag >= this.limits.applyLagEntries) this.shed('apply_lag', `${lag} committed entries wait to be applied (--shed-apply-lag-entries ${this.limits.applyLagEntries})`);
  }

  private shed(reason: ShedReason, why: string): never {
    this.onShed(reason);
    throw new RequestError(grpc.status.UNAVAILABLE, `node overloaded: ${why}; retry in ${SHED_RETRY_MS} ms or on another node`, undefined, SHED_RETRY_MS);
  }
}
