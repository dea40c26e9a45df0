// Server side of the peer protocol: the raftdb.v1.Raft service on the node's own grpc.Server.
// Every batch is decoded and validated in full before any message reaches Raft; a bad or foreign
// batch ends the call with INVALID_ARGUMENT / FAILED_PRECONDITION and a log line, never a crash.
import { tolerant, undecodable } from '../proto/tolerant.js';
import type * as grpc from '@grpc/grpc-js';
import type { Message } from '../raft/types.js';
import { decodeMessage } from './codec.js';
import { ForeignMessageError, InvalidMessageError, TransportClosedError, describeError, toStatus } from './errors.js';
import { transportLogger } from './logger.js';
import { type CallAuth, type PeerAuthorizer, checkSender, clip } from './peer-auth.js';
import { raftMethods, type RaftAck, type RaftBatch } from './rpc.js';
import { receiveSnapshot } from './snapshot-receiver.js';
import { forwardHandler } from './forward-server.js';
import type { RaftServiceConfig, RaftServiceHandle, RaftServiceStats, TransportLogger } from './types.js';

/** Shared by the three handlers of one registered service. */
export interface ServiceState {
  config: RaftServiceConfig;
  logger: TransportLogger;
  stats: RaftServiceStats;
  /** Ends an open call; registered while the call is open so close() can end it. */
  open: Set<(err: Error) => void>;
  /** Open calls and who they speak for, so that revalidate() can end those no longer allowed. */
  senders: Map<(err: Error) => void, { auth: CallAuth | null; from: string | null }>;
  authorizer: PeerAuthorizer;
  closed: boolean;
}

/** Without an authorizer every sender is believed (transport tests); a node always passes one. */
const BELIEVE_ALL: PeerAuthorizer = { identify: () => null, isMember: () => true };

/** The caller's proven names; a PeerIdentityError is counted and logged before it is rethrown. */
export function identifyCaller(state: ServiceState, call: { getAuthContext(): CallAuth; getPeer(): string }): readonly string[] | null {
  try {
    return state.authorizer.identify(call.getAuthContext());
  } catch (err) {
    state.stats.rejected++;
    state.logger.warn({ peer: call.getPeer(), err: describeError(err) }, 'refused a peer connection');
    throw err;
  }
}

/** Adds raftdb.v1.Raft to `server`; the node binds and shuts the server down itself. */
export function registerRaftService(server: grpc.Server, config: RaftServiceConfig): RaftServiceHandle {
  const state: ServiceState = {
    config,
    logger: transportLogger(config.logger),
    stats: { forwardedReceived: 0, forwardedRefused: 0, batchesReceived: 0, messagesReceived: 0, rejected: 0, snapshotsReceived: 0, snapshotsRefused: 0 },
    open: new Set(),
    senders: new Map(),
    authorizer: config.authorizer ?? BELIEVE_ALL,
    closed: false,
  };
  const impl: grpc.UntypedServiceImplementation = {
    Stream: streamHandler(state),
    Send: sendHandler(state),
    InstallSnapshot: receiveSnapshot(state),
    Forward: forwardHandler(state),
  };
  // Undecodable messages reach the handlers as markers, refused INVALID_ARGUMENT (not INTERNAL).
  server.addService(tolerant(raftMethods().service), impl);
  return {
    stats: () => ({ ...state.stats }),
    revalidate: () => revalidate(state),
    close: () => {
      state.closed = true;
      const err = new TransportClosedError('node shutting down');
      for (const end of [...state.open]) end(err);
    },
  };
}

/**
 * Ends the open calls that may no longer speak for their member: removed from the cluster, or
 * (after a CA rotation) no longer holding a trusted certificate.
 */
