// What the audit log hears of a request (src/auth/audit.ts), from the node that executes or
// refuses it: writes, administrative actions and auth changes with their outcome, and every
// request refused for authentication or authorization (reads included; their successes are not
// logged). Keys appear as quoted, shortened ranges; values and passwords never.
import * as grpc from '@grpc/grpc-js';
import { MAX_RANGES, type AuditRecord } from '../auth/index.js';
import { describeRange, type KeyRange } from '../state/index.js';
import { callerOf } from './caller.js';
import type { IncomingCall, NodeContext } from './context.js';
import { toRequestError } from './errors.js';

/** write, admin and auth requests are logged whatever the outcome; reads only when refused. */
export type AuditKind = 'write' | 'admin' | 'auth' | 'read';

/** What a request was about. */
export interface AuditAbout {
  ranges?: readonly KeyRange[];
  subject?: string;
}

const REFUSALS: ReadonlySet<number> = new Set([grpc.status.PERMISSION_DENIED, grpc.status.UNAUTHENTICATED]);

function record(ctx: NodeContext, call: IncomingCall, method: string, about: AuditAbout, outcome: string, extra: Partial<AuditRecord>): AuditRecord {
  const caller = callerOf(call);
  const r: AuditRecord = { time: new Date(ctx.time.wallClock()).toISOString(), node: ctx.id, user: ctx.auth.peek(caller), client: caller.address, method, outcome, ...extra };
  if (caller.via) r.via = caller.via;
  if (about.subject !== undefined) r.subject = about.subject;
  const ranges = about.ranges ?? [];
  if (ranges.length > 0) {
    r.ranges = ranges.slice(0, MAX_RANGES).map(describeRange);
    if (ranges.length > MAX_RANGES) r.rangeCount = ranges.length;
  }
  return r;
}

/** Logs a refusal that did not come out of audited() (a watch whose grant was revoked). */
export function auditRefusal(ctx: NodeContext, call: IncomingCall, method: string, about: AuditAbout, code: grpc.status, message: string): void {
  ctx.audit?.record(record(ctx, call, method, about, grpc.status[code] ?? String(code), { error: message }));
}

/**
 * Runs `fn` (the part of a request this node executes) and logs its outcome as `kind` says.
 * `about` may be a function, called only when a line is written (a txn's ranges are a list).
 */
export async function audited<T>(ctx: NodeContext, call: IncomingCall, method: string, kind: AuditKind, about: AuditAbout | (() => AuditAbout), fn: () => Promise<T>): Promise<T> {
  const log = ctx.audit;
  if (!log) return fn();
  const what = (): AuditAbout => (typeof about === 'function' ? about() : about);
  let res: T;
  try {
    res = await fn();
  } catch (err) {
    const e = toRequestError(err);
    if (kind !== 'read' || REFUSALS.has(e.code)) log.record(record(ctx, call, method, what(), grpc.status[e.code] ?? String(e.code), { error: e.message }));
    throw err;
  }
  if (kind !== 'read') {
    const revision = (res as { header?: { revision?: unknown } } | null)?.header?.revision;
    log.record(record(ctx, call, method, what(), 'OK', typeof revision === 'number' && kind === 'write' ? { revision } : {}));
  }
  return res;
}
