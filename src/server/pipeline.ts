// KV.Pipeline: Put, Get, Delete, Range and Txn multiplexed on one long-lived bidirectional
// stream. A unary gRPC call costs a new HTTP/2 stream, headers and trailers on both sides; on a
// small machine that, not Raft, bounds how many requests a node can take. A pipeline pays that
// once. Each operation runs through the same handler as its unary call, so routing, forwarding,
// consistency, commit modes and errors are identical; results go back as they finish, those
// finished in the same event-loop turn together in messages of at most MAX_RESULT_MESSAGE_BYTES.
// What a stream holds is bounded in bytes and the stream stops reading while it is at the bound
// (pipeline-flow.ts), so a client that does not read its results is stopped by HTTP/2 flow control.
import * as grpc from '@grpc/grpc-js';
import { callerOf, type Caller } from './caller.js';
import type { IncomingCall, NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toRequestError, toServiceError } from './errors.js';
import type { KvHandlers, KvMethod } from './kv-service.js';
import { plainResponse } from './passthrough.js';
import { PipelineFlow, type FlowOp } from './pipeline-flow.js';
import { ReadReserve } from './read-reserve.js';
import { approxBytes } from './sizes.js';
import type { OpStatus__Output as OpStatus } from '../proto/generated/raftdb/v1/OpStatus.js';
import type { PipelineOp__Output as PipelineOp } from '../proto/generated/raftdb/v1/PipelineOp.js';
import type { PipelineRequest__Output as PipelineRequest } from '../proto/generated/raftdb/v1/PipelineRequest.js';

/** The oneof case of a PipelineOp (proto-loader's `oneofs: true`). */
type OpKind = NonNullable<PipelineOp['op']>;

type PipelineResult = { seq: number; error: OpStatus } | ({ seq: number } & { [K in OpKind]?: object });

const METHOD_OF: Record<OpKind, KvMethod> = { put: 'Put', get: 'Get', delete: 'Delete', range: 'Range', txn: 'Txn' };

/** Operations one stream may have in flight; a client over it is cut off (it cannot be waiting on that many). */
export const MAX_PIPELINE_IN_FLIGHT = 4096;
/**
 * A message of results is cut before this many bytes: half of gRPC's default receive limit
 * (4 MiB), so that clients with default settings take it with room for the estimate's error.
 * One larger result (a big Range) goes alone.
 */
export const MAX_RESULT_MESSAGE_BYTES = 2 * 1024 * 1024;
/** Reserved for a result that carries no keys or values (a put's, a delete's, an error). */
const SMALL_RESULT_BYTES = 256;
/** The longest deadline an operation may ask for (setTimeout's range is 2^31 - 1 ms). */
const MAX_TIMEOUT_MS = 3_600_000;
/**
 * Pipeline operations carry no metadata of their own: they are never forwarded requests, and
 * each is checked as the stream's caller (its token or certificate, read when it opened).
 */
const NO_METADATA = new grpc.Metadata();

export function pipelineHandler(ctx: NodeContext, handlers: KvHandlers): grpc.handleBidiStreamingCall<PipelineRequest, object> {
  return (call) => {
    const caller = callerOf(call);
    let halfClosed = false;
    let ended = false;
    const readReserve = new ReadReserve(ctx.clientLimits.maxStreamBytes, ctx.limits.maxKeyBytes + ctx.limits.maxValueBytes + SMALL_RESULT_BYTES);
    // At most one decoded request message waits in the stream's buffer while it is paused (the
    // default for object streams is 16, each up to the node's message limit of a few MiB).
    limitReadBuffer(call);
    const flow: PipelineFlow<PipelineResult> = new PipelineFlow<PipelineResult>(
      { maxBytesInFlight: ctx.clientLimits.maxStreamBytes, maxMessageBytes: MAX_RESULT_MESSAGE_BYTES, maxOps: MAX_PIPELINE_IN_FLIGHT },
      {
        send: (results, taken) => call.write({ results }, () => taken()),
        pause: () => {
          call.pause();
          ctx.limitEvents.streamPaused('pipeline');
        },
        resume: () => call.resume(),
      },
      (result) => {
        const bytes = approxBytes(result);
        if ('get' in result || 'range' in result) readReserve.observe(bytes);
        return bytes;
      },
      () => {
        if (halfClosed && flow.pending === 0) end(null);
      },
      ctx.streamBudget,
    );
    const end = (err: RequestError | null): void => {
      if (ended) return;
      flow.flush();
      flow.close();
      ended = true;
      forget();
      if (err) call.emit('error', toServiceError(err));
      else call.end();
    };
    const forget = ctx.streams.add(end);
    const gone = (): void => {
      ended = true;
      flow.close();
      forget();
    };

    const toFlowOp = flowOps(ctx, handlers, caller, readReserve);

    call.on('data', (req: PipelineRequest) => {
      if (ended) return;
      try {
        checkDecoded(req);
      } catch (err) {
        end(err as RequestError);
        return;
      }
      if (!flow.receive((req.ops ?? []).map(toFlowOp))) {
        end(new RequestError(grpc.status.RESOURCE_EXHAUSTED, `more than ${MAX_PIPELINE_IN_FLIGHT} pipeline operations in flight`));
      }
    });
    // The client is done sending: answer what is in flight, then end the stream.
    call.on('end', () => {
      halfClosed = true;
      if (flow.pending === 0) end(null);
    });
    call.on('error', gone);
    call.on('cancelled', gone);
  };
}

