// Periods without a quorum as one node sees them (QuorumLossObserver) and as the leader merges
// the reports of one outage (mergeQuorumLoss), with time given as input.
import { describe, expect, test } from 'vitest';
import { mergeQuorumLoss, QuorumLossObserver, quorumLossFromWire, type QuorumLossEvent } from '../../src/failover/quorum-loss.js';

const timings = { checkQuorumWindowMs: 150, electionTimeoutMs: 300 };

describe('QuorumLossObserver', () => {
  test('a leader that steps down by check-quorum: the outage runs from its quorum last answering to the next commit, even its own in a new term', () => {
    const o = new QuorumLossObserver('n1', timings);
    o.onSoftState({ role: 'leader', leader: 'n1', term: 2 }, 1_000);
    o.onSoftState({ role: 'follower', leader: null, term: 2 }, 10_150); // check-quorum
    o.onSoftState({ role: 'preCandidate', leader: null, term: 2 }, 10_400);
    expect(o.onApplied([{ term: 2 }], 11_000)).toBeNull(); // its own term's entries end nothing
    o.onSoftState({ role: 'leader', leader: 'n1', term: 3 }, 14_000);
    expect(o.onApplied([{ term: 3 }], 14_020)).toEqual({
      startedAtMs: 10_000,
      endedAtMs: 14_020,
      durationMs: 4_020,
      detectedAtMs: 10_150,
      cause: 'check-quorum',
      lastLeader: 'n1',
      lastLeaderTerm: 2,
      regainedTerm: 3,
      observedBy: ['n1'],
    });
    expect(o.onApplied([{ term: 3 }], 15_000)).toBeNull(); // reported once
  });

  test('a follower without a leader for longer than an election timeout: from its last contact with the leader', () => {
    const o = new QuorumLossObserver('n3', timings);
    o.onSoftState({ role: 'follower', leader: 'n1', term: 4 }, 1_000);
    o.onLeaderContact(5_000);
    o.onSoftState({ role: 'preCandidate', leader: null, term: 4 }, 5_200);
    o.onSoftState({ role: 'follower', leader: 'n2', term: 6 }, 8_000);
    expect(o.onApplied([{ term: 6 }], 8_030)).toMatchObject({ startedAtMs: 5_000, endedAtMs: 8_030, durationMs: 3_030, cause: 'no-leader', lastLeader: 'n1', lastLeaderTerm: 4, regainedTerm: 6 });
  });

  test('an ordinary election (leaderless for less than an election timeout) is not a quorum loss', () => {
    const o = new QuorumLossObserver('n3', timings);
    o.onSoftState({ role: 'follower', leader: 'n1', term: 4 }, 1_000);
    o.onSoftState({ role: 'preCandidate', leader: null, term: 4 }, 1_200);
    o.onSoftState({ role: 'follower', leader: 'n2', term: 5 }, 1_260);
    expect(o.onApplied([{ term: 5 }], 1_280)).toBeNull();
  });

  test('a node cut off alone that finds the same leader in the same term again reports nothing', () => {
    const o = new QuorumLossObserver('n3', timings);
    o.onSoftState({ role: 'follower', leader: 'n1', term: 4 }, 1_000);
    o.onSoftState({ role: 'preCandidate', leader: null, term: 4 }, 1_200);
    o.onSoftState({ role: 'follower', leader: 'n1', term: 4 }, 9_000);
    expect(o.onApplied([{ term: 4 }], 9_050)).toBeNull();
    o.onSoftState({ role: 'follower', leader: 'n2', term: 5 }, 9_100);
    expect(o.onApplied([{ term: 5 }], 9_120)).toBeNull();
  });

  test('a node that knew no leader since it started reports nothing (its peers that stayed up do)', () => {
    const o = new QuorumLossObserver('n2', timings);
    o.onSoftState({ role: 'preCandidate', leader: null, term: 4 }, 1_000);
    o.onSoftState({ role: 'leader', leader: 'n2', term: 5 }, 6_000);
    expect(o.onApplied([{ term: 5 }], 6_010)).toBeNull();
  });

  test('a leader handing over to a successor (a higher term) has not lost its quorum', () => {
    const o = new QuorumLossObserver('n1', timings);
    o.onSoftState({ role: 'leader', leader: 'n1', term: 2 }, 1_000);
    o.onSoftState({ role: 'follower', leader: 'n2', term: 3 }, 2_000);
    expect(o.onApplied([{ term: 3 }], 2_010)).toBeNull();
  });
});

const report = (over: Partial<QuorumLossEvent>): QuorumLossEvent => ({
  startedAtMs: 10_000,
  endedAtMs: 14_000,
  durationMs: 4_000,
  detectedAtMs: 10_150,
  cause: 'check-quorum',
  lastLeader: 'n1',
  lastLeaderTerm: 2,
  regainedTerm: 3,
  observedBy: ['n1'],
  ...over,
});

describe('mergeQuorumLoss', () => {
  test('reports of one outage merge: the latest evidence of a quorum, the earliest commit, every observer', () => {
    const first = mergeQuorumLoss([], report({}), null, 300);
    expect(first.added).toMatchObject({ startedAtMs: 10_000, endedAtMs: 14_000 });
    const second = mergeQuorumLoss(first.events, report({ startedAtMs: 10_100, endedAtMs: 14_040, cause: 'no-leader', observedBy: ['n3'] }), null, 300);
    expect(second.added).toBeNull();
    expect(second.events).toEqual([report({ startedAtMs: 10_100, endedAtMs: 14_000, durationMs: 3_900, detectedAtMs: 10_150, observedBy: ['n1', 'n3'] })]);
  });

  test("the leader's own view clips a report of its term: a node cut off alone cannot stretch the outage back", () => {
    // n3 lost n1 at 2 s (cut off alone); n2 heard from n1 until 9.9 s and committed its term at 10 s.
    const r = mergeQuorumLoss([], report({ startedAtMs: 2_000, endedAtMs: 20_000, cause: 'no-leader', observedBy: ['n3'] }), { term: 3, lastContactMs: 9_900, firstCommitAtMs: 10_000 }, 300);
    expect(r).toEqual({ events: [], added: null, changed: false });
  });

  test('a report of another term is not clipped by the leader view', () => {
    const r = mergeQuorumLoss([], report({}), { term: 9, lastContactMs: 13_000, firstCommitAtMs: 13_500 }, 300);
    expect(r.added).toMatchObject({ startedAtMs: 10_000, endedAtMs: 14_000 });
  });
});

describe('quorumLossFromWire', () => {
  const now = 20_000;
  test('a valid report passes', () => {
    expect(quorumLossFromWire(report({}), now)).toEqual(report({}));
  });
  test.each([
    [{ startedAtMs: -1 }, 'event.started_at_ms'],
    [{ endedAtMs: now + 3_600_000 }, 'event.ended_at_ms'],
    [{ startedAtMs: 15_000 }, 'event.ended_at_ms'],
    [{ cause: 'bored' }, 'event.cause'],
    [{ regainedTerm: 2 }, 'event.regained_term'],
    [{ observedBy: [] }, 'event.observed_by'],
    [{ observedBy: Array.from({ length: 17 }, (_, i) => `n${i}`) }, 'event.observed_by'],
    [{ observedBy: ['<b>'] }, 'event.observed_by'],
    [{ lastLeader: 'x'.repeat(65) }, 'event.last_leader'],
  ])('%j is refused naming %s', (over, field) => {
    expect(() => quorumLossFromWire({ ...report({}), ...over }, now)).toThrow(field);
  });
});
