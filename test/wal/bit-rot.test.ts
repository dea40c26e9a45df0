// Bit rot under the WAL: one bit of a synced page flips on the platter (MemoryDisk.flipBit). The
// CRCs must catch it at open: in a sealed segment the WAL refuses to start with
// WalCorruptionError naming the file and the damaged record's offset; in the newest segment it
// refuses, or cuts the damaged final batch and reports the cut (docs/wal.md, "Recovery at open").
// Whatever it does, it never returns a changed byte.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import type { Entry, HardState } from '../../src/raft/types.js';
import { Wal, WalCorruptionError } from '../../src/wal/index.js';
import { MemoryDisk } from '../support/memory-disk.js';
import { entry, sameEntry } from './helpers.js';

const DIR = '/rot/wal';
const SEGMENT_BYTES = 4096;

/** A closed WAL of `batches` appends over several segments, a hard-state save after each. */
async function written(rng: Rng): Promise<{ disk: MemoryDisk; entries: Entry[]; last: HardState; segments: string[] }> {
  const disk = new MemoryDisk();
  const wal = await Wal.open(DIR, { disk: disk.mount(), segmentBytes: SEGMENT_BYTES, inlineMaxEntries: 0 });
  const entries: Entry[] = [];
  let last: HardState = { term: 0, vote: null, commit: 0 };
  for (let i = 0; i < 40; i++) {
    const batch = Array.from({ length: rng.int(1, 4) }, (_, k) => entry(entries.length + 1 + k, 1 + Math.floor(i / 10)));
    await wal.append(batch);
    entries.push(...batch);
    last = { term: 1 + Math.floor(i / 10), vote: 'n1', commit: entries.length };
    await wal.saveHardState(last);
  }
  await wal.close();
  disk.crash();
  const segments = (await disk.mount().readdir(DIR)).filter((f) => f.endsWith('.wal')).sort();
  return { disk, entries, last, segments };
}

describe('a flipped bit in a synced page', () => {
  test('200 flips across sealed segments, the newest segment and state.bin: refused naming file and offset, or a reported repair; never a changed byte', async () => {
    const outcomes = { refused: 0, repaired: 0, unharmed: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const w = await written(rng);
      expect(w.segments.length, 'the log spans several segments').toBeGreaterThan(2);
      const kind = rng.pick(['sealed', 'sealed', 'newest', 'state'] as const);
      const name = kind === 'state' ? 'state.bin' : kind === 'newest' ? w.segments[w.segments.length - 1]! : rng.pick(w.segments.slice(0, -1));
      const file = `${DIR}/${name}`;
      const flip = w.disk.flipBit(file, () => rng.next())!;
      const what = `seed ${seed}: bit ${flip.bit} of byte ${flip.offset} of ${name}`;
      let wal: Wal;
      try {
        wal = await Wal.open(DIR, { disk: w.disk.mount(), segmentBytes: SEGMENT_BYTES });
      } catch (err) {
        expect(err, `${what}: ${String(err)}`).toBeInstanceOf(WalCorruptionError);
        const e = err as WalCorruptionError;
        expect(e.file, what).toBe(file);
        expect(e.message, what).toContain(`${file} at byte offset ${e.offset}`);
        // The offset names the damaged record, which starts at or before the flipped byte.
        expect(e.offset, what).toBeLessThanOrEqual(flip.offset);
        outcomes.refused++;
        continue;
      }
      try {
        const rs = await wal.recover();
        // Whatever came back is what was written, byte for byte: a prefix of the log.
        expect(rs.entries.length, what).toBeLessThanOrEqual(w.entries.length);
        rs.entries.forEach((e, i) => expect(sameEntry(e, w.entries[i]!), `${what}: entry ${e.index} changed`).toBe(true));
        const shorter = rs.entries.length < w.entries.length;
        const olderState = rs.hardState.term !== w.last.term || rs.hardState.vote !== w.last.vote;
        if (shorter || olderState) {
          // Only the newest segment's final batch (a torn write, to the WAL) or the newer state slot may give way, and never silently.
          expect(kind === 'newest' || kind === 'state', `${what}: a sealed segment lost entries without refusing`).toBe(true);
          expect(rs.repairs.map((r) => r.file), `${what}: dropped without a repair`).toContain(file);
          outcomes.repaired++;
        } else {
          outcomes.unharmed++;
        }
      } finally {
        await wal.close();
      }
    }
    console.log(`[bit rot] 200 flips: ${outcomes.refused} refused, ${outcomes.repaired} repaired and reported, ${outcomes.unharmed} outside any record (log intact)`);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);
});
