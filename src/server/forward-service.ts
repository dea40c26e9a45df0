// The leader's side of Raft.Forward: a request another member passed on is executed by the same
// KV handler as the client's own call would be (kv-service.ts), with the caller's identity as the
// forwarding member vouched for it (caller.ts): the handler sees metadata marking the request as
// forwarded (hop count, token, asserted user, client address) and the member's connection, so
// authentication, authorization, exactly-once, commit modes, the audit log and the hop rule
// (context.ts#onLeader) are those of a directly received or unary-forwarded request. A read-index
// round is confirmed by this node's Raft core (or passed on once to the leader it knows).
import * as grpc from '@grpc/grpc-js';
import type { ForwardHandler, ForwardReply, ForwardRequest, ForwardSender } from '../transport/index.js';
import { forwardedCaller } from './caller.js';
import { onLeader, withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { toRequestError } from './errors.js';
import { FORWARDED, FORWARDED_TERM, MAX_FORWARD_HOPS_LIMIT } from './forwarder.js';
import type { KvHandlers, KvMethod } from './kv-service.js';
import { kvMethod, READ_INDEX } from './peer-forward.js';

const KV_METHODS: ReadonlySet<string> = new Set<KvMethod>(['Put', 'Delete', 'Txn', 'Get', 'Range']);
const EMPTY = Buffer.alloc(0);
/** The longest deadline a forwarded request may carry (setTimeout's range is 2^31 - 1 ms). */
const MAX_TIMEOUT_MS = 3_600_000;

type Outcome = Omit<ForwardReply, 'id'>;

/** Raft.Forward's handler for this node: KV requests through `handlers`, read-index rounds. */
export function forwardService(ctx: NodeContext, handlers: KvHandlers): ForwardHandler {
  return async (req, sender) => {
    const t0 = performance.now();
    const method = req.method;
    try {
      const call = incoming(req, sender, ctx.time.wallClock(), EMPTY);
      if (method === READ_INDEX) {
        const readIndex = await onLeader<number>(ctx, call, 'kv', READ_INDEX, (deadline) => withDeadline(ctx, ctx.driver.confirmReadIndex(false), deadline, 'read index'));
        return { ...ok(EMPTY), readIndex };
      }
      if (!KV_METHODS.has(method)) return status(grpc.status.UNIMPLEMENTED, `no forwarded method '${method.slice(0, 32)}'`);
      const def = kvMethod(method);
      let request: object;
      try {
        request = def.requestDeserialize(Buffer.from(req.request.buffer, req.request.byteOffset, req.request.byteLength));
      } catch (err) {
        return status(grpc.status.INVALID_ARGUMENT, `the forwarded ${method} request is not a valid protobuf message: ${(err as Error).message}`);
      }
      const res = await handlers[method as KvMethod]({ ...call, request } as IncomingCall<never>);
      ctx.observeRequest?.(method, 'OK', (performance.now() - t0) / 1000);
      return ok(def.responseSerialize(res));
    } catch (err) {
      const e = toRequestError(err);
      if (e.code === grpc.status.INTERNAL) ctx.log.error({ err, method }, 'forwarded request failed');
      if (method !== READ_INDEX) ctx.observeRequest?.(method, grpc.status[e.code] ?? 'UNKNOWN', (performance.now() - t0) / 1000);
      return { ...status(e.code, e.message), leaderAddress: e.leaderAddress ?? '', retryAfterMs: e.retryAfterMs ?? 0 };
    }
  };
}

/**
 * The forwarded request as the KV handlers read a call: the hop count and term as forwarding
 * metadata (context.ts#onLeader reads them), the caller as the member vouched for it (the same
 * Caller a unary forward's metadata gives, caller.ts#forwardedCaller), the member's connection.
 */
function incoming(req: ForwardRequest, sender: ForwardSender, nowMs: number, request: unknown): IncomingCall {
  const md = new grpc.Metadata();
  // At least one forward (it came from a member), at most the limit, whatever the sender claims.
  md.set(FORWARDED, String(Math.min(Math.max(req.hops, 1), MAX_FORWARD_HOPS_LIMIT)));
  if (req.leaderTerm > 0) md.set(FORWARDED_TERM, String(req.leaderTerm));
  const deadline = new Date(nowMs + Math.min(Math.max(req.timeoutMs, 1), MAX_TIMEOUT_MS));
  return {
    request,
    metadata: md,
    getDeadline: () => deadline,
    getPeer: () => sender.address,
    getAuthContext: () => ({ sslPeerCertificate: sender.auth.sslPeerCertificate }),
    caller: forwardedCaller(req, sender.address, sender.auth.sslPeerCertificate?.raw),
  };
}

function ok(response: Uint8Array): Outcome {
  return { code: grpc.status.OK, message: '', leaderAddress: '', response, readIndex: 0 };
}

function status(code: grpc.status, message: string): Outcome {
  return { code, message, leaderAddress: '', response: EMPTY, readIndex: 0 };
}
