// The raftdb.v1.Raft service as typed gRPC method definitions, and the channel settings of peer
// connections. Everything here is derived from proto/raftdb/v1/raft.proto via src/proto/load.ts.
import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../proto/load.js';
import type { TransportOptions } from './types.js';

/** raftdb.v1.RaftBatch as the shared loader shapes it (camelCase, bytes as Buffer). */
export interface RaftBatch {
  from: string;
  clusterId: string;
  messages: Uint8Array[];
  /** The sending process's incarnation; absent (decoded as 0) from members that predate the field. */
  incarnation?: number;
}

/** raftdb.v1.RaftAck: empty. */
export type RaftAck = Record<string, never>;

/** raftdb.v1.SnapshotChunk: the first carries `message`, `from`, `clusterId`; the final one `last`. */
export interface SnapshotChunk {
  message: Uint8Array;
  from: string;
  clusterId: string;
  data: Uint8Array;
  last: boolean;
}

/** raftdb.v1.SnapshotAck. */
export interface SnapshotAck {
  accepted: boolean;
  reason: string;
  /** The receiving process's incarnation; absent (decoded as 0) from members that predate the field. */
  incarnation?: number;
}

/** raftdb.v1.ForwardRequest: one forwarded client request or read-index round (raft.proto). */
export interface ForwardRequest {
  id: number;
  method: string;
  request: Uint8Array;
  timeoutMs: number;
  hops: number;
  token: string;
  user: string;
  clientAddress: string;
  /** The term the sender knew the leader in (0: unknown). */
  leaderTerm: number;
}

/** raftdb.v1.ForwardBatch. */
export interface ForwardBatch {
  from: string;
  clusterId: string;
  requests: ForwardRequest[];
}

/** raftdb.v1.ForwardReply: `code` 0 with `response` / `readIndex`, else a gRPC status. */
export interface ForwardReply {
  id: number;
  code: number;
  message: string;
  leaderAddress: string;
  response: Uint8Array;
  readIndex: number;
  /** For a request shed under load: when to retry (ms); 0 or absent: no hint. */
  retryAfterMs?: number;
}

/** raftdb.v1.ForwardReplies. */
export interface ForwardReplies {
  replies: ForwardReply[];
}

/** The Raft methods with their (de)serialisers. */
export interface RaftMethods {
  service: grpc.ServiceDefinition;
  stream: grpc.MethodDefinition<RaftBatch, RaftAck>;
  send: grpc.MethodDefinition<RaftBatch, RaftAck>;
  installSnapshot: grpc.MethodDefinition<SnapshotChunk, SnapshotAck>;
  forward: grpc.MethodDefinition<ForwardBatch, ForwardReplies>;
}

/** The Raft service definition, loaded once through the shared proto loader. */
export function raftMethods(): RaftMethods {
  const service = loadRaftdbProto().Raft.service;
  // The loader types method definitions as MethodDefinition<any, any>; this is where they get
  // the message shapes above.
  const method = <Req, Res>(name: string): grpc.MethodDefinition<Req, Res> => {
    const def = service[name];
    if (!def) throw new Error(`raft.proto has no method ${name}`);
    return def;
  };
  return {
    service,
    stream: method('Stream'),
    send: method('Send'),
    installSnapshot: method('InstallSnapshot'),
    forward: method('Forward'),
  };
}

/** A snapshot chunk carries at most this many data bytes, well under gRPC's 4 MiB default limit. */
export const MAX_SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

/**
 * Channel settings of a peer connection. gRPC's own reconnect back-off (1 s growing to 120 s by
 * default) would override ours, so it is set to the same range. A local subchannel pool gives
 * each client its own TCP connection: snapshots get a connection apart from appends and votes,
 * and close() really closes it.
 */
export function peerChannelOptions(opts: TransportOptions): grpc.ChannelOptions {
  return {
    'grpc.initial_reconnect_backoff_ms': opts.reconnectBaseMs,
    'grpc.max_reconnect_backoff_ms': opts.reconnectMaxMs,
    'grpc.keepalive_time_ms': opts.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.enable_channelz': 0,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_send_message_length': opts.maxMessageBytes + 64 * 1024,
    'grpc.max_receive_message_length': 64 * 1024,
  };
}

/** A client to a peer: mutual TLS with `credentials`, plaintext without; `extra` overrides settings. */
export function newPeerClient(address: string, opts: TransportOptions, credentials?: grpc.ChannelCredentials, extra: grpc.ChannelOptions = {}): grpc.Client {
  return new grpc.Client(address, credentials ?? grpc.credentials.createInsecure(), { ...peerChannelOptions(opts), ...extra });
}
