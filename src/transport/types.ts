// The contract between the peer transport and the node that owns it: what the node hands in
// (handlers, options) and what it can read back (stats). Plain data and function types only.
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { Message, NodeId, SnapshotRequest } from '../raft/types.js';
import type { CallAuth, PeerAuthorizer } from './peer-auth.js';
import type { ForwardReply, ForwardRequest } from './rpc.js';
import type { ForwardChannelStats } from './forward-channel.js';
import type { SnapshotPacer } from './rate-limiter.js';

/** A snapshot the sender can stream now: the (possibly rewritten) metadata and its bytes. */
export interface SnapshotSource {
  /** The message the receiver will step into Raft; may describe a newer snapshot than asked for. */
  message: SnapshotRequest;
  /**
   * State machine bytes in order; chunks of any size (the transport re-cuts them to ≤ 1 MiB). The
   * transport copies a chunk before it asks for the next, so a source may reuse its buffer then.
   */
  chunks: AsyncIterable<Uint8Array>;
}

/** Callbacks into the node. Called on the event loop; none of them may block it for long. */
export interface TransportHandlers {
  /** A validated message from a peer, addressed to this node: the node steps it into Raft. */
  onMessage(msg: Message): void;
  /**
   * A snapshot arrived: stage `chunks` (each is consumed once, with back-pressure), then step
   * `message` into Raft. Resolving acknowledges the snapshot to the sender; rejecting refuses it.
   */
  onSnapshot(message: SnapshotRequest, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** Produces the snapshot to send for a `snapshot` message from Raft. */
  snapshotSource(msg: SnapshotRequest): Promise<SnapshotSource>;
  /** Messages to `peer` could not be delivered (stream broke, peer down, queue overflowed). */
  onUnreachable?(peer: NodeId): void;
  /**
   * A snapshot to `peer` finished; `ok` false means Raft must be told (reportSnapshotFailure).
   * `incarnation` is that of the process that acknowledged it (0: unknown).
   */
  onSnapshotSent?(peer: NodeId, ok: boolean, incarnation: number): void;
  /**
   * A batch from `peer` came from its process `incarnation` (never 0), before its messages are
   * handed to onMessage: a new value means the peer restarted.
   */
  onPeerIncarnation?(peer: NodeId, incarnation: number): void;
  /** A snapshot data chunk of `bytes` went to `peer` after `waitedMs` held back by the rate limit (metrics). */
  onSnapshotChunk?(peer: NodeId, bytes: number, waitedMs: number): void;
  /** A Raft.Forward message with `requests` forwarded requests went to `peer` (metrics). */
  onForwardBatch?(peer: NodeId, requests: number): void;
  /**
   * `peer` refused our messages because its configuration does not name this node: how a member
   * removed from the cluster learns it (the leader stops replicating to it as soon as the
   * removal commits, so the entry that removes it may never reach it).
   */
  onRefusedAsNonMember?(peer: NodeId): void;
}

/** Structured logger; a pino logger fits. Only warnings and errors are logged by the transport. */
export interface TransportLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** Tunables, all with defaults (DEFAULT_TRANSPORT_OPTIONS). Every queue and wait is bounded. */
export interface TransportOptions {
  /** Per-peer queue of appends/heartbeats/responses waiting for the stream; oldest dropped beyond. */
  maxQueueBytes: number;
  maxQueueMessages: number;
  /** One RaftBatch on the stream: soft byte cap (a single bigger message still goes alone). */
  maxBatchBytes: number;
  maxBatchMessages: number;
  /** Bytes written to the stream but not yet flushed to the socket; beyond this, wait. */
  maxInflightBytes: number;
  /**
   * Bytes encoded and written to one peer's stream per turn of the event loop (at least one
   * batch); the rest waits for the next turn, so a catch-up backlog never holds the loop long.
   */
  maxBytesPerTurn: number;
  /** A single encoded message above this is dropped: the receiver's gRPC limit would refuse it. */
  maxMessageBytes: number;
  /** Reconnect back-off: doubles from base to max, with ±50% jitter. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Deadline of a unary Send (votes, TimeoutNow): past an election timeout they are stale anyway. */
  unaryTimeoutMs: number;
  /** Unary calls in flight per peer; more are dropped (Raft re-sends votes on the next timeout). */
  maxUnaryInFlight: number;
  /** A snapshot making no progress (back-pressure or awaiting the ack) this long is cancelled. */
  snapshotStallTimeoutMs: number;
  /**
   * Bytes per second of snapshot data this node sends, all peers together (rate-limiter.ts);
   * 0: as fast as the receiver takes them.
   */
  snapshotSendBytesPerSec: number;
  /** HTTP/2 keepalive, so that a silently dead peer (no RST) is noticed and reconnected. */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** Forwarded requests (Raft.Forward) awaiting their reply per peer, in count and bytes; more are refused. */
  maxForwardInFlight: number;
  maxForwardInFlightBytes: number;
  /** The largest Forward reply message accepted (a Range result forwarded back). */
  maxForwardReplyBytes: number;
}

/** Everything GrpcPeerTransport is constructed with. */
export interface PeerTransportConfig {
  selfId: NodeId;
  clusterId: string;
  /** Peer id → 'host:port'. This node's own id, if present, is ignored. */
  peers: ReadonlyMap<NodeId, string>;
  handlers: TransportHandlers;
  /** This process's incarnation (raft.proto, RaftBatch.incarnation); random when absent. */
  incarnation?: number;
  options?: Partial<TransportOptions>;
  logger?: TransportLogger;
  /** Credentials of the connection to `peer` (mutual TLS); plaintext when absent. */
  credentials?: (peer: NodeId) => ChannelCredentials;
  /**
   * What paces the snapshot data this node sends, all peers together (node/snapshot-yield.ts);
   * when absent, a fixed limit of options.snapshotSendBytesPerSec.
   */
  snapshotPacer?: SnapshotPacer;
}

/** Per-peer counters for metrics and `raftdb status`. */
export interface PeerStats {
  address: string;
  /** The channel to the peer is READY. */
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  /** Written to the stream, not yet flushed to the socket. */
  inflightBytes: number;
  messagesSent: number;
  /** Of those, sent as unary calls (votes and TimeoutNow while the stream had a backlog). */
  unarySent: number;
  batchesSent: number;
  bytesSent: number;
  /** Messages dropped: queue overflow, oversize, stream failure, unary limit or failure. */
  dropped: number;
  /** Streams re-opened after a failure. */
  reconnects: number;
  lastError: string | null;
  snapshotInFlight: boolean;
  snapshotsSent: number;
  snapshotsFailed: number;
  /** The Raft.Forward channel to this peer (forwarded requests and read-index rounds). */
  forward: ForwardChannelStats;
}

/** Who sent a forwarded request: the proven member, and the connection it came over. */
export interface ForwardSender {
  from: NodeId;
  /** The connection's remote address (grpc-js getPeer()). */
  address: string;
  /** The connection's TLS details: the member's certificate, when peers use TLS. */
  auth: CallAuth;
}

/** Executes one forwarded request for a proven member; resolves with the reply (never rejects). */
export type ForwardHandler = (req: ForwardRequest, sender: ForwardSender) => Promise<Omit<ForwardReply, 'id'>>;

/** Bounds of the requests one incoming Forward stream may have executing at once. */
export interface ForwardServerLimits {
  maxInFlight: number;
  maxInFlightBytes: number;
  /** A reply larger than this is replaced by RESOURCE_EXHAUSTED (the sender could not receive it). */
  maxReplyBytes: number;
  /** Replies finished in one turn share a message up to this many bytes. */
  maxBatchBytes: number;
}

/** Server-side settings of the Raft service. */
export interface RaftServiceConfig {
  selfId: NodeId;
  clusterId: string;
  handlers: Pick<TransportHandlers, 'onMessage' | 'onSnapshot' | 'onPeerIncarnation'>;
  /** This process's incarnation, returned in snapshot acks (GrpcPeerTransport.incarnation); 0 when absent. */
  incarnation?: number;
  logger?: TransportLogger;
  /** Who may send: peer identity and membership (see peer-auth.ts); everyone when absent. */
  authorizer?: PeerAuthorizer;
  /** Serves Raft.Forward; without it the method answers UNIMPLEMENTED. */
  forward?: { handler: ForwardHandler; limits: ForwardServerLimits; onRefused?: () => void };
}

/** Server-side counters. */
export interface RaftServiceStats {
  /** Forwarded requests received on Raft.Forward, and those refused at its bounds. */
  forwardedReceived: number;
  forwardedRefused: number;
  batchesReceived: number;
  messagesReceived: number;
  rejected: number;
  snapshotsReceived: number;
  snapshotsRefused: number;
}

/** What registerRaftService returns: counters and a way to end peers' open streams. */
export interface RaftServiceHandle {
  stats(): RaftServiceStats;
  /** Ends the open incoming calls whose sender is no longer allowed (after a membership or CA change). */
  revalidate(): void;
  /** Ends every open incoming call with UNAVAILABLE, so that grpc.Server.tryShutdown can finish. */
  close(): void;
}
