import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, describeRange, type KeyRange, type WatchEvent } from '../state/index.js';
import type { Identity } from '../auth/index.js';
import { checkAccess } from './access.js';
import { audited, auditRefusal } from './audit.js';
import { deadlineOf, header, type NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toServiceError } from './errors.js';
import { rangeSpan, toProtoKv } from './kv-convert.js';
import { WatchFeed } from './watch-feed.js';
import type { WatchRequest__Output as WatchRequest } from '../proto/generated/raftdb/v1/WatchRequest.js';

/**
 * Watch: history from `start_revision` (from the retained watch log), then live changes as they
 * are applied, every change exactly once and whole revisions in order (watch-feed.ts). Served by
 * whichever node receives it, like a serializable read; each event carries its revision and its
 * index in the revision so that a client resumes exactly, even between two changes of a revision.
 */
export function watchHandler(ctx: NodeContext): grpc.handleServerStreamingCall<WatchRequest, object> {
  return (call) => {
    watch(ctx, call).catch((err: unknown) => {
      if (!call.cancelled) call.emit('error', toServiceError(err));
    });
  };
}

/**
 * Why a watch opened by `who` on `range` may no longer run after an auth change, or null: the
 * user lost read on part of the range (PERMISSION_DENIED), or no longer exists, or auth was
 * turned on under a watch opened without credentials (UNAUTHENTICATED).
 */
function revoked(ctx: NodeContext, who: Identity, range: KeyRange): RequestError | null {
  const store = ctx.auth.store;
  if (!store.enabled) return null;
  if (who.user === null) return new RequestError(grpc.status.UNAUTHENTICATED, 'auth was enabled: open the watch again with credentials');
  if (!store.user(who.user)) return new RequestError(grpc.status.UNAUTHENTICATED, `user ${JSON.stringify(who.user)} no longer exists`);
  if (store.permits(who.user, 'read', range)) return null;
  ctx.auth.denied();
  return new RequestError(grpc.status.PERMISSION_DENIED, `permission denied: user ${JSON.stringify(who.user)} may no longer read ${describeRange(range)}`);
}

async function watch(ctx: NodeContext, call: grpc.ServerWritableStream<WatchRequest, object>): Promise<void> {
  ctx.shed.admitRequest();
  checkDecoded(call.request);
  const r = call.request;
  const startRevision = Number(r.startRevision);
  if (!Number.isSafeInteger(startRevision) || startRevision < 0) throw new RequestError(grpc.status.INVALID_ARGUMENT, 'start_revision: must be a non-negative integer');
  const span = rangeSpan(r, '', ctx.limits);
  // Checked at open, and again at every auth change below.
  const who = await audited(ctx, call, 'Watch', 'read', { ranges: [span] }, () => checkAccess(ctx, call, deadlineOf(ctx, call), [{ access: 'read', range: span }]));
  if (call.cancelled) return;
  // The connection's, the user's and the node's share of watches (watch-quota.ts).
  const release = ctx.watchQuota.acquire(call.getPeer(), ctx.auth.store.enabled ? who.user : null);
  try {
    serve(ctx, call, r, span, who, startRevision, release);
  } catch (err) {
    release();
    throw err;
  }
}

/** Runs an admitted watch until it ends; `release` gives its share back. */
function serve(
  ctx: NodeContext,
  call: grpc.ServerWritableStream<WatchRequest, object>,
  r: WatchRequest,
  span: KeyRange & { key: Buffer; rangeEnd?: Buffer },
  who: Identity,
  startRevision: number,
  release: () => void,
): void {
  const end = span.rangeEnd;
  const matches = (key: Uint8Array): boolean => {
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    if (!end) return k.equals(span.key);
    return Buffer.compare(k, span.key) >= 0 && (end.length === 1 && end[0] === 0 ? true : Buffer.compare(k, end) < 0);
  };
  const sink = {
    write: (e: WatchEvent, last: boolean, taken: () => void): void => {
      call.write(
        {
          type: e.type === 'put' ? 'PUT' : 'DELETE',
          kv: toProtoKv(e.kv),
          prevKv: e.prevKv ? toProtoKv(e.prevKv) : null,
          revision: e.kv.modRevision,
          header: header(ctx),
          indexInRevision: e.index,
          lastInRevision: last,
        },
        () => taken(),
      );
    },
    fail: (err: unknown): void => {
      forget();
      if (!call.cancelled) call.emit('error', toServiceError(err));
    },
  };
  let feed: WatchFeed;
  try {
    feed = new WatchFeed(ctx.sm, sink, { matches, prefix: r.prefix ? span.key : undefined, startRevision }, {
      maxBacklogBytes: ctx.clientLimits.maxStreamBytes,
      onCutOff: () => ctx.limitEvents.watchCutOff(),
    });
  } catch (err) {
    // The state machine's listener bound: a full table, not a bad request.
    if (err instanceof InvalidArgumentError) throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `too many watches on this node: ${err.message}`);
    throw err;
  }
  const forgetStream = ctx.streams.add((err) => feed.fail(err));
  // The auth state changes while an entry is applied, before its batch reaches the feed: a watch
  // whose read was revoked ends before it could send a change made after the revocation.
  const forgetAuth = ctx.auth.store.onChange(() => {
    const err = revoked(ctx, who, span);
    if (!err) return;
    auditRefusal(ctx, call, 'Watch', { ranges: [span] }, err.code, err.message);
    feed.fail(err);
  });
  const forget = (): void => {
    forgetStream();
    forgetAuth();
    release();
  };
  const stop = (): void => {
    forget();
    feed.close();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  void feed.start();
}
