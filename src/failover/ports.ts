// What the failover controller needs of the node it runs in, as small interfaces it owns: a
// read-only view of the Raft core, the few driver operations it calls, the state machine's
// replicated records, the request gate and a way to ask another member for its status. The node
// (today src/server/failover-ports.ts, built from the gRPC node's context) plugs the real parts
// in; nothing here knows of gRPC, files or the server, so the controller runs wherever those
// ports can be given (a simulated node, a unit test).
import type { MonotonicClock, WallClock } from '../common/clock.js';
import type { Timers } from '../common/timers.js';
import type { ConfState, NodeId, Role } from '../raft/index.js';
import type { ApplyResult } from '../state/index.js';
import type { QuorumLossEvent } from './quorum-loss.js';

/** The part of the core's log the controller reads. */
export interface RaftLogView {
  lastIndex(): number;
  readonly committed: number;
  /** The term of the entry at `index`; null when it is compacted or beyond the log. */
  term(index: number): number | null;
}

/** The part of the leader's state the controller reads (null while not leading). */
export interface LeaderView {
  /** Whether a quorum was heard from recently enough, on the monotonic clock (check-quorum). */
  quorumContact(nowMs: number): boolean;
  /** The node a leadership transfer is under way to, if any. */
  readonly transferTarget: NodeId | null;
}

/**
 * What the controller reads of the Raft core (a RaftNode satisfies it). Read-only: the core
 * changes only through the driver, which runs its Ready loop after every input.
 */
export interface RaftView {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly log: RaftLogView;
  readonly leaderState: LeaderView | null;
  /** The core's timing: check-quorum looks back electionTicks × tickMs. */
  readonly cfg: { readonly electionTicks: number; readonly tickMs: number };
  /** The current membership (voters, outgoing voters of a joint configuration, learners). */
  conf(): ConfState;
  /** Leader only: how far `id`'s log is known to match this one (null: unknown). */
  matchIndex(id: NodeId): number | null;
  /** Whether the leader heard from a quorum within the election timeout. */
  status(): { hasQuorum: boolean };
}

/** The driver operations the controller calls: each goes through the core and its Ready loop. */
export interface FailoverDriver {
  /** Proposes one command as leader; `result` settles once it is applied. */
  propose(data: Uint8Array): { index: number; result: Promise<ApplyResult> };
  /** Asks the core to hand leadership to `to` (catch-up, then TimeoutNow). */
  transferLeadership(to: NodeId): void;
  /** Resolves once every committed entry handed to the apply stage so far is applied. */
  applied(): Promise<void>;
  /** The highest index the state machine has applied. */
  appliedIndex(): number;
  /** Resolves once a linearizable read (ReadIndex; the lease with `lease`) may be served here. */
  readBarrier(lease: boolean): Promise<void>;
}

/** What another member says of itself when a switchover considers it (its Status answer). */
export interface PeerStatus {
  /** 0 or absent: the member may never lead. */
  priority?: number;
  role?: string;
}

/** Asks other members over the network (the client side of their Cluster service). */
export interface PeerCaller {
  /** The member's client address, if this node knows it. */
  address(id: NodeId): string | undefined;
  /** The member's own status; rejects when it does not answer by `deadline`. */
  status(address: string, deadline: Date): Promise<PeerStatus>;
  /** Tells the leader at `address` of a period without a quorum this node saw end (Cluster.ReportQuorumLoss). */
  reportQuorumLoss(address: string, event: QuorumLossEvent, deadline: Date): Promise<void>;
}

/** Everything the failover controller takes from the node it runs in. */
export interface FailoverPorts {
  id: NodeId;
  electionTimeoutMs: number;
  raft: RaftView;
  driver: FailoverDriver;
  /** A replicated record of the applied state (setMeta), or null. */
  getMeta(name: string): Promise<unknown>;
  /** Holds new client requests (a switchover); returns the function that lets them through. */
  holdRequests(): () => void;
  peers: PeerCaller;
  /** The clock the driver gives the core (default: the process's monotonic clock). */
  clock?: MonotonicClock;
  /** Timestamps of history events and deadlines of calls (default: `Date.now`). */
  wallClock?: WallClock;
  /** Every timer the controller starts (default: the process's). */
  timers?: Timers;
}
