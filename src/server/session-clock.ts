// The time a leader stamps into each client request id (`req.at`): the exactly-once table pushes
// out a session for a new one only after it has been idle for sessionIdleMs by these stamps
// (src/state/dedupe.ts). A session pushed out while its client still retries would have that
// retry applied a second time, so the stamps must never run ahead of real time — and a wall
// clock does (NTP stepping it, an operator, a restored VM): with Date.now, a leader whose clock
// jumped an hour ahead made every session look idle and evicted a live one (seen while routing
// the node's wall-clock reads for issue 17; shown in test/sim-node/clock-jump-sessions.test.ts).
//
// So the stamps count on the monotonic clock, from the newest stamp the state machine applied:
// they advance at most as fast as real time on every leader, whatever its wall clock says. They
// may lag (time a node was down, or between a stamp and its apply, is not counted), which only
// keeps sessions longer: a full table refuses new ones a little longer, it never drops a live one.
import type { MonotonicClock, WallClock } from '../common/clock.js';

/** Stamps for request ids: the newest applied stamp plus the monotonic time since it was seen. */
export class SessionClock {
  private anchor: { atMs: number; monoMs: number } | null = null;

  constructor(
    /** The newest stamp the state machine applied (0: none yet). */
    private readonly latestAppliedMs: () => number,
    private readonly clock: MonotonicClock,
    /** Read once, to start the count when no stamp was ever applied (an empty table evicts nothing). */
    private readonly wallClock: WallClock,
  ) {}

  /** The stamp for a request proposed now, in whole milliseconds. */
  nowMs(): number {
    const applied = this.latestAppliedMs();
    const mono = this.clock();
    this.anchor ??= { atMs: applied > 0 ? applied : this.wallClock(), monoMs: mono };
    // Whole milliseconds: the stamp goes into the log, which takes an integer (monotonic clocks have fractions).
    const projected = Math.floor(this.anchor.atMs + (mono - this.anchor.monoMs));
    if (applied <= projected) return projected;
    // Another leader's stamps ran ahead of this node's count (it was down, or just elected).
    this.anchor = { atMs: applied, monoMs: mono };
    return applied;
  }
}
