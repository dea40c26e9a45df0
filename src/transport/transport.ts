// GrpcPeerTransport: the client side of the peer protocol. Routes each outgoing Raft message to
// its peer's connection by kind: appends/heartbeats and their responses on the pipelined stream,
// votes and TimeoutNow on the stream when nothing is queued there, else as unary calls (never
// queued behind appends), snapshots on their own stream.
import type { Message, NodeId } from '../raft/types.js';
import { encodeMessage } from './codec.js';
import { transportLogger } from './logger.js';
import { PeerConnection, type PeerContext } from './peer.js';
import * as grpc from '@grpc/grpc-js';
import { randomInt } from 'node:crypto';
import { ForwardChannelError, type ForwardCall } from './forward-channel.js';
import { ByteRateLimiter } from './rate-limiter.js';
import { MAX_SNAPSHOT_CHUNK_BYTES, raftMethods, type ForwardReply } from './rpc.js';
import type { PeerStats, PeerTransportConfig, RaftServiceConfig, TransportOptions } from './types.js';

/** See TransportOptions.snapshotSendBytesPerSec and docs/operations.md (catching up a member). */
export const DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC = 0;

/**
 * Defaults sized for Raft's defaults (8 MiB / 64 messages in flight per follower, 1 MiB per
 * append): the queue holds twice a full window; one batch stays far below gRPC's 4 MiB limit.
 */
export const DEFAULT_TRANSPORT_OPTIONS: TransportOptions = {
  maxQueueBytes: 16 * 1024 * 1024,
  maxQueueMessages: 8192,
  maxBatchBytes: 1024 * 1024,
  maxBatchMessages: 4096,
  maxInflightBytes: 4 * 1024 * 1024,
  maxBytesPerTurn: 1024 * 1024,
  maxMessageBytes: 4 * 1024 * 1024 - 64 * 1024,
  reconnectBaseMs: 50,
  reconnectMaxMs: 2000,
  unaryTimeoutMs: 1000,
  maxUnaryInFlight: 16,
  snapshotStallTimeoutMs: 30_000,
  snapshotSendBytesPerSec: DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC,
  keepaliveTimeMs: 10_000,
  keepaliveTimeoutMs: 5_000,
  maxForwardInFlight: 4096,
  maxForwardInFlightBytes: 64 * 1024 * 1024,
  maxForwardReplyBytes: 64 * 1024 * 1024,
};

/** Counters of the whole transport. */
export interface TransportStats {
  peers: Map<NodeId, PeerStats>;
  /** Messages addressed to a node with no known address (not in the peer map). */
  droppedNoAddress: number;
}

/** Sends Raft messages to peers over gRPC; one PeerConnection per peer. */
export class GrpcPeerTransport {
  /** This process's incarnation: peers learn from a new value that this node restarted. */
  readonly incarnation: number;
  private readonly ctx: PeerContext;
  private readonly peers = new Map<NodeId, PeerConnection>();
  private droppedNoAddress = 0;
  private closed = false;

  constructor(config: PeerTransportConfig) {
    const options = { ...DEFAULT_TRANSPORT_OPTIONS, ...config.options };
    this.incarnation = config.incarnation ?? newIncarnation();
    this.ctx = {
      selfId: config.selfId,
      clusterId: config.clusterId,
      incarnation: this.incarnation,
      handlers: config.handlers,
      options,
      // A burst of one chunk: a limited stream never sends more than a chunk ahead of its rate.
      snapshotLimiter: config.snapshotPacer ?? new ByteRateLimiter(options.snapshotSendBytesPerSec, MAX_SNAPSHOT_CHUNK_BYTES),
      logger: transportLogger(config.logger),
      methods: raftMethods(),
      credentials: config.credentials,
    };
    this.setPeers(config.peers);
  }

  /** Sends messages (Ready.messages) without blocking; delivery is best-effort, as Raft expects. */
  send(messages: readonly Message[]): void {
    if (this.closed) return;
    let urgent: Map<PeerConnection, Buffer[]> | null = null;
    for (const msg of messages) {
      const peer = this.peers.get(msg.to);
      if (!peer) {
        this.droppedNoAddress++;
        this.ctx.handlers.onUnreachable?.(msg.to);
        continue;
      }
      switch (msg.type) {
        case 'append':
          peer.enqueueAppend(msg);
          break;
        case 'appendResponse':
          peer.enqueue(encodeMessage(msg));
          break;
        // Heartbeats keep followers from starting elections and confirm ReadIndex rounds: they
        // take the urgent lane, never a place behind appends.
        case 'heartbeat':
        case 'heartbeatResponse':
        case 'vote':
        case 'preVote':
        case 'voteResponse':
        case 'preVoteResponse':
        case 'timeoutNow': {
          urgent ??= new Map();
          const list = urgent.get(peer);
          if (list) list.push(encodeMessage(msg));
          else urgent.set(peer, [encodeMessage(msg)]);
          break;
        }
        case 'snapshot':
          peer.sendSnapshot(msg);
          break;
        default: {
          const unknownType: never = msg;
          throw new Error(`transport: cannot route message ${JSON.stringify(unknownType)}`);
        }
      }
    }
    if (urgent) for (const [peer, list] of urgent) peer.sendUrgent(list);
  }

  /**
   * Replaces the peer map (membership change). Removed or re-addressed peers lose their queue and
   * calls; an in-flight snapshot to them is reported failed so Raft does not wait on it.
   */
  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    if (this.closed) return;
    for (const [id, conn] of this.peers) {
      if (peers.get(id) !== conn.address || id === this.ctx.selfId) {
        conn.close(false);
        this.peers.delete(id);
      }
    }
    for (const [id, address] of peers) {
      if (id !== this.ctx.selfId && !this.peers.has(id)) this.peers.set(id, new PeerConnection(id, address, this.ctx));
    }
  }

  /** The receiving half of the handlers, for registerRaftService on the node's server. */
  handlersForServer(): RaftServiceConfig['handlers'] {
    const h = this.ctx.handlers;
    return {
      onMessage: (msg) => {
        // A peer that speaks is up: reach it now if we were backing off from it (a restart).
        this.peers.get(msg.from)?.heardFrom();
        h.onMessage(msg);
      },
      onSnapshot: (message, chunks) => {
        this.peers.get(message.from)?.heardFrom();
        return h.onSnapshot(message, chunks);
      },
      onPeerIncarnation: (peer, incarnation) => h.onPeerIncarnation?.(peer, incarnation),
    };
  }

  /**
   * Sends a client request or read-index round to `peer` on its Raft.Forward stream (see
   * forward-channel.ts for the outcomes); ForwardChannelError UNAVAILABLE when `peer` is unknown.
   */
  forward(peer: NodeId, req: ForwardCall): Promise<ForwardReply> {
    const conn = this.peers.get(peer);
    if (!conn || this.closed) return Promise.reject(new ForwardChannelError(grpc.status.UNAVAILABLE, `no address is known for ${peer}`, 'no'));
    return conn.forward(req);
  }

  /** Per-peer counters for metrics. */
  stats(): TransportStats {
    const peers = new Map<NodeId, PeerStats>();
    for (const [id, conn] of this.peers) peers.set(id, conn.stats());
    return { peers, droppedNoAddress: this.droppedNoAddress };
  }

  /** Cancels all calls, closes all connections and timers; later sends are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.peers.values()) conn.close(true);
    this.peers.clear();
  }
}

/** A random incarnation: a positive integer below 2^48, so it survives the wire's uint64 as a Number. */
export function newIncarnation(): number {
  return randomInt(1, 2 ** 48);
}
