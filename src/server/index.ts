// One raftdb node: gRPC services, leader forwarding, storage and Raft wiring.
export { startNode } from './node.js';
export type { NodeOptions, RunningNode } from './options.js';
export { readClusterId, CLUSTER_ID_FILE, RESTORE_MARKER } from './data-dir.js';
export { MEMBERS_META } from './members.js';
export { NodeFatalError } from './fatal.js';
