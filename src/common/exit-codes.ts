// The `raftdb` process's exit codes, in one place: the CLI returns them, and whoever supervises a
// node (the drills, a process manager) reads them.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/**
 * `raftdb serve`: the node stopped on an unrecoverable error after it had started (its WAL disk
 * full or failing, a broken invariant); the fatal log line says which. A supervisor restarts it
 * once the cause is fixed: it recovers from its own disk and catches up from the leader.
 */
export const EXIT_FATAL = 3;
/** `raftdb serve`: a membership change removed the node from its cluster; it closed cleanly (etcd's members stop too). */
export const EXIT_REMOVED = 4;
