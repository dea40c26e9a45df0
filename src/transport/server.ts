// Server side of the peer protocol: the raftdb.v1.Raft service on the node's own grpc.Server.
// Every batch is decoded and validated in full before any message reaches Raft; a bad or foreign
// batch ends the call with INVALID_ARGUMENT / FAILED_PRECONDITION and a log line, never a crash.
import type * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { decodeMessage } from './codec.js';
import { ForeignMessageError, InvalidMessageError, TransportClosedError, describeError, toStatus } from './errors.js';
import { transportLogger } from './logger.js';
import { raftMethods, type RaftAck, type RaftBatch } from './rpc.js';
import { receiveSnapshot } from './snapshot-receiver.js';
import type { RaftServiceConfig, RaftServiceHandle, RaftServiceStats, TransportLogger } from './types.js';

/** Shared by the three handlers of one registered service. */
export interface ServiceState {
  config: RaftServiceConfig;
  logger: TransportLogger;
  stats: RaftServiceStats;
  /** Ends an open call; registered while the call is open so close() can end it. */
  open: Set<(err: Error) => void>;
  closed: boolean;
}

/** Adds raftdb.v1.Raft to `server`; the node binds and shuts the server down itself. */
export function registerRaftService(server: grpc.Server, config: RaftServiceConfig): RaftServiceHandle {
  const state: ServiceState = {
    config,
    logger: transportLogger(config.logger),
    stats: { batchesReceived: 0, messagesReceived: 0, rejected: 0, snapshotsReceived: 0, snapshotsRefused: 0 },
    open: new Set(),
    closed: false,
  };
  const impl: grpc.UntypedServiceImplementation = {
    Stream: streamHandler(state),
    Send: sendHandler(state),
    InstallSnapshot: receiveSnapshot(state),
  };
  server.addService(raftMethods().service, impl);
  return {
    stats: () => ({ ...state.stats }),
    close: () => {
      state.closed = true;
      const err = new TransportClosedError('node shutting down');
      for (const end of [...state.open]) end(err);
    },
  };
}

/** Checks the batch envelope and every message; returns the messages or throws a typed error. */
function decodeBatch(state: ServiceState, batch: RaftBatch): Message[] {
  const { clusterId, selfId } = state.config;
  if (batch.clusterId !== clusterId) {
    throw new ForeignMessageError(`cluster id mismatch: peer is in '${batch.clusterId.slice(0, 64)}', this node in '${clusterId}'`);
  }
  if (!batch.from) throw new InvalidMessageError("batch field 'from' must be a node id");
  const out: Message[] = [];
  for (const bytes of batch.messages) {
    const msg = decodeMessage(bytes);
    if (msg.from !== batch.from) throw new InvalidMessageError(`message from '${msg.from}' in a batch from '${batch.from}'`);
    if (msg.to !== selfId) throw new ForeignMessageError(`message for node '${msg.to}' reached node '${selfId}'`);
    if (msg.type === 'snapshot') throw new InvalidMessageError('snapshot messages travel on InstallSnapshot only');
    out.push(msg);
  }
  return out;
}

/** Decodes a batch and hands its messages to the node; throws (before delivering any) if invalid. */
function deliver(state: ServiceState, batch: RaftBatch, peer: string): void {
  let messages: Message[];
  try {
    messages = decodeBatch(state, batch);
  } catch (err) {
    state.stats.rejected++;
    state.logger.warn({ peer, from: batch.from, err: describeError(err) }, 'rejected raft batch');
    throw err;
  }
  state.stats.batchesReceived++;
  state.stats.messagesReceived += messages.length;
  for (const msg of messages) {
    try {
      state.config.handlers.onMessage(msg);
    } catch (err) {
      // A throwing handler is a bug in the node, not the peer's fault: log it, keep the stream.
      state.logger.error({ from: msg.from, type: msg.type, err: describeError(err) }, 'onMessage threw');
    }
  }
}

function streamHandler(state: ServiceState): grpc.handleClientStreamingCall<RaftBatch, RaftAck> {
  return (call, callback) => {
    if (state.closed) return callback(toStatus(new TransportClosedError('node shutting down')));
    let done = false;
    const forget = (): boolean => {
      if (done) return false;
      done = true;
      state.open.delete(end);
      call.removeAllListeners('data');
      return true;
    };
    const end = (err: Error | null): void => {
      if (!forget()) return;
      if (err) callback(toStatus(err));
      else callback(null, {});
    };
    state.open.add(end);
    call.on('data', (batch: RaftBatch) => {
      if (done) return;
      try {
        deliver(state, batch, call.getPeer());
      } catch (err) {
        end(err instanceof Error ? err : new Error(String(err)));
      }
    });
    call.on('end', () => end(null));
    // The peer went away: nothing to answer, only forget the call.
    call.on('error', forget);
    call.on('cancelled', forget);
  };
}

function sendHandler(state: ServiceState): grpc.handleUnaryCall<RaftBatch, RaftAck> {
  return (call, callback) => {
    if (state.closed) return callback(toStatus(new TransportClosedError('node shutting down')));
    try {
      deliver(state, call.request, call.getPeer());
      callback(null, {});
    } catch (err) {
      callback(toStatus(err));
    }
  };
}
