// The public surface of the Raft core: what the server and the simulator use.
export { RaftNode, type NodeStatus } from './raft.js';
export { entryBytes } from './log.js';
export { makeRaftConfig, DEFAULT_RAFT_CONFIG, leaseDurationMs, tickGapMs, type RaftConfig, type RandomSource } from './config.js';
export { simpleConf, emptyConf, validateConfChange, applyConfChange } from './confchange.js';
export { RaftError, NotLeaderError, ProposalDroppedError, InvalidRequestError, RaftInvariantError } from './errors.js';
export { isVoter, isJoint, allVoters, allMembers } from './quorum.js';
export type { FollowerStatus } from './leader.js';
export * from './types.js';
