// Time as the node reads it, in one place every layer may import (src/server's driver ticks the
// core with it, the failover controller checks the ASYNC quorum contact with it).

/** A monotonic clock in milliseconds: never steps back, and counts time the process was stopped. */
export type MonotonicClock = () => number;

/**
 * `performance.now()`: libuv's hrtime, CLOCK_MONOTONIC on Linux, so it keeps counting while the
 * process is SIGSTOPped, cgroup-frozen (`docker pause`), throttled or in a GC pause. (A whole
 * machine suspended to RAM stops CLOCK_MONOTONIC too; see docs/raft.md, "Leases".) The lease and
 * the ASYNC quorum check read this one clock, so their times compare.
 */
export const monotonicMs: MonotonicClock = () => performance.now();

/**
 * Wall-clock time in epoch milliseconds: for timestamps people read (history events, audit
 * records) and deadlines exchanged with other processes. It may step back or jump forward (NTP,
 * an operator, a VM restored), so nothing safety depends on reads it: leases, elections and the
 * ASYNC quorum check read the monotonic clock.
 */
export type WallClock = () => number;

/** `Date.now()`. */
export const systemWallClock: WallClock = () => Date.now();
