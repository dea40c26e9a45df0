// Work on this node's own state that must include every write the cluster acknowledged before it
// was asked for (a backup, a defragment after a compact): wait, bounded, until this node has
// applied an index the leader confirmed after the request arrived, as a linearizable read does.
import { withDeadline, type NodeContext } from './context.js';

/** How long such work waits to confirm it sees every acknowledged write before it goes on anyway. */
export const CAUGHT_UP_WAIT_MS = 3000;

/**
 * Resolves once this node has applied everything acknowledged before the call (a read index
 * confirmed by the leader), or after CAUGHT_UP_WAIT_MS with a warning naming `what`: a cluster
 * without a leader still gets the work done on the member's own state.
 */
export async function caughtUp(ctx: NodeContext, what: string): Promise<void> {
  const deadline = new Date(ctx.time.wallClock() + CAUGHT_UP_WAIT_MS);
  try {
    if (ctx.driver.raft.role === 'leader') await withDeadline(ctx, ctx.driver.readBarrier(false), deadline, `${what} read barrier`);
    else await withDeadline(ctx, ctx.followerReads.barrier(deadline), deadline, `${what} read barrier`);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, `${what}: could not confirm the latest acknowledged writes with a leader; going on with this member's state as it is`);
  }
}
