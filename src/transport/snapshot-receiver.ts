// Receiving side of InstallSnapshot: validates the first chunk (the snapshot message), then hands
// the node an async iterable of the data chunks, read with back-pressure straight off the call.
import { undecodable } from '../proto/tolerant.js';
import type * as grpc from '@grpc/grpc-js';
import type { SnapshotRequest } from '../raft/types.js';
import { decodeMessage } from './codec.js';
import { ForeignMessageError, InvalidMessageError, TransportClosedError, describeError, toStatus } from './errors.js';
import type { SnapshotAck, SnapshotChunk } from './rpc.js';
import { checkSender, clip } from './peer-auth.js';
import { identifyCaller, type ServiceState } from './server.js';

/** The InstallSnapshot handler: acks accepted / refused, or fails the call on a malformed stream. */
export function receiveSnapshot(state: ServiceState): grpc.handleClientStreamingCall<SnapshotChunk, SnapshotAck> {
  return (call, callback) => {
    if (state.closed) return callback(toStatus(new TransportClosedError('node shutting down')));
    // Ending the readable makes the node's iteration fail, so its staging stops and cleans up.
    const end = (err: Error): void => {
      call.destroy(err);
    };
    state.open.add(end);
    // A sender that cancels (stall timeout, peer removed) must not leave onSnapshot waiting forever.
    call.on('cancelled', () => call.destroy(new Error('snapshot cancelled by the sender')));
    call.on('error', () => undefined); // surfaced through the iteration below
    receive(state, call)
      .then(
        (ack) => callback(null, ack),
        (err: unknown) => callback(toStatus(err)),
      )
      .finally(() => state.open.delete(end));
  };
}

async function receive(state: ServiceState, call: grpc.ServerReadableStream<SnapshotChunk, SnapshotAck>): Promise<SnapshotAck> {
  const it: AsyncIterator<SnapshotChunk> = call[Symbol.asyncIterator]();
  // Who the caller is, before a byte of the stream is read or staged.
  const proven = identifyCaller(state, call);
  const first = await it.next();
  let message: SnapshotRequest;
  try {
    message = firstChunk(state, first.done ? null : first.value);
    checkSender(state.authorizer, proven, message.from);
  } catch (err) {
    state.stats.rejected++;
    state.logger.warn({ peer: call.getPeer(), err: describeError(err) }, 'rejected snapshot stream');
    throw err;
  }
  let violation: InvalidMessageError | null = null;
  const broken = (why: string): InvalidMessageError => (violation = new InvalidMessageError(why));
  async function* data(): AsyncGenerator<Uint8Array> {
    let chunk = first.value;
    for (;;) {
      if (chunk.data.length > 0) yield chunk.data;
      if (chunk.last) return;
      const next = await it.next();
      // Without `last`, an end of stream may be the sender's cancellation: never a complete snapshot.
      if (next.done) throw broken('snapshot stream ended before its last chunk');
      chunk = next.value;
      const why = undecodable(chunk);
      if (why !== null) throw broken(why);
      if (chunk.message.length > 0) throw broken('snapshot message repeated after the first chunk');
    }
  }
  try {
    await state.config.handlers.onSnapshot(message, data());
    state.stats.snapshotsReceived++;
    return { accepted: true, reason: '', incarnation: state.config.incarnation ?? 0 };
  } catch (err) {
    if (violation) {
      // Cut short or malformed by the sender: a status, not a refusal by this node.
      state.stats.rejected++;
      state.logger.warn({ from: message.from, index: message.snapshot.index, err: describeError(violation) }, 'rejected snapshot stream');
      throw violation;
    }
    state.stats.snapshotsRefused++;
    state.logger.warn({ from: message.from, index: message.snapshot.index, err: describeError(err) }, 'snapshot refused');
    return { accepted: false, reason: describeError(err).slice(0, 1024), incarnation: state.config.incarnation ?? 0 };
  }
}

/** Validates the first chunk: envelope, then a snapshot message from that sender to this node. */
function firstChunk(state: ServiceState, chunk: SnapshotChunk | null): SnapshotRequest {
  if (!chunk) throw new InvalidMessageError('empty snapshot stream');
  const why = undecodable(chunk);
  if (why !== null) throw new InvalidMessageError(why);
  if (chunk.message.length === 0) throw new InvalidMessageError('the first snapshot chunk must carry the message');
  const { clusterId, selfId } = state.config;
  if (chunk.clusterId !== clusterId) {
    throw new ForeignMessageError(`cluster id mismatch: peer is in '${clip(chunk.clusterId)}', this node in '${clusterId}'`);
  }
  const msg = decodeMessage(chunk.message);
  if (msg.type !== 'snapshot') throw new InvalidMessageError(`InstallSnapshot carries a '${msg.type}' message`);
  if (msg.from !== chunk.from) throw new InvalidMessageError(`snapshot from '${clip(msg.from)}' in a stream from '${clip(chunk.from)}'`);
  if (msg.to !== selfId) throw new ForeignMessageError(`snapshot for node '${clip(msg.to)}' reached node '${selfId}'`);
  return msg;
}
