// The authorization step of every request, run by the node that executes it (the leader for
// writes and linearizable reads, any node for serializable reads and watches): who the caller is,
// whether it may touch the keys, and the stamp a write carries into the log so that the state
// machine checks it again at apply if the auth state moved in between (auth-store.ts#denial).
import * as grpc from '@grpc/grpc-js';
import { AuthError, type Identity } from '../auth/index.js';
import { accessesOf, type Command, type NeededAccess } from '../state/index.js';
import { callerOf } from './caller.js';
import { withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { RequestError } from './errors.js';

/** Requests waiting at once for this node's auth state to catch up with a token. */
const MAX_AUTH_WAITERS = 1024;
let waiters = 0;

/**
 * Resolves once the node's auth revision reaches `revision` (a token issued by a node further
 * along); UNAVAILABLE when it does not within an election timeout or the deadline.
 */
async function caughtUp(ctx: NodeContext, revision: number, deadline: Date): Promise<void> {
  const store = ctx.auth.store;
  if (store.revision >= revision) return;
  if (waiters >= MAX_AUTH_WAITERS) throw new RequestError(grpc.status.UNAVAILABLE, `${ctx.id}'s auth state is behind the token's; try another node`);
  waiters++;
  let stop = (): void => {};
  const reached = new Promise<void>((resolve) => {
    stop = store.onChange(() => {
      if (store.revision >= revision) resolve();
    });
  });
  const bound = new Date(Math.min(deadline.getTime(), ctx.time.wallClock() + ctx.electionTimeoutMs));
  try {
    await withDeadline(ctx, reached, bound, `waiting for ${ctx.id} to apply auth revision ${revision}`);
  } catch (err) {
    // `reached` never rejects: only the bound can end the wait. Anything else is not ours to rename.
    if (!(err instanceof RequestError && err.code === grpc.status.DEADLINE_EXCEEDED)) throw err;
    throw new RequestError(grpc.status.UNAVAILABLE, `${ctx.id} has applied auth revision ${store.revision}, behind the token's ${revision}; try another node`);
  } finally {
    stop();
    waiters--;
  }
}

/** Who sent `call` (UNAUTHENTICATED when auth is on and nothing identifies the caller). */
export async function identityOf(ctx: NodeContext, call: IncomingCall, deadline: Date): Promise<Identity> {
  const caller = callerOf(call);
  try {
    return ctx.auth.identify(caller);
  } catch (err) {
    if (!(err instanceof AuthError) || err.kind !== 'behind' || err.revision === undefined) throw err;
    await caughtUp(ctx, err.revision, deadline);
    return ctx.auth.identify(caller);
  }
}

/** Throws PERMISSION_DENIED unless the caller may access every range in `needs`. */
export async function checkAccess(ctx: NodeContext, call: IncomingCall, deadline: Date, needs: readonly NeededAccess[]): Promise<Identity> {
  const who = await identityOf(ctx, call, deadline);
  ctx.auth.requireAccess(who, needs);
  return who;
}

/**
 * `command` as the caller may propose it: checked against the current auth state and stamped
 * with the user and that state's revision (nothing to stamp while auth is off). Synchronous, so
 * the stamp is the revision the check was made at.
 */
export function authorizedCommand(ctx: NodeContext, who: Identity, command: Command): Command {
  if (who.user === null) return command;
  ctx.auth.requireAccess(who, accessesOf(command));
  return { ...command, auth: { user: who.user, revision: ctx.auth.store.revision } };
}

/** Throws PERMISSION_DENIED unless the caller holds the root role (anyone while auth is off). */
export async function requireRoot(ctx: NodeContext, call: IncomingCall, deadline: Date, what: string): Promise<Identity> {
  const who = await identityOf(ctx, call, deadline);
  ctx.auth.requireRoot(who, what);
  return who;
}
