// The clock moved to src/common/clock.ts (the failover controller reads it too, and must not
// import src/server); re-exported so the driver's import stays as it is.
export { monotonicMs, type MonotonicClock } from '../common/clock.js';