/**
 * Turns a stream's operations into PipelineFlow operations: what each reserves, and how it runs
 * through its unary handler (its failure is its result, with the deadline counted from arrival).
 */
function flowOps(ctx: NodeContext, handlers: KvHandlers, caller: Caller, readReserve: ReadReserve): (op: PipelineOp) => FlowOp<PipelineResult> {
  const run = async (op: PipelineOp, kind: OpKind, request: unknown, deadline: Date): Promise<PipelineResult> => {
    const t0 = performance.now();
    const method = METHOD_OF[kind];
    const incoming: IncomingCall = { request, metadata: NO_METADATA, getDeadline: () => deadline, caller };
    try {
      // It may have waited for the stream's bound longer than its client was prepared to.
      if (ctx.time.wallClock() >= deadline.getTime()) throw new RequestError(grpc.status.DEADLINE_EXCEEDED, `${method}: deadline exceeded before it could start`);
      const res = await handlers[method](incoming as IncomingCall<never>);
      ctx.observeRequest?.(method, 'OK', (performance.now() - t0) / 1000);
      return { seq: op.seq, [kind]: plainResponse(res) };
    } catch (err) {
      const e = toRequestError(err);
      if (e.code === grpc.status.INTERNAL) ctx.log.error({ err }, 'pipeline operation failed');
      ctx.observeRequest?.(method, grpc.status[e.code] ?? 'UNKNOWN', (performance.now() - t0) / 1000);
      return { seq: op.seq, error: { code: e.code, message: e.message, leaderAddress: e.leaderAddress ?? '' } };
    }
  };
  return (op) => {
    const kind = op.op;
    const request = kind ? op[kind] : undefined;
    if (!kind || !request) {
      const error = { code: grpc.status.INVALID_ARGUMENT, message: 'op: one of put, get, delete, range or txn is required', leaderAddress: '' };
      return { reserveBytes: () => SMALL_RESULT_BYTES, run: () => Promise.resolve({ seq: op.seq, error }) };
    }
    // The deadline counts from the operation's arrival, not from its start.
    const timeoutMs = op.timeoutMs > 0 ? Math.min(op.timeoutMs, MAX_TIMEOUT_MS) : ctx.defaultTimeoutMs;
    const deadline = new Date(ctx.time.wallClock() + timeoutMs);
    const requestBytes = approxBytes(request);
    const reads = readsValues(kind, request);
    return {
      reserveBytes: () => requestBytes + (reads ? readReserve.bytes : SMALL_RESULT_BYTES * (1 + opsOf(request))),
      run: () => run(op, kind, request, deadline),
    };
  };
}

/** Whether an operation returns stored values (a Get, a Range, a txn with a range). */
function readsValues(kind: OpKind, request: unknown): boolean {
  if (kind === 'get' || kind === 'range') return true;
  if (kind !== 'txn') return false;
  const t = request as { success?: { range?: unknown }[]; failure?: { range?: unknown }[] };
  return [...(t.success ?? []), ...(t.failure ?? [])].some((o) => o?.range);
}

/** A txn's operations (its response has one entry per operation of the branch taken). */
function opsOf(request: unknown): number {
  const t = request as { success?: unknown[]; failure?: unknown[] };
  return Math.max(t.success?.length ?? 0, t.failure?.length ?? 0);
}

/**
 * Lowers the read buffer of a server stream to one message. grpc-js asks for the next message
 * whenever the buffer is below its high-water mark, which Node fixes at construction (16 for
 * object streams); the field is read on every push, so setting it takes effect at once.
 */
function limitReadBuffer(call: object): void {
  const state = (call as { _readableState?: { highWaterMark?: number } })._readableState;
  if (state && typeof state.highWaterMark === 'number') state.highWaterMark = 1;
}
