// Wall-clock jumps in the whole-node simulation: now and then a member's wall clock (what its
// Date.now-like reads see: request deadlines, history and audit timestamps, token expiry, the
// exactly-once table's session stamps) steps forward or back by seconds to hours, as NTP, an
// operator or a restored VM steps a real one. The monotonic clock never jumps: leases, elections
// and the ASYNC quorum check read it, so no check of the run may fail because of a jump.
// Drawn from a generator of their own, so that a seed's other faults stay what they were.
import { Rng } from '../../src/common/rng.js';
import type { SimMember } from './member.js';

/** Chance per 50 ms slice that one member's wall clock jumps. */
const JUMP_P = 0.02;
/** Steps of the jumps, in milliseconds: seconds to hours. */
const JUMPS_MS = [1_000, 5_000, 30_000, 60_000, 600_000, 3_600_000, 6 * 3_600_000];

export class ClockFaults {
  private readonly rng: Rng;
  jumps = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed * 7_919 + 104_729);
  }

  /** Maybe one jump this slice; 1 when a member's wall clock stepped. */
  maybeJump(members: readonly SimMember[], trace: (line: string) => void): number {
    if (!this.rng.chance(JUMP_P)) return 0;
    const m = this.rng.pick(members);
    const ms = this.rng.pick(JUMPS_MS) * (this.rng.chance(0.5) ? 1 : -1) + this.rng.int(-500, 500);
    m.clock.jump(ms);
    this.jumps++;
    trace(`${m.config.id}'s wall clock jumps ${ms > 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s (now ${(m.clock.offsetMs / 1000).toFixed(1)} s off)`);
    return 1;
  }
}
