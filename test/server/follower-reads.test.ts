// FollowerReads: which read-index round serves which read. A round may only serve reads that
// arrived before it was sent; a read arriving while one is in flight waits for the next.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { LeadershipLostError, RequestError } from '../../src/server/errors.js';
import { FollowerReads, type FollowerReadLimits } from '../../src/server/follower-reads.js';

const LIMITS: FollowerReadLimits = { maxReads: 100, maxRounds: 4, staleRoundMs: 10_000 };
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A scripted leader: each round waits until the test answers it. */
function scripted(limits = LIMITS) {
  const rounds: { resolve(index: number): void; reject(e: Error): void }[] = [];
  let applied = 0;
  const appliedWaiters: { index: number; resolve(): void }[] = [];
  const reads = new FollowerReads(
    {
      askLeader: () => new Promise<number>((resolve, reject) => rounds.push({ resolve, reject })),
      waitApplied: (index) =>
        index <= applied ? Promise.resolve() : new Promise<void>((resolve) => appliedWaiters.push({ index, resolve })),
    },
    limits,
  );
  const apply = (index: number): void => {
    applied = index;
    for (const w of appliedWaiters.splice(0)) if (w.index <= index) w.resolve();
      else appliedWaiters.push(w);
  };
  return { reads, rounds, apply };
}

/** Tracks whether a promise settled. */
function track(p: Promise<void>): { done: () => boolean; error: () => unknown } {
  let done = false;
  let error: unknown;
  p.then(
    () => (done = true),
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  return { done: () => done, error: () => error };
}

describe('FollowerReads', () => {
  it('one round serves every read that arrived before it was sent', async () => {
    const { reads, rounds, apply } = scripted();
    const all = Array.from({ length: 10 }, () => track(reads.barrier(new Date(Date.now() + 5000))));
    await turn();
    expect(rounds).toHaveLength(1);
    rounds[0]!.resolve(7);
    await turn();
    // Not before this node applied the index the leader confirmed.
    expect(all.some((r) => r.done())).toBe(false);
    apply(7);
    await turn();
    expect(all.every((r) => r.done() && r.error() === undefined)).toBe(true);
  });

  it('a read that arrives while a round is in flight waits for the next round', async () => {
    const { reads, rounds, apply } = scripted();
    const early = track(reads.barrier(new Date(Date.now() + 5000)));
    await turn();
    expect(rounds).toHaveLength(1);
    // The leader may have fixed round 1's index before this read began: it must not use it.
    const late = track(reads.barrier(new Date(Date.now() + 5000)));
    await turn();
    expect(rounds).toHaveLength(1);
    rounds[0]!.resolve(5);
    apply(5);
    await turn();
    await turn(); // the next round is sent at the end of the turn its predecessor finished in
    expect(early.done()).toBe(true);
    expect(late.done()).toBe(false);
    expect(rounds).toHaveLength(2);
    rounds[1]!.resolve(9);
    await turn();
    expect(late.done()).toBe(false);
    apply(9);
    await turn();
    expect(late.done()).toBe(true);
    expect(reads.size).toBe(0);
  });

  it('a round unanswered for staleRoundMs no longer holds the next one back', async () => {
    const { reads, rounds } = scripted({ ...LIMITS, staleRoundMs: 30 });
    void reads.barrier(new Date(Date.now() + 5000)).catch(() => {});
    await turn();
    void reads.barrier(new Date(Date.now() + 5000)).catch(() => {});
    await turn();
    expect(rounds).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(rounds).toHaveLength(2);
  });

  it('a failed round fails its reads as LeadershipLostError (asked again once by kv-service)', async () => {
    const { reads, rounds } = scripted();
    const r = track(reads.barrier(new Date(Date.now() + 5000)));
    await turn();
    rounds[0]!.reject(new RequestError(grpc.status.UNAVAILABLE, 'leader gone'));
    await turn();
    expect(r.error()).toBeInstanceOf(LeadershipLostError);
  });

  it('refuses reads past maxReads with UNAVAILABLE', async () => {
    const { reads } = scripted({ ...LIMITS, maxReads: 2 });
    void reads.barrier(new Date(Date.now() + 5000)).catch(() => {});
    void reads.barrier(new Date(Date.now() + 5000)).catch(() => {});
    const err = await reads.barrier(new Date(Date.now() + 5000)).then(() => null, (e: RequestError) => e);
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });
});
