// KV.Pipeline: Put, Get, Delete, Range and Txn multiplexed on one long-lived bidirectional
// stream. A unary gRPC call costs a new HTTP/2 stream, headers and trailers on both sides; on a
// small machine that, not Raft, bounds how many requests a node can take. A pipeline pays that
// once. Each operation runs through the same handler as its unary call, so routing, forwarding,
// consistency, commit modes and errors are identical; results go back as they finish, those
// finished in the same event-loop turn together in one message.
import * as grpc from '@grpc/grpc-js';
import { callerOf } from './caller.js';
import type { IncomingCall, NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toRequestError, toServiceError } from './errors.js';
import type { KvHandlers, KvMethod } from './kv-service.js';
import { plainResponse } from './passthrough.js';

type OpKind = 'put' | 'get' | 'delete' | 'range' | 'txn';

interface PipelineOp {
  seq: number;
  timeoutMs: number;
  /** The oneof case (proto-loader's `oneofs: true`). */
  op?: OpKind;
  put?: unknown;
  get?: unknown;
  delete?: unknown;
  range?: unknown;
  txn?: unknown;
}

interface PipelineRequest {
  ops?: PipelineOp[];
}

interface OpStatus {
  code: number;
  message: string;
  leaderAddress: string;
}

type PipelineResult = { seq: number; error: OpStatus } | ({ seq: number } & { [K in OpKind]?: object });

const METHOD_OF: Record<OpKind, KvMethod> = { put: 'Put', get: 'Get', delete: 'Delete', range: 'Range', txn: 'Txn' };

/** Operations one stream may have in flight; a client over it is cut off (it cannot be waiting on that many). */
export const MAX_PIPELINE_IN_FLIGHT = 4096;
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
    let inFlight = 0;
    let halfClosed = false;
    let ended = false;
    let results: PipelineResult[] = [];
    let flushScheduled = false;

    const flush = (): void => {
      flushScheduled = false;
      if (ended || results.length === 0) return;
      const batch = results;
      results = [];
      call.write({ results: batch });
    };
    const answer = (r: PipelineResult): void => {
      if (ended) return;
      results.push(r);
      if (flushScheduled) return;
      flushScheduled = true;
      // The last operation in flight (the answering one counts until it returns) goes at once,
      // after the current microtasks: nothing else could join it. With others still running,
      // wait for the end of the event-loop turn, so that e.g. reads finishing in the same poll
      // phase share one message.
      if (inFlight <= 1) process.nextTick(flush);
      else setImmediate(flush);
    };
    const end = (err: RequestError | null): void => {
      if (ended) return;
      flush();
      ended = true;
      forget();
      if (err) call.emit('error', toServiceError(err));
      else call.end();
    };
    const forget = ctx.streams.add(end);
    const gone = (): void => {
      ended = true;
      forget();
    };

    const run = (op: PipelineOp): void => {
      const t0 = performance.now();
      const kind = op.op;
      const request = kind ? op[kind] : undefined;
      if (!kind || !request) {
        answer({ seq: op.seq, error: { code: grpc.status.INVALID_ARGUMENT, message: 'op: one of put, get, delete, range or txn is required', leaderAddress: '' } });
        return;
      }
      const method = METHOD_OF[kind];
      const timeoutMs = op.timeoutMs > 0 ? Math.min(op.timeoutMs, MAX_TIMEOUT_MS) : ctx.defaultTimeoutMs;
      const deadline = new Date(Date.now() + timeoutMs);
      const incoming: IncomingCall = { request, metadata: NO_METADATA, getDeadline: () => deadline, caller };
      inFlight++;
      handlers[method](incoming as IncomingCall<never>).then(
        (res) => {
          ctx.observeRequest?.(method, 'OK', (performance.now() - t0) / 1000);
          answer({ seq: op.seq, [kind]: plainResponse(res) });
        },
        (err: unknown) => {
          const e = toRequestError(err);
          if (e.code === grpc.status.INTERNAL) ctx.log.error({ err }, 'pipeline operation failed');
          ctx.observeRequest?.(method, grpc.status[e.code] ?? 'UNKNOWN', (performance.now() - t0) / 1000);
          answer({ seq: op.seq, error: { code: e.code, message: e.message, leaderAddress: e.leaderAddress ?? '' } });
        },
      ).finally(() => {
        inFlight--;
        if (halfClosed && inFlight === 0) end(null);
      });
    };

    call.on('data', (req: PipelineRequest) => {
      if (ended) return;
      try {
        checkDecoded(req);
      } catch (err) {
        end(err as RequestError);
        return;
      }
      const ops = req.ops ?? [];
      if (inFlight + ops.length > MAX_PIPELINE_IN_FLIGHT) {
        end(new RequestError(grpc.status.RESOURCE_EXHAUSTED, `more than ${MAX_PIPELINE_IN_FLIGHT} pipeline operations in flight`));
        return;
      }
      for (const op of ops) run(op);
    });
    // The client is done sending: answer what is in flight, then end the stream.
    call.on('end', () => {
      halfClosed = true;
      if (inFlight === 0) end(null);
    });
    call.on('error', gone);
    call.on('cancelled', gone);
  };
}
