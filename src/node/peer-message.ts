// A Raft message from a peer, fed to the core. The transport has no one to answer (messages are
// one-way), so this is where an error stepping it ends: logged and counted unless it was expected.
import type { Logger } from 'pino';
import type { LogLimiter } from '../common/log-limiter.js';
import { RaftInvariantError, type Message } from '../raft/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { RaftDriver } from '../server/driver.js';
import { NodeStoppedError } from '../server/errors.js';

/** At most one line per this interval: a peer (buggy, or compromised and holding a member's certificate) can send such messages at will. */
export const PEER_MESSAGE_LOG_INTERVAL_MS = 10_000;

/**
 * Steps `msg` into the driver; an unexpected error is counted (raftdb_swallowed_errors_total
 * {site="peer_message"}) every time and logged at most once per `limiter` interval, the line
 * saying how many were left out since the previous one.
 */
export function stepPeerMessage(driver: Pick<RaftDriver, 'step'>, msg: Message, log: Logger, metrics: () => NodeMetrics | undefined, limiter: LogLimiter): void {
  try {
    driver.step(msg);
  } catch (err) {
    // A stopped driver drops messages (its stop was logged); a broken invariant stopped the node
    // and the driver logged it as fatal. Anything else is a bug that must not pass unseen.
    if (err instanceof NodeStoppedError || err instanceof RaftInvariantError) return;
    metrics()?.recordSwallowedError('peer_message');
    const leftOut = limiter.take();
    if (leftOut !== null) log.error({ err, type: msg.type, from: msg.from, term: msg.term, leftOut }, 'a peer message failed in the Raft core; dropped');
  }
}
