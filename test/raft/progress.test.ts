import { describe, expect, test } from 'vitest';
import { Progress } from '../../src/raft/progress.js';
import { Network } from './harness.js';

const MAX_INFLIGHT_MSGS = 4;
const MAX_INFLIGHT_BYTES = 1 << 20;

function progress(next: number): Progress {
  return new Progress(next, MAX_INFLIGHT_MSGS, MAX_INFLIGHT_BYTES);
}

/** A follower known to hold up to `match`, streamed to (as the leader's sendAppend does) up to `sentTo`. */
function replicating(match: number, sentTo: number): Progress {
  const pr = progress(1);
  pr.maybeUpdate(match);
  pr.becomeReplicate();
  if (sentTo > match) {
    pr.inflights.add(sentTo, 100);
    pr.next = sentTo + 1;
  }
  return pr;
}

describe('Progress: how the leader replicates to one follower', () => {
  test('a new follower is probed from the given index, and nothing holds the first probe back', () => {
    const pr = progress(7);
    expect([pr.state, pr.match, pr.next]).toEqual(['probe', 0, 7]);
    expect(pr.isPaused()).toBe(false);
  });

  test('a probe pauses the follower until its answer, an acceptance or a rejection', () => {
    const accepted = progress(6);
    accepted.probeSent = true; // what the leader records when it sends a probe
    expect(accepted.isPaused()).toBe(true);
    expect(accepted.maybeUpdate(5)).toBe(true);
    expect(accepted.isPaused()).toBe(false);

    const rejected = progress(6);
    rejected.probeSent = true;
    expect(rejected.maybeDecrTo(5, 3)).toBe(true);
    expect(rejected.isPaused()).toBe(false);
  });

  test('a follower in replicate state pauses exactly while its inflight window is full', () => {
    const pr = replicating(5, 5);
    for (let i = 6; i < 6 + MAX_INFLIGHT_MSGS; i++) {
      expect(pr.isPaused()).toBe(false);
      pr.inflights.add(i, 1);
    }
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(6);
    pr.inflights.freeTo(6);
    expect(pr.isPaused()).toBe(false);
  });

  test('an ack moves match and next forward; a stale or repeated ack changes nothing', () => {
    const pr = replicating(0, 9); // sent up to 9: next is 10

    expect(pr.maybeUpdate(5)).toBe(true);
    expect([pr.match, pr.next]).toEqual([5, 10]); // next never goes back to the ack

    expect(pr.maybeUpdate(5)).toBe(false); // the same index again is no progress
    expect(pr.maybeUpdate(3)).toBe(false); // an ack overtaken by a later one
    expect([pr.match, pr.next]).toEqual([5, 10]);

    expect(pr.maybeUpdate(12)).toBe(true); // past next (e.g. after a leader change): next follows
    expect([pr.match, pr.next]).toEqual([12, 13]);
  });

  test('a repeated ack does not answer an outstanding probe', () => {
    const pr = progress(6);
    pr.maybeUpdate(5);
    pr.probeSent = true;
    expect(pr.maybeUpdate(5)).toBe(false);
    expect(pr.isPaused()).toBe(true);
  });

  test('in replicate state a rejection rewinds next to right after match; one at or below match is stale', () => {
    const pr = replicating(5, 9);

    expect(pr.maybeDecrTo(5, 1)).toBe(false); // answers an append the follower since acknowledged
    expect(pr.maybeDecrTo(3, 1)).toBe(false);
    expect(pr.next).toBe(10);

    expect(pr.maybeDecrTo(7, 2)).toBe(true); // the hint is not used: match is known to be held
    expect(pr.next).toBe(6);
  });

  test('in probe state only a rejection of the last probe counts; next follows the hint, never to or below match', () => {
    const pr = progress(10);
    pr.maybeUpdate(3);
    expect([pr.match, pr.next]).toEqual([3, 10]);

    expect(pr.maybeDecrTo(5, 2)).toBe(false); // answers an older probe (prevIndex 9 is outstanding)
    expect(pr.next).toBe(10);

    expect(pr.maybeDecrTo(9, 7)).toBe(true); // the hint is below the rejected index: go there
    expect(pr.next).toBe(7);
    expect(pr.maybeDecrTo(6, 50)).toBe(true); // a hint past the rejection: one back, no further
    expect(pr.next).toBe(6);
    expect(pr.maybeDecrTo(5, 1)).toBe(true); // a hint below match: the follower holds match
    expect(pr.next).toBe(4);
  });

  test('becomeProbe resumes right after match and sends the probe at once', () => {
    const pr = replicating(5, 9);
    pr.becomeProbe();
    expect([pr.state, pr.next]).toEqual(['probe', 6]);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.isPaused()).toBe(false);
  });

  test('after a snapshot, probing resumes past the snapshot, or past match if the follower acknowledged more', () => {
    const behind = replicating(3, 3);
    behind.becomeSnapshot(10);
    expect([behind.state, behind.pendingSnapshot, behind.isPaused()]).toEqual(['snapshot', 10, true]);
    behind.becomeProbe();
    expect([behind.state, behind.next, behind.pendingSnapshot, behind.isPaused()]).toEqual(['probe', 11, 0, false]);

    const ahead = replicating(3, 3);
    ahead.becomeSnapshot(10);
    ahead.maybeUpdate(12);
    ahead.becomeProbe();
    expect([ahead.next, ahead.pendingSnapshot]).toEqual([13, 0]);
  });

  test('becomeReplicate streams from right after match with an empty window', () => {
    const pr = replicating(5, 9);
    pr.becomeSnapshot(20);
    pr.maybeUpdate(20);
    pr.becomeReplicate();
    expect([pr.state, pr.next, pr.pendingSnapshot]).toEqual(['replicate', 21, 0]);
    expect(pr.inflights.count()).toBe(0);
    expect(pr.isPaused()).toBe(false);
  });
});

describe('Progress as the leader reports it', () => {
  test('a new leader reports a follower it has not heard from as not recently active', () => {
    const net = new Network();
    net.isolate('n3');
    net.elect('n1');
    const followers = net.raft('n1').status().followers;
    expect(followers.find((f) => f.id === 'n2')).toMatchObject({ recentActive: true });
    expect(followers.find((f) => f.id === 'n3')).toMatchObject({ recentActive: false, match: 0, state: 'probe' });
  });
});
