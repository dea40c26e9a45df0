import type { NodeId } from './types.js';

/** Base class of the errors the core throws back at callers of propose/readIndex/transfer. */
export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request needs the leader and this node is not it; `leader` is the best known leader. */
export class NotLeaderError extends RaftError {
  constructor(readonly leader: NodeId | null) {
    super(leader ? `not the leader; the leader is ${leader}` : 'not the leader; no leader is known');
  }
}

/** The leader cannot take the proposal now (leadership transfer, back-pressure, conf change pending). */
export class ProposalDroppedError extends RaftError {}

/** A membership or transfer request that can never succeed as asked. */
export class InvalidRequestError extends RaftError {}

/**
 * The core found its own state broken (two leaders in one term, an overwrite of a committed
 * entry). Nothing the caller does can mend it: the node must stop before it corrupts data.
 */
export class RaftInvariantError extends RaftError {}
