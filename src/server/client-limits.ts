// The bounds that keep one client from taking what every client shares: the bytes a stream may
// hold for its client (pipeline.ts, watch.ts) and all pipelines together (stream-budget.ts), the node's watches and each connection's and
// user's share of them (watch-quota.ts), the calls one connection may run at once and the
// connections one address may hold (connection-gate.ts). Each is a `raftdb serve` flag
// (docs/operations.md); past one, only the offender's request fails (RESOURCE_EXHAUSTED).

/** Per-client bounds of one node. */
export interface ClientLimits {
  /**
   * Bytes one Pipeline or Watch stream may hold for its client: a pipeline's operations and
   * results not yet taken by the transport (past it the stream stops reading), a watch's changes
   * not yet taken (past it the watch ends, RESOURCE_EXHAUSTED with the revision to resume from).
   */
  maxStreamBytes: number;
  /** Bytes all Pipeline streams of the node may hold together (stream-budget.ts). */
  maxStreamBytesTotal: number;
  /** Watches open on the node (each is called on every applied batch). */
  maxWatches: number;
  /** Watches one client connection may hold open. */
  maxWatchesPerConnection: number;
  /** Watches one user may hold open on the node (with auth on). */
  maxWatchesPerUser: number;
  /** Calls (unary or streams) one connection may run at once. */
  maxConcurrentStreams: number;
  /** Connections one client address may hold open (peers count too). */
  maxConnectionsPerAddress: number;
}

/**
 * 16 MiB a stream: a few dozen 1 MiB results or changes in flight, far more small ones; 256 MiB
 * for all pipelines of a node (16 streams at their bound, before any waits). A quarter
 * of the node's 1,024 watches per connection, half per user. 1,024 calls at once per connection,
 * 1,024 connections per address: generous, since NAT and loopback put many clients (and the
 * peers) behind one address.
 */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  maxStreamBytes: 16 * 1024 * 1024,
  maxStreamBytesTotal: 256 * 1024 * 1024,
  maxWatches: 1024,
  maxWatchesPerConnection: 256,
  maxWatchesPerUser: 512,
  maxConcurrentStreams: 1024,
  maxConnectionsPerAddress: 1024,
};