function revalidate(state: ServiceState): void {
  for (const [end, who] of [...state.senders]) {
    try {
      const proven = state.authorizer.identify(who.auth);
      if (who.from !== null) checkSender(state.authorizer, proven, who.from);
    } catch (err) {
      state.logger.warn({ from: who.from === null ? null : clip(who.from), err: describeError(err) }, 'closing a peer connection that is no longer allowed');
      end(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/** Checks the batch envelope and every message; returns the messages or throws a typed error. */
function decodeBatch(state: ServiceState, batch: RaftBatch, proven: readonly string[] | null): Message[] {
  const why = undecodable(batch);
  if (why !== null) throw new InvalidMessageError(why);
  const { clusterId, selfId } = state.config;
  if (batch.clusterId !== clusterId) {
    throw new ForeignMessageError(`cluster id mismatch: peer is in '${clip(batch.clusterId)}', this node in '${clusterId}'`);
  }
  if (!batch.from) throw new InvalidMessageError("batch field 'from' must be a node id");
  checkSender(state.authorizer, proven, batch.from);
  const out: Message[] = [];
  for (const bytes of batch.messages) {
    const msg = decodeMessage(bytes);
    if (msg.from !== batch.from) throw new InvalidMessageError(`message from '${clip(msg.from)}' in a batch from '${clip(batch.from)}'`);
    if (msg.to !== selfId) throw new ForeignMessageError(`message for node '${clip(msg.to)}' reached node '${selfId}'`);
    if (msg.type === 'snapshot') throw new InvalidMessageError('snapshot messages travel on InstallSnapshot only');
    out.push(msg);
  }
  return out;
}

/** Decodes a batch and hands its messages to the node; throws (before delivering any) if invalid. */
function deliver(state: ServiceState, batch: RaftBatch, peer: string, proven: readonly string[] | null): void {
  let messages: Message[];
  try {
    messages = decodeBatch(state, batch, proven);
  } catch (err) {
    state.stats.rejected++;
    state.logger.warn({ peer, from: clip(String(batch.from)), err: describeError(err) }, 'rejected raft batch');
    throw err;
  }
  state.stats.batchesReceived++;
  state.stats.messagesReceived += messages.length;
  // Before the messages: a restarted follower's first answers must meet a leader that knows it restarted.
  const incarnation = batch.incarnation ?? 0;
  if (incarnation > 0) {
    try {
      state.config.handlers.onPeerIncarnation?.(batch.from, incarnation);
    } catch (err) {
      state.logger.error({ from: batch.from, err: describeError(err) }, 'onPeerIncarnation threw');
    }
  }
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
    let proven: readonly string[] | null;
    try {
      proven = identifyCaller(state, call);
    } catch (err) {
      return callback(toStatus(err));
    }
    const { who, end, forget, isDone } = openCall(state, call, (err) => {
      if (err) callback(toStatus(err));
      else callback(null, {});
    });
    call.on('data', (batch: RaftBatch) => {
      if (isDone()) return;
      try {
        deliver(state, batch, call.getPeer(), proven);
        who.from = batch.from;
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

/** An open incoming stream as the service tracks it (so that close() and revalidate() can end it). */
export interface OpenCall {
  /** Who the stream speaks for: set `from` once its first batch named it. */
  who: { auth: CallAuth | null; from: string | null };
  /** Ends the call (`finish` answers it), once. */
  end(err: Error | null): void;
  /** Forgets the call without answering (the peer went away); false if it was already done. */
  forget(): boolean;
  isDone(): boolean;
}

/** Registers an incoming stream; `finish` answers it when it is ended (not when forgotten). */
export function openCall(state: ServiceState, call: { getAuthContext(): CallAuth; removeAllListeners(event: string): unknown }, finish: (err: Error | null) => void): OpenCall {
  const who = { auth: call.getAuthContext(), from: null as string | null };
  let done = false;
  const forget = (): boolean => {
    if (done) return false;
    done = true;
    state.open.delete(end);
    state.senders.delete(end);
    call.removeAllListeners('data');
    return true;
  };
  const end = (err: Error | null): void => {
    if (forget()) finish(err);
  };
  state.open.add(end);
  state.senders.set(end, who);
  return { who, end, forget, isDone: () => done };
}

function sendHandler(state: ServiceState): grpc.handleUnaryCall<RaftBatch, RaftAck> {
  return (call, callback) => {
    if (state.closed) return callback(toStatus(new TransportClosedError('node shutting down')));
    try {
      deliver(state, call.request, call.getPeer(), identifyCaller(state, call));
      callback(null, {});
    } catch (err) {
      callback(toStatus(err));
    }
  };
}
