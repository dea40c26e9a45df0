// The receiving half of Raft.Forward (forward-channel.ts sends): a member passes client requests
// and read-index rounds on to this node in batches; each is handed to the node's ForwardHandler
// and its reply goes back tagged with its id, replies finished in one turn together. Who may use
// it is decided exactly as for Raft messages: the connection's certificate must name a current
// member and every batch's `from` must be that member (peer-auth.ts); a non-member's stream is
// ended with PERMISSION_DENIED before any request runs. Bounded per stream: requests and bytes
// executing at once (more are answered RESOURCE_EXHAUSTED), and the size of each reply.
import * as grpc from '@grpc/grpc-js';
import { undecodable } from '../proto/tolerant.js';
import { ForeignMessageError, InvalidMessageError, TransportClosedError, describeError, toStatus } from './errors.js';
import { type CallAuth, checkSender, clip } from './peer-auth.js';
import type { ForwardBatch, ForwardReplies, ForwardReply, ForwardRequest } from './rpc.js';
import { identifyCaller, openCall, type ServiceState } from './server.js';
import type { ForwardSender } from './types.js';

/** Bytes a reply takes besides its response (fields, framing). */
const REPLY_OVERHEAD_BYTES = 256;

/** Raft.Forward on this node's server. */
export function forwardHandler(state: ServiceState): grpc.handleBidiStreamingCall<ForwardBatch, ForwardReplies> {
  return (call) => {
    const fail = (err: unknown): void => {
      call.emit('error', { ...toStatus(err), metadata: new grpc.Metadata() });
    };
    const forward = state.config.forward;
    if (!forward) {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'this node does not serve forwarded requests', metadata: new grpc.Metadata() });
      return;
    }
    if (state.closed) return fail(new TransportClosedError('node shutting down'));
    let proven: readonly string[] | null;
    try {
      proven = identifyCaller(state, call);
    } catch (err) {
      return fail(err);
    }
    const auth: CallAuth = call.getAuthContext();
    const address = call.getPeer();
    const limits = forward.limits;
    let inFlight = 0;
    let inFlightBytes = 0;
    let out: ForwardReply[] = [];
    let outBytes = 0;
    let flushScheduled = false;

    const { who, end, forget, isDone } = openCall(state, call, (err) => {
      if (err) fail(err);
      else call.end();
    });
    const flush = (): void => {
      flushScheduled = false;
      if (isDone() || out.length === 0) return;
      call.write({ replies: out });
      out = [];
      outBytes = 0;
    };
    const reply = (r: ForwardReply): void => {
      if (isDone()) return;
      let bytes = r.response.length + r.message.length + REPLY_OVERHEAD_BYTES;
      if (bytes > limits.maxReplyBytes) {
        r = refusal(r.id, grpc.status.RESOURCE_EXHAUSTED, `the response of ${bytes} bytes exceeds the ${limits.maxReplyBytes}-byte forwarding limit; ask the leader directly or narrow the request`);
        bytes = REPLY_OVERHEAD_BYTES;
      }
      if (outBytes + bytes > limits.maxBatchBytes) flush();
      out.push(r);
      outBytes += bytes;
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    };

    const run = (req: ForwardRequest, sender: ForwardSender): void => {
      const bytes = req.request.length + REPLY_OVERHEAD_BYTES;
      if (inFlight >= limits.maxInFlight || inFlightBytes + bytes > limits.maxInFlightBytes) {
        state.stats.forwardedRefused++;
        forward.onRefused?.();
        reply(refusal(req.id, grpc.status.RESOURCE_EXHAUSTED, `${inFlight} forwarded requests (${inFlightBytes} bytes) from ${clip(sender.from)} are already executing here; retry shortly`));
        return;
      }
      inFlight++;
      inFlightBytes += bytes;
      let p: Promise<Omit<ForwardReply, 'id'>>;
      try {
        p = forward.handler(req, sender);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (r) => reply({ ...r, id: req.id }),
        (err: unknown) => {
          state.logger.error({ from: sender.from, method: clip(req.method), err: describeError(err) }, 'forward handler threw');
          reply(refusal(req.id, grpc.status.INTERNAL, `internal error: ${describeError(err)}`));
        },
      ).finally(() => {
        inFlight--;
        inFlightBytes -= bytes;
      });
    };

    call.on('data', (batch: ForwardBatch) => {
      if (isDone()) return;
      try {
        const from = checkBatch(state, batch, proven);
        who.from = from;
        state.stats.forwardedReceived += batch.requests.length;
        const sender: ForwardSender = { from, address, auth };
        for (const req of batch.requests) run(req, sender);
      } catch (err) {
        state.stats.rejected++;
        state.logger.warn({ peer: address, from: clip(String(batch.from)), err: describeError(err) }, 'rejected forward batch');
        end(err instanceof Error ? err : new Error(String(err)));
      }
    });
    call.on('end', () => end(null));
    call.on('error', forget);
    call.on('cancelled', forget);
  };
}

/** Checks a batch's envelope and sender; returns the sender's id or throws a typed error. */
function checkBatch(state: ServiceState, batch: ForwardBatch, proven: readonly string[] | null): string {
  const why = undecodable(batch);
  if (why !== null) throw new InvalidMessageError(why);
  if (batch.clusterId !== state.config.clusterId) {
    throw new ForeignMessageError(`cluster id mismatch: peer is in '${clip(batch.clusterId)}', this node in '${state.config.clusterId}'`);
  }
  if (!batch.from) throw new InvalidMessageError("batch field 'from' must be a node id");
  checkSender(state.authorizer, proven, batch.from);
  return batch.from;
}

/** A reply carrying only a status. */
export function refusal(id: number, code: grpc.status, message: string): ForwardReply {
  return { id, code, message, leaderAddress: '', response: Buffer.alloc(0), readIndex: 0 };
}
