import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type WatchEvent } from '../state/index.js';
import { header, type NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toServiceError } from './errors.js';
import { rangeSpan, toProtoKv } from './kv-convert.js';
import { WatchFeed } from './watch-feed.js';

interface WatchRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prefix: boolean;
  startRevision: number;
}

/**
 * Watch: history from `start_revision` (from the retained watch log), then live changes as they
 * are applied, every change exactly once and whole revisions in order (watch-feed.ts). Served by
 * whichever node receives it, like a serializable read; each event carries its revision and its
 * index in the revision so that a client resumes exactly, even between two changes of a revision.
 */
export function watchHandler(ctx: NodeContext): grpc.handleServerStreamingCall<WatchRequest, object> {
  return (call) => {
    try {
      watch(ctx, call);
    } catch (err) {
      call.emit('error', toServiceError(err));
    }
  };
}

function watch(ctx: NodeContext, call: grpc.ServerWritableStream<WatchRequest, object>): void {
  checkDecoded(call.request);
  const r = call.request;
  const startRevision = Number(r.startRevision);
  if (!Number.isSafeInteger(startRevision) || startRevision < 0) throw new RequestError(grpc.status.INVALID_ARGUMENT, 'start_revision: must be a non-negative integer');
  const span = rangeSpan({ ...r, limit: 0, revision: 0 }, '', ctx.limits);
  const end = span.rangeEnd;
  const matches = (key: Uint8Array): boolean => {
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    if (!end) return k.equals(span.key);
    return Buffer.compare(k, span.key) >= 0 && (end.length === 1 && end[0] === 0 ? true : Buffer.compare(k, end) < 0);
  };
  const sink = {
    write: (e: WatchEvent, last: boolean): boolean =>
      call.write({
        type: e.type === 'put' ? 'PUT' : 'DELETE',
        kv: toProtoKv(e.kv),
        prevKv: e.prevKv ? toProtoKv(e.prevKv) : null,
        revision: e.kv.modRevision,
        header: header(ctx),
        indexInRevision: e.index,
        lastInRevision: last,
      }),
    fail: (err: unknown): void => {
      forget();
      if (!call.cancelled) call.emit('error', toServiceError(err));
    },
  };
  let feed: WatchFeed;
  try {
    feed = new WatchFeed(ctx.sm, sink, { matches, prefix: r.prefix ? span.key : undefined, startRevision });
  } catch (err) {
    // The state machine's listener bound: a full table, not a bad request.
    if (err instanceof InvalidArgumentError) throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `too many watches on this node: ${err.message}`);
    throw err;
  }
  const forget = ctx.streams.add((err) => feed.fail(err));
  const stop = (): void => {
    forget();
    feed.close();
  };
  call.on('drain', () => feed.drained());
  call.on('cancelled', stop);
  call.on('close', stop);
  void feed.start();
}
