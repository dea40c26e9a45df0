// Plain data shared by the Raft core, the storage layer, the transport and the simulator.
// Everything here is serialisable (msgpackr) and carries no behaviour.

/** Node identifiers are short strings ("n1"); they name members in configurations and messages. */
export type NodeId = string;

/**
 * What kind of payload a log entry carries: an application command (or the empty no-op a new
 * leader appends, §5.4.2 / §8), or a membership change the core itself interprets (§6).
 * A plain object rather than a TypeScript enum so that it survives per-file transpilation.
 */
/**
 * Largest term or index a node accepts from the network: 2^32 below the largest safe integer, so
 * that a node which adopted the largest acceptable term can still hold billions of elections.
 */
export const MAX_LOG_NUMBER = Number.MAX_SAFE_INTEGER - 2 ** 32;

export const EntryType = { Normal: 0, ConfChange: 1 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One change to the member set, applied as part of entering a joint configuration. */
export interface ConfChangeItem {
  op: 'addVoter' | 'addLearner' | 'remove';
  id: NodeId;
}

/**
 * A membership change as stored in the log. `enterJoint` moves to C_old,new (both majorities
 * required); `leaveJoint` moves to C_new. A config entry with `enterJoint` and an empty list of
 * changes is invalid; the leader proposes `leaveJoint` itself once the joint entry commits.
 * `bootstrap` is only ever entry 1 of a new cluster's log, identical on every founding member, so
 * that a node joining later learns the founding configuration from the log like any other change.
 */
export type ConfChange =
  | { type: 'enterJoint'; changes: ConfChangeItem[] }
  | { type: 'leaveJoint' }
  | { type: 'bootstrap'; voters: NodeId[] };

/** A log entry. `data` is opaque to the core except for ConfChange entries (see `conf`). */
export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
  /** Present exactly when type is ConfChange. */
  conf?: ConfChange;
}

/** What must be durable before any message produced alongside it leaves the node. */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

/**
 * Membership. `votersOutgoing` is non-empty only in a joint configuration, where a decision needs
 * a majority of `voters` and a majority of `votersOutgoing`. `learnersNext` are voters of the
 * outgoing configuration being demoted to learners; they become learners on leaving the joint state.
 */
export interface ConfState {
  voters: NodeId[];
  votersOutgoing: NodeId[];
  learners: NodeId[];
  learnersNext: NodeId[];
}

/** Identifies a snapshot: the state machine after applying every entry up to `index`. */
export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

/** A linearizable read that may be served once the state machine has applied up to `index`. */
export interface ReadState {
  /** Opaque request context handed to readIndex()/leaseRead(). */
  ctx: string;
  index: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the application may want to show or react to (leader changes). */
export interface SoftState {
  role: Role;
  leader: NodeId | null;
  term: number;
}

// ---- Messages -------------------------------------------------------------------------------
// Every message names its sender, receiver and the sender's term. Handling of the term field is
// uniform (§5.1): a higher term makes the receiver a follower, a lower one is answered or dropped.

interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** RequestVote (§5.2). `transfer` is set when campaigning on a TimeoutNow (bypasses leader lease). */
export interface VoteRequest extends MessageBase {
  type: 'vote';
  lastLogIndex: number;
  lastLogTerm: number;
  transfer: boolean;
}

/** Pre-vote (§9.6 of Ongaro's thesis): `term` is the term the sender would campaign in. */
export interface PreVoteRequest extends MessageBase {
  type: 'preVote';
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface VoteResponse extends MessageBase {
  type: 'voteResponse' | 'preVoteResponse';
  granted: boolean;
}

/** AppendEntries (§5.3). Carries zero or more entries following (prevIndex, prevTerm). */
export interface AppendRequest extends MessageBase {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * Answer to an append or snapshot. On success `index` is the last index now known to match the
 * leader. On rejection `index` is the rejected prevIndex and (hintIndex, hintTerm) let the leader
 * skip a whole conflicting term at once (fast back-off).
 */
export interface AppendResponse extends MessageBase {
  type: 'appendResponse';
  success: boolean;
  index: number;
  hintIndex: number;
  hintTerm: number;
}

/**
 * Heartbeat. `round` numbers the leader's heartbeat rounds so that ReadIndex and lease reads can
 * tell which round a follower acknowledged; `commit` never exceeds what the follower is known to hold.
 */
export interface HeartbeatRequest extends MessageBase {
  type: 'heartbeat';
  commit: number;
  round: number;
}

export interface HeartbeatResponse extends MessageBase {
  type: 'heartbeatResponse';
  round: number;
}

/**
 * InstallSnapshot (§7). The core only handles the metadata; the transport carries the state
 * machine's bytes for `snapshot.index` alongside and hands them to the receiver's storage.
 */
export interface SnapshotRequest extends MessageBase {
  type: 'snapshot';
  snapshot: SnapshotMeta;
}

/** Leadership transfer: the target campaigns at once, without pre-vote (§3.10 of the thesis). */
export interface TimeoutNowRequest extends MessageBase {
  type: 'timeoutNow';
}

export type Message =
  | VoteRequest
  | PreVoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest
  | TimeoutNowRequest;

export type MessageType = Message['type'];

/**
 * Everything the core asks its host to do, in order:
 *  1. install `snapshot` (if set), persist `hardState` (if set) and append `entries`
 *     (the first entry's index may be at or below the persisted last index: truncate first);
 *  2. only then send `messages`;
 *  3. apply `committedEntries` to the state machine, serve `readStates` once applied and fail
 *     `failedReads`;
 *  4. call `advance(ready)`.
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  snapshot: SnapshotMeta | null;
  entries: Entry[];
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** Contexts of read requests this node can no longer answer (it stopped being leader). */
  failedReads: string[];
}

/** The persisted state a node restarts from. */
export interface RestartState {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  /** Entries after the snapshot, contiguous, in index order. */
  entries: Entry[];
  /** Highest index already applied to the state machine (>= snapshot index). */
  applied: number;
}
