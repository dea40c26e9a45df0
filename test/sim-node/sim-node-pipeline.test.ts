// A Pipeline stream broken under load, on purpose: writes pipelined on one stream to a follower
// (which forwards them to the leader) are in flight when the follower crashes. The client must
// see the break at once (UNAVAILABLE, not its deadline), and the writes retried with the same
// request ids on a new stream to another member must each take effect exactly once, whether or
// not the first attempt had.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import type { SimMember } from './member.js';
import { threeMembers } from './three-members.js';
import { simPipeline } from './pipeline-stream.js';
import { VirtualTime } from './virtual-time.js';

const WRITES = 6;

interface Outcome {
  /** Writes whose first attempt failed when the stream broke, and how long after sending. */
  broken: { key: string; afterMs: number; code: string }[];
  /** Of the broken writes, those whose first attempt took effect all the same. */
  appliedAnyway: number;
  /** Each key's value and version at the end (version 1: written once). */
  finalState: string[];
}

/** Waits for `p` while advancing virtual time. */
async function settled<T>(p: Promise<T>, time: VirtualTime): Promise<PromiseSettledResult<T>> {
  let done = false;
  const watched = p.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
  void watched.finally(() => (done = true));
  while (!done) await time.advance(1);
  return watched;
}

async function brokenStream(seed: number): Promise<Outcome> {
  const time = new VirtualTime();
  try {
    const rng = new Rng(seed);
    const { net, members, leader } = await threeMembers(time, rng);
    const [follower, other] = members.filter((m) => m !== leader) as [SimMember, SimMember];
    const put = (key: string) => ({ key: Buffer.from(key), value: Buffer.from('v'), commitMode: 'SEMI_SYNC', id: { clientId: `w-${key}`, seq: 1 } });
    const keys = Array.from({ length: WRITES }, (_, i) => `k${i}`);

    // All on one stream, several in flight; the follower crashes a few ms in (seeded).
    const stream = simPipeline(net, follower);
    const sentAt = performance.now();
    const first = keys.map((k) =>
      stream.call('Put', put(k), Date.now() + 3_000).then(
        () => null,
        (err: { code: string }) => ({ key: k, afterMs: performance.now() - sentAt, code: err.code }),
      ),
    );
    await time.advance(rng.int(1, 14));
    follower.crash(false);
    const broken: Outcome['broken'] = [];
    for (const p of first) {
      const r = await settled(p, time);
      if (r.status === 'fulfilled' && r.value) broken.push(r.value);
    }

    // What the leader applied of them meanwhile (their retries must not apply again).
    await time.advance(300);
    let appliedAnyway = 0;
    for (const b of broken) if (await leader.core!.sm.get(Buffer.from(b.key))) appliedAnyway++;

    // The client's retries: the same request ids on a new stream, to a member that is up.
    const retry = simPipeline(net, other);
    for (const b of broken) {
      for (let attempt = 0; ; attempt++) {
        const r = await settled(retry.call('Put', put(b.key), Date.now() + 2_000), time);
        if (r.status === 'fulfilled') break;
        if (attempt > 20) throw new Error(`${b.key}: retries failed: ${String((r.reason as Error).message)}`);
        await time.advance(100);
      }
    }
    const finalState: string[] = [];
    for (const k of keys) {
      const r = await settled(retry.call<{ kvs?: { value: Buffer; version: number }[] }>('Range', { key: Buffer.from(k), consistency: 'LINEARIZABLE' }, Date.now() + 2_000), time);
      if (r.status === 'rejected') throw new Error(`read of ${k} failed: ${(r.reason as Error).message}`);
      const kv = r.value.kvs?.[0];
      finalState.push(kv ? `${k}=${Buffer.from(kv.value).toString()}@v${kv.version}` : `${k} absent`);
    }
    stream.close();
    retry.close();
    for (const m of members) m.crash(false);
    return { broken, appliedAnyway, finalState };
  } finally {
    time.uninstall();
  }
}

describe('whole-node simulation: Pipeline streams', () => {
  test('writes in flight on a stream whose member crashed fail at once, and their retries on a new stream take effect once', async () => {
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= 8; seed++) outcomes.push(await brokenStream(seed));
    const broken = outcomes.flatMap((o) => o.broken);
    // The break is seen as the connection's reset, long before the operations' 3 s deadline.
    expect(broken.length).toBeGreaterThan(0);
    // Some of them took effect before the break: their retries are the duplicates.
    expect(outcomes.reduce((n, o) => n + o.appliedAnyway, 0)).toBeGreaterThan(0);
    for (const b of broken) {
      expect(b.code).toBe('UNAVAILABLE');
      expect(b.afterMs).toBeLessThan(100);
    }
    const expected = Array.from({ length: WRITES }, (_, i) => `k${i}=v@v1`);
    for (const o of outcomes) expect(o.finalState, JSON.stringify(o.broken)).toEqual(expected);
  }, 120_000);
});
