import * as grpc from '@grpc/grpc-js';
import type { WatchEvent } from '../state/index.js';
import { header, type NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toServiceError } from './errors.js';
import { rangeSpan, toProtoKv } from './kv-convert.js';

interface WatchRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prefix: boolean;
  startRevision: number;
}

/** A watcher that falls this far behind (events queued in gRPC) is cut off; it resumes by revision. */
const MAX_QUEUED_EVENTS = 10_000;
const HISTORY_PAGE = 1000;

/**
 * Watch: history from `start_revision` (from the retained watch log), then live changes as they
 * are applied, with no gap and no duplicate between the two. Served by whichever node receives
 * it, like a serializable read; each event carries its revision so a client resumes exactly.
 */
export function watchHandler(ctx: NodeContext): grpc.handleServerStreamingCall<WatchRequest, object> {
  return (call) => {
    watch(ctx, call).catch((err: unknown) => {
      if (!call.cancelled) call.emit('error', toServiceError(err));
    });
  };
}

async function watch(ctx: NodeContext, call: grpc.ServerWritableStream<WatchRequest, object>): Promise<void> {
  checkDecoded(call.request);
  const r = call.request;
  const span = rangeSpan({ ...r, limit: 0, revision: 0 }, '', ctx.limits);
  const end = span.rangeEnd;
  const matches = (key: Uint8Array): boolean => {
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    if (!end) return k.equals(span.key);
    return Buffer.compare(k, span.key) >= 0 && (end.length === 1 && end[0] === 0 ? true : Buffer.compare(k, end) < 0);
  };
  let lastSent = (r.startRevision > 0 ? r.startRevision : ctx.sm.revision() + 1) - 1;
  let queued = 0;
  let live = false;
  const pending: WatchEvent[] = [];
  const send = (e: WatchEvent): void => {
    if (e.kv.modRevision <= lastSent || !matches(e.kv.key)) return;
    lastSent = e.kv.modRevision;
    const ok = call.write({
      type: e.type === 'put' ? 'PUT' : 'DELETE',
      kv: toProtoKv(e.kv),
      prevKv: e.prevKv ? toProtoKv(e.prevKv) : null,
      revision: e.kv.modRevision,
      header: header(ctx),
    });
    if (!ok && ++queued > MAX_QUEUED_EVENTS) {
      unsubscribe();
      call.emit('error', toServiceError(new RequestError(grpc.status.RESOURCE_EXHAUSTED, `watcher fell ${MAX_QUEUED_EVENTS} events behind; resume from revision ${lastSent + 1}`)));
    }
  };
  call.on('drain', () => (queued = 0));
  const unlisten = ctx.sm.onApplied((batch) => {
    for (const e of batch.events) (live ? send(e) : pending.push(e));
  });
  const forget = ctx.streams.add((err) => {
    unsubscribe();
    call.emit('error', toServiceError(err));
  });
  function unsubscribe(): void {
    unlisten();
    forget();
  }
  call.on('cancelled', unsubscribe);
  call.on('close', unsubscribe);
  if (r.startRevision > 0) {
    const prefix = r.prefix ? span.key : undefined;
    for (;;) {
      const page = await ctx.sm.changesSince(lastSent + 1, prefix, HISTORY_PAGE);
      for (const e of page.events) send(e);
      if (page.events.length === 0 || page.nextRevision > page.revision || call.cancelled) break;
      lastSent = Math.max(lastSent, page.nextRevision - 1);
    }
  }
  for (const e of pending) send(e);
  pending.length = 0;
  live = true;
}
