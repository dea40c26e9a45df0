// Power cuts aimed at the durability windows, right after a client is told a write succeeded:
// - the whole room, staggered: every member but the leader loses power as its next WAL write
//   reaches its disk (before it lands), the leader a few ms later (or all at once if a member
//   has nothing to write), and they boot again in a random order, the old leader's machine often
//   last (so the others may elect a leader from what they kept). A follower that answers an
//   append before its write is durable lets the leader commit, and a client be told, what no
//   member but the leader has on disk; an unsynced WAL loses everything since its last sync.
// - the member that acknowledged an ASYNC write, alone, as its next WAL write reaches its disk:
//   the entry it acknowledged must be on its disk (async-durability.ts checks it).
// The random whole-room cut of simulation.ts lands at any moment, mostly when nothing is in
// flight; these land where the windows are. Some seeds have none, some a few (the rates are
// drawn per seed), from a generator of their own, so a seed's other faults stay what they were.
import { Rng } from '../../src/common/rng.js';
import type { SimMember } from './member.js';

/** Chance per acknowledged write of a whole-room cut, drawn per seed: none in half the seeds. */
const ROOM_P = [0, 0, 0.005, 0.02];
/** Chance per acknowledged ASYNC write that the member that answered loses power, drawn per seed. */
const ASYNC_P = [0, 0.05, 0.2];
/** At most this many such cuts per seed (each costs the cluster a second or two of its run). */
const MAX_CUTS = 3;
/** The leader goes this many ms after the others were armed; then whoever is still up goes too. */
const STAGGER_MS = { min: 3, max: 15 };
/** The members other than the old leader boot within this many ms; the old leader, when last, after these. */
const BOOT_MS = { othersMax: 300, leaderMin: 600, leaderMax: 2_000 };

/** The aimed power cuts of one run, drawn from its seed. */
export class AckCuts {
  private readonly rng: Rng;
  private readonly roomP: number;
  private readonly asyncP: number;
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
    this.roomP = this.rng.pick(ROOM_P);
    this.asyncP = this.rng.pick(ASYNC_P);
  }

  /** A client was told `method` succeeded by member `answeredBy` (ASYNC: `async`): maybe the power goes now. */
  acknowledged(method: string, answeredBy: string | undefined, async: boolean): void {
    if (!this.armed || this.cuts >= MAX_CUTS) return;
    if (async && this.rng.chance(this.asyncP)) {
      const m = this.members.find((x) => x.config.id === answeredBy);
      if (!m?.up) return;
      this.cuts++;
      this.trace(`${m.config.id} loses power at its next WAL write, right after it acknowledged an ASYNC ${method}`);
      m.cutPowerAtWalWrite(this.trace);
      setTimeout(() => this.cutNow([m], null), this.rng.int(STAGGER_MS.min, STAGGER_MS.max));
    } else if (this.rng.chance(this.roomP)) {
      const up = this.members.filter((m) => m.up && this.belongs(m));
      const leader = up.find((m) => m.core!.raft.role === 'leader');
      if (up.length === 0) return;
      this.cuts++;
      this.trace(`the room loses power right after a ${method} was acknowledged: each member but the leader${leader ? ` ${leader.config.id}` : ''} at its next WAL write`);
      for (const m of up) if (m !== leader) m.cutPowerAtWalWrite(this.trace);
      setTimeout(() => this.cutNow(this.members, leader ?? null), this.rng.int(STAGGER_MS.min, STAGGER_MS.max));
    }
  }

  /** Cuts whoever of `which` is still up; schedules their boots (`leader`, if any, often last). */
  private cutNow(which: readonly SimMember[], leader: SimMember | null): void {
    if (!this.armed) return;
    for (const m of which) {
      if (m.up) this.trace(`power cut on ${m.config.id}${m === leader ? ' (the leader)' : ''}`);
      m.crash(true);
    }
    const now = performance.now();
    const leaderLast = leader !== null && this.rng.chance(0.75);
    for (const m of which) {
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
