// The bounds that keep one client from taking what every client shares: the bytes a stream may
// hold for its client (pipeline.ts, watch.ts). Each is a `raftdb serve` flag (docs/operations.md).

/** Per-client bounds of one node. */
export interface ClientLimits {
  /**
   * Bytes one Pipeline or Watch stream may hold for its client: a pipeline's operations and
   * results not yet taken by the transport (past it the stream stops reading), a watch's changes
   * not yet taken (past it the watch ends, RESOURCE_EXHAUSTED with the revision to resume from).
   */
  maxStreamBytes: number;
}

/** 16 MiB a stream: a few dozen 1 MiB results or changes in flight, far more small ones. */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  maxStreamBytes: 16 * 1024 * 1024,
};
