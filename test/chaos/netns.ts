// The container network faults (iptables/tc through nsenter) are product code, used by
// `raftdb drill --backend docker`; the testcontainers fixture uses the same module.
export * from '../../src/drill/netns.js';
