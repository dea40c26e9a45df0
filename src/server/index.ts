// One raftdb node: gRPC services, leader forwarding, storage and Raft wiring.
export { startNode } from './node.js';
export type { NodeOptions, RunningNode } from './options.js';
export { NodeFatalError } from './fatal.js';
