// The in-memory Raft log on its own: positions after a restore, the up-to-date rule of elections,
// overwriting an uncommitted suffix, the follower's side of AppendEntries, the fast back-off's
// search, batch limits, durability marks, commit and apply, and compaction.
import { describe, expect, test } from 'vitest';
import { RaftInvariantError } from '../../src/raft/errors.js';
import { entryBytes, RaftLog } from '../../src/raft/log.js';
import { EntryType } from '../../src/raft/types.js';
import type { Entry } from '../../src/raft/types.js';

function e(index: number, term: number, bytes = 0): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(bytes) };
}
/** Entries `from`..`to` of `term`. */
function run(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(e(i, term));
  return out;
}
const indexes = (entries: readonly Entry[]): number[] => entries.map((x) => x.index);

describe('RaftLog', () => {
  test('a restored log holds what storage gave back as durable, with commit and apply clamped into it', () => {
    const log = RaftLog.restore(10, 2, run(11, 14, 3), 99, 50);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm(), log.stableIndex]).toEqual([11, 14, 3, 14]);
    expect([log.committed, log.applied]).toEqual([14, 14]); // no further than the log
    const low = RaftLog.restore(10, 2, run(11, 14, 3), 4, 1);
    expect([low.committed, low.applied]).toEqual([10, 10]); // never below the snapshot
    const mid = RaftLog.restore(10, 2, run(11, 14, 3), 13, 12);
    expect([mid.committed, mid.applied, mid.hasUnstable()]).toEqual([13, 12, false]);
    expect(() => RaftLog.restore(10, 2, [e(11, 3), e(13, 3)], 0, 0)).toThrow(/not contiguous at 13/);
    const given = run(1, 2, 1);
    const own = RaftLog.restore(0, 0, given, 0, 0);
    given.push(e(3, 1)); // the caller's array is not the log's
    expect(own.lastIndex()).toBe(2);
  });

  test('terms: the snapshot index has the snapshot term, anything compacted or past the end has none', () => {
    const log = RaftLog.restore(5, 2, [e(6, 2), e(7, 4)], 0, 0);
    expect([log.term(4), log.term(5), log.term(6), log.term(7), log.term(8)]).toEqual([null, 2, 2, 4, null]);
    expect(log.matchTerm(7, 4)).toBe(true);
    expect(log.matchTerm(7, 3)).toBe(false);
    expect(RaftLog.restore(5, 2, [], 0, 0).lastTerm()).toBe(2);
  });

  test('§5.4.1 up-to-date: a later last term wins however short the log; the same term needs at least our length', () => {
    const log = RaftLog.restore(0, 0, [e(1, 1), e(2, 2), e(3, 2)], 0, 0);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(4, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  test('append overwrites an uncommitted suffix, and a durable entry it overwrites is durable no more', () => {
    const log = RaftLog.restore(0, 0, run(1, 5, 1), 2, 0);
    log.append([e(4, 2), e(5, 2), e(6, 2)]);
    expect(log.entryAt(4)!.term).toBe(2);
    expect([log.lastIndex(), log.stableIndex]).toEqual([6, 3]);
    expect(indexes(log.unstableEntries())).toEqual([4, 5, 6]);
    log.stableTo(6, 2);
    log.append([e(7, 2)]); // past the stable prefix: it stays
    expect(log.stableIndex).toBe(6);
    log.append([e(6, 3)]); // overwrites exactly the last durable entry
    expect(log.stableIndex).toBe(5);
    log.stableTo(6, 3);
    expect(() => log.append([e(2, 3)])).toThrow(/refusing to overwrite committed index 2/);
    expect(() => log.append([e(9, 2)])).toThrow(/gap appending 9 after 6/); // the overwrite at 6 dropped 7
    log.append([]); // nothing to do
    expect(log.lastIndex()).toBe(6);
  });

  test('AppendEntries on a follower: refused on a prev mismatch; matching entries are skipped, a conflict cuts the log there', () => {
    const log = RaftLog.restore(0, 0, [e(1, 1), e(2, 1), e(3, 2), e(4, 2)], 1, 0);
    expect(log.maybeAppend(4, 1, [e(5, 3)])).toBeNull();
    expect(log.maybeAppend(9, 2, [])).toBeNull();

    const same = log.maybeAppend(1, 1, [e(2, 1), e(3, 2)]);
    expect(same).toEqual({ lastNew: 3, written: [] }); // a stale, shorter append claims only what it carried
    expect(log.lastIndex()).toBe(4);

    const conflict = log.maybeAppend(1, 1, [e(2, 1), e(3, 3), e(4, 3)]);
    expect(conflict!.lastNew).toBe(4);
    expect(indexes(conflict!.written)).toEqual([3, 4]);
    expect([log.term(3), log.term(4)]).toEqual([3, 3]);

    const longer = log.maybeAppend(4, 3, [e(5, 3), e(6, 3)]);
    expect(indexes(longer!.written)).toEqual([5, 6]);
    expect(log.lastIndex()).toBe(6);
  });

  test('entries at or below the snapshot count as matching (they are committed), even with no term left to compare', () => {
    const log = RaftLog.restore(5, 2, [e(6, 2)], 5, 5);
    const res = log.maybeAppend(3, 2, [e(4, 2), e(5, 2), e(6, 2), e(7, 2)]);
    // prev (3) is below the snapshot: no term there, so it does not match.
    expect(res).toBeNull();
    const ok = log.maybeAppend(5, 2, [e(6, 2), e(7, 2)]);
    expect(indexes(ok!.written)).toEqual([7]);
    const log2 = RaftLog.restore(5, 2, [], 5, 5);
    // A leader resending from before our snapshot: prev at the snapshot index matches.
    const res2 = log2.maybeAppend(5, 2, [e(6, 2)]);
    expect(res2).toEqual({ lastNew: 6, written: [e(6, 2)] });
  });

  test('the fast back-off finds the last index at or before `index` whose term is at most `term`', () => {
    const log = RaftLog.restore(2, 1, [e(3, 1), e(4, 3), e(5, 3), e(6, 5)], 0, 0);
    expect(log.findConflictByTerm(6, 4)).toBe(5);
    expect(log.findConflictByTerm(6, 5)).toBe(6);
    expect(log.findConflictByTerm(99, 3)).toBe(5); // clamped to the last index
    expect(log.findConflictByTerm(6, 2)).toBe(3);
    expect(log.findConflictByTerm(6, 0)).toBe(2); // nothing matches: the snapshot index
  });

  test('a slice stops at its byte or count limit but always carries one entry, and never runs past the end', () => {
    const log = RaftLog.restore(0, 0, [e(1, 1, 100), e(2, 1, 100), e(3, 1, 100), e(4, 1, 100)], 0, 0);
    const size = entryBytes(e(1, 1, 100));
    expect(size).toBe(124);
    expect(indexes(log.slice(1, 5, 2 * size, 100))).toEqual([1, 2]); // exactly two fit
    expect(indexes(log.slice(1, 5, 2 * size - 1, 100))).toEqual([1]);
    expect(indexes(log.slice(2, 5, 1, 100))).toEqual([2]); // one entry even over the limit
    expect(indexes(log.slice(1, 5, 1 << 20, 3))).toEqual([1, 2, 3]);
    expect(indexes(log.slice(3, 99, 1 << 20, 100))).toEqual([3, 4]);
    expect(log.slice(5, 9, 1 << 20, 100)).toEqual([]);
  });

  test('durability marks: stableTo moves only forward, and not for entries overwritten since', () => {
    const log = RaftLog.restore(0, 0, [], 0, 0);
    log.append(run(1, 3, 1));
    expect([log.hasUnstable(), indexes(log.unstableEntries())]).toEqual([true, [1, 2, 3]]);
    log.stableTo(2, 1);
    expect(indexes(log.unstableEntries())).toEqual([3]);
    log.stableTo(1, 1); // an older report
    expect(log.stableIndex).toBe(2);
    log.append([e(3, 2)]); // index 3 rewritten with term 2 before the report of (3, term 1) came
    log.stableTo(3, 1);
    expect([log.stableIndex, log.hasUnstable()]).toEqual([2, true]);
    log.stableTo(3, 2);
    expect([log.stableIndex, log.hasUnstable()]).toEqual([3, false]);
  });

  test('commit and apply only move forward; committed entries are handed out within a byte budget', () => {
    const log = RaftLog.restore(0, 0, [e(1, 1, 100), e(2, 1, 100), e(3, 1, 100)], 0, 0);
    expect([log.hasNextCommitted(), log.nextCommitted(1 << 20)]).toEqual([false, []]);
    log.commitTo(3);
    log.commitTo(1);
    expect([log.committed, log.hasNextCommitted()]).toEqual([3, true]);
    expect(indexes(log.nextCommitted(200))).toEqual([1]);
    log.appliedTo(1);
    log.appliedTo(0);
    expect(log.applied).toBe(1);
    expect(indexes(log.nextCommitted(1 << 20))).toEqual([2, 3]);
    log.appliedTo(3);
    expect([log.hasNextCommitted(), log.nextCommitted(1 << 20)]).toEqual([false, []]);
  });

  test('compaction drops the prefix a snapshot holds and keeps its term; a snapshot from the leader replaces the log', () => {
    const log = RaftLog.restore(0, 0, [e(1, 1), e(2, 2), e(3, 2), e(4, 3)], 3, 3);
    log.compact(2);
    expect([log.firstIndex(), log.snapshotIndex, log.snapshotTerm, log.term(2), log.term(1)]).toEqual([3, 2, 2, 2, null]);
    expect(log.entryAt(3)!.term).toBe(2);
    log.compact(1); // already compacted: nothing happens
    expect(log.snapshotIndex).toBe(2);
    log.compact(3); // a second compaction counts from the first one's point
    expect([log.firstIndex(), log.lastIndex(), log.entryAt(4)!.term, log.term(3)]).toEqual([4, 4, 3, 2]);
    expect(() => log.compact(4)).toThrow(RaftInvariantError); // not applied yet (applied is 3)

    log.resetToSnapshot(20, 7);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm(), log.committed, log.applied, log.stableIndex]).toEqual([21, 20, 7, 20, 20, 20]);
    expect(log.hasUnstable()).toBe(false);
  });
});
