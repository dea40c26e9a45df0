// Power cuts aimed at the durability window: right after a client is told a write succeeded, the
// whole room loses power (the cut lands while the entries behind that acknowledgement and the
// ones after it are still on their way to the members' disks: a follower's append, the leader's
// next batch), and the members boot again in a random order, the old leader's machine often last
// (so the others may elect a leader among themselves from what they kept). An acknowledgement
// sent before the sync it promises (no O_DSYNC on the WAL, a follower answering an append before
// its write is durable) then loses an acknowledged write, which the run's checks see. The random
// whole-room cut of simulation.ts lands at any moment, mostly when nothing is in flight; this one
// lands where the window is. Some seeds have none, some a few (the rate is drawn per seed).
// Drawn from a generator of their own, so that a seed's other faults stay what they were.
import { Rng } from '../../src/common/rng.js';
import type { SimMember } from './member.js';

/** Chance per acknowledged write of a cut, drawn per seed: none in half the seeds. */
const CUT_P = [0, 0, 0.005, 0.02];
/** At most this many such cuts per seed (each costs the cluster a second or two of its run). */
const MAX_CUTS = 2;
/** The members other than the old leader boot within this many ms; the old leader, when last, after these. */
const BOOT_MS = { othersMax: 300, leaderMin: 600, leaderMax: 2_000 };

export class AckCuts {
  private readonly rng: Rng;
  private readonly p: number;
  /** Cuts so far (and so the fault count of the run). */
  cuts = 0;
  /** Off outside the fault phase (the calm at the end must stay calm). */
  armed = false;
  /** Members to boot again, each at its virtual time (ms). */
  private readonly boots: { m: SimMember; atMs: number }[] = [];

  constructor(
    seed: number,
    private readonly members: readonly SimMember[],
    /** Whether a member takes part (not removed, not the spare before it joins). */
    private readonly belongs: (m: SimMember) => boolean,
    private readonly trace: (line: string) => void,
  ) {
    this.rng = new Rng(seed * 6_151 + 3_079);
    this.p = this.rng.pick(CUT_P);
  }

  /** A client was told `method` succeeded: maybe the power goes now. */
  acknowledged(method: string): void {
    if (!this.armed || this.cuts >= MAX_CUTS || !this.rng.chance(this.p)) return;
    const up = this.members.filter((m) => m.up && this.belongs(m));
    if (up.length === 0) return;
    const leader = up.find((m) => m.core!.raft.role === 'leader');
    this.cuts++;
    this.trace(`power cut on every member right after a ${method} was acknowledged${leader ? ` (leader ${leader.config.id})` : ''}`);
    for (const m of this.members) m.crash(true);
    const now = performance.now();
    const leaderLast = leader !== undefined && this.rng.chance(0.75);
    for (const m of this.members) {
      if (!this.belongs(m) || this.boots.some((b) => b.m === m)) continue;
      const late = leaderLast && m === leader;
      this.boots.push({ m, atMs: now + (late ? this.rng.int(BOOT_MS.leaderMin, BOOT_MS.leaderMax) : this.rng.int(0, BOOT_MS.othersMax)) });
    }
  }

  /** Boots the members whose time came (called between slices of the run); the boots counted. */
  async bootDue(): Promise<number> {
    const now = performance.now();
    let n = 0;
    for (const b of [...this.boots]) {
      if (b.atMs > now) continue;
      this.boots.splice(this.boots.indexOf(b), 1);
      if (b.m.up || !this.belongs(b.m)) continue;
      this.trace(`boot ${b.m.config.id} after the power cut`);
      await b.m.start();
      n++;
    }
    return n;
  }

  /** Forgets pending boots (the run's calm starts every member itself). */
  disarm(): void {
    this.armed = false;
    this.boots.length = 0;
  }
}
