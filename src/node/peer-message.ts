// A Raft message from a peer, fed to the core. The transport has no one to answer (messages are
// one-way), so this is where an error stepping it ends: logged and counted unless it was expected.
import type { Logger } from 'pino';
import { RaftInvariantError, type Message } from '../raft/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { RaftDriver } from '../server/driver.js';
import { NodeStoppedError } from '../server/errors.js';

/** Steps `msg` into the driver; an unexpected error is logged and counted (raftdb_swallowed_errors_total{site="peer_message"}). */
export function stepPeerMessage(driver: Pick<RaftDriver, 'step'>, msg: Message, log: Logger, metrics: () => NodeMetrics | undefined): void {
  try {
    driver.step(msg);
  } catch (err) {
    // A stopped driver drops messages (its stop was logged); a broken invariant stopped the node
    // and the driver logged it as fatal. Anything else is a bug that must not pass unseen.
    if (err instanceof NodeStoppedError || err instanceof RaftInvariantError) return;
    log.error({ err, type: msg.type, from: msg.from, term: msg.term }, 'a peer message failed in the Raft core; dropped');
    metrics()?.recordSwallowedError('peer_message');
  }
}
