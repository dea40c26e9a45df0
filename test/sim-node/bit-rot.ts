// Bit rot in the whole-node simulation (`--bit-flips`, off in CI): now and then, while a member
// is down, one bit flips in a synced page of a sealed segment of its WAL. Its next start must
// refuse with WalCorruptionError naming that file (docs/wal.md: damage in a sealed segment is
// never cut or skipped), unless the bit fell outside every record, when it starts and the run's
// checks (linearizable history, members agreeing) show it serves nothing changed. After a
// refusal the operator puts back the damaged page (from a copy) and the member starts as usual.
// Only sealed segments: damage in the newest segment's final batch is cut like a torn write
// (docs/wal.md), which may drop entries this member acknowledged: not an outcome a run can judge.
import { Rng } from '../../src/common/rng.js';
import type { Entry } from '../../src/raft/index.js';
import { Wal, WalCorruptionError } from '../../src/wal/index.js';
import { sameEntry } from '../wal/helpers.js';
import type { SimMember } from './member.js';

/** Chance per 50 ms slice of one flip (in a member that is down and has a sealed segment). */
const FLIP_P = 0.05;

export class BitRot {
  private readonly rng: Rng;
  /** Starts refused as they must be, and flips that hit no record (the member started). */
  readonly outcomes = { refused: 0, harmless: 0 };

  constructor(seed: number) {
    this.rng = new Rng(seed * 4_111 + 7);
  }

  /** Maybe one flip and a start on it; what went wrong goes to `problems`. Returns 1 for a flip. */
  async maybeFlip(candidates: readonly SimMember[], trace: (line: string) => void, problems: string[]): Promise<number> {
    if (!this.rng.chance(FLIP_P) || candidates.length === 0) return 0;
    const m = this.rng.pick(candidates);
    const dir = `/sim/${m.config.id}/wal`;
    const segments = (await m.disk.mount().readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
    if (segments.length < 2) return 0;
    const file = `${dir}/${this.rng.pick(segments.slice(0, -1))}`;
    const segmentBytes = m.config.segmentBytes ?? 256 * 1024;
    const before = await readLog(m, dir, segmentBytes);
    if (before instanceof Error) {
      problems.push(`${m.config.id}'s WAL did not open before any bit flipped: ${before.message}`);
      return 0;
    }
    const flip = m.disk.flipBit(file, () => this.rng.next());
    if (!flip) return 0;
    const what = `${m.config.id} with bit ${flip.bit} of byte ${flip.offset} of ${file} flipped`;
    trace(`bit rot: ${m.config.id} ${file} byte ${flip.offset} bit ${flip.bit}; start it`);
    // What the WAL gives back, read apart from the member: refused, or every entry unchanged.
    const after = await readLog(m, dir, segmentBytes);
    if (after instanceof Error) {
      if (!(after instanceof WalCorruptionError) || after.file !== file || after.offset > flip.offset) problems.push(`${what} was not refused as it must be: ${String(after)}`);
    } else if (after.length !== before.length || after.some((e, i) => !sameEntry(e, before[i]!))) {
      problems.push(`${what} opened with changed entries (${before.length} before, ${after.length} after)`);
    }
    try {
      await m.start();
      if (after instanceof Error) problems.push(`${what} started, though its WAL refuses to open`);
      this.outcomes.harmless++;
      trace(`${m.config.id} started: the bit was outside every record`);
    } catch (err) {
      if (!(err instanceof WalCorruptionError) || err.file !== file || err.offset > flip.offset) {
        problems.push(`${what} did not refuse to start as it must: ${String(err)}`);
      } else {
        this.outcomes.refused++;
        trace(`${m.config.id} refused to start: ${err.message}`);
      }
      // The operator restores the page from a copy; the member starts later like any other.
      m.disk.flipBit(file, undefined, flip);
    }
    return 1;
  }
}


/** The entries the member's WAL holds (opened and closed as its start would), or why it refused. */
async function readLog(m: SimMember, dir: string, segmentBytes: number): Promise<Entry[] | Error> {
  let wal: Wal;
  try {
    wal = await Wal.open(dir, { disk: m.disk.mount(), segmentBytes });
  } catch (err) {
    return err as Error;
  }
  try {
    return [...(await wal.recover()).entries];
  } finally {
    await wal.close();
  }
}
