// Fair shares of a node's watches. Each watch is a listener the node calls on every applied batch,
// so the node bounds how many run (--max-watches); until 2026-12 that was the only bound, and one
// client opening 1,030 watches made every other client's new watch fail. Now a connection
// (--max-watches-per-connection) and, with auth on, a user (--max-watches-per-user) may hold only
// a share, and the watch past a share fails alone with RESOURCE_EXHAUSTED naming the share. The
// maps are keyed by network input (a connection's address, a user name) and hold an entry only
// while it has watches open, so they are bounded by the node-wide bound.
import * as grpc from '@grpc/grpc-js';
import { Counts } from './counts.js';
import { RequestError } from './errors.js';

/** The shares: node-wide, per connection, per user. */
export interface WatchQuotaLimits {
  maxWatches: number;
  maxWatchesPerConnection: number;
  maxWatchesPerUser: number;
}

/** The watches open on one node, counted per connection and per user. */
export class WatchQuota {
  private total = 0;
  private readonly perConnection = new Counts();
  private readonly perUser = new Counts();

  constructor(
    private readonly limits: WatchQuotaLimits,
    /** Called with the share's name when a watch is refused (a metric). */
    private readonly onRefused: (limit: 'watches' | 'watches_per_connection' | 'watches_per_user') => void = () => {},
  ) {}

  /** Watches open now. */
  get size(): number {
    return this.total;
  }

  /**
   * Counts a new watch of `connection` (grpc-js getPeer(): address and port) by `user` (null
   * without auth); returns the function that releases it (once). Throws RESOURCE_EXHAUSTED
   * naming the share that is full.
   */
  acquire(connection: string, user: string | null): () => void {
    const onConnection = this.perConnection.get(connection);
    const ofUser = user === null ? 0 : this.perUser.get(user);
    if (onConnection >= this.limits.maxWatchesPerConnection) {
      this.onRefused('watches_per_connection');
      throw new RequestError(
        grpc.status.RESOURCE_EXHAUSTED,
        `too many watches on this connection: ${onConnection} open, at most ${this.limits.maxWatchesPerConnection} (--max-watches-per-connection); cancel some, or open another connection`,
      );
    }
    if (user !== null && ofUser >= this.limits.maxWatchesPerUser) {
      this.onRefused('watches_per_user');
      throw new RequestError(
        grpc.status.RESOURCE_EXHAUSTED,
        `too many watches for user ${JSON.stringify(user)} on this node: ${ofUser} open, at most ${this.limits.maxWatchesPerUser} (--max-watches-per-user)`,
      );
    }
    if (this.total >= this.limits.maxWatches) {
      this.onRefused('watches');
      throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `too many watches on this node: ${this.total} open, at most ${this.limits.maxWatches} (--max-watches); try another node`);
    }
    this.total++;
    this.perConnection.add(connection);
    if (user !== null) this.perUser.add(user);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      this.perConnection.remove(connection);
      if (user !== null) this.perUser.remove(user);
    };
  }
}
