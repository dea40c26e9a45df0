// A member's timers in the whole-node simulation stop while it is frozen and fire late at resume,
// each once and in order (member-clock.ts); and every timer a composed node starts goes through
// them (NodePlatform.timers): none is started on the process's timers directly from src/.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import { HistoryRecorder } from '../../src/history/index.js';
import { MemberClock } from './member-clock.js';
import type { SimMember } from './member.js';
import { threeMembers } from './three-members.js';
import { VirtualTime } from './virtual-time.js';
import { Workload } from './workload.js';

describe('a member clock', () => {
  let time: VirtualTime;
  beforeEach(() => {
    time = new VirtualTime();
  });
  afterEach(() => time.uninstall());

  test('frozen, no timer fires; at thaw each one due fires once, in the order they came due, after queued I/O', async () => {
    const clock = new MemberClock(new Rng(1));
    const fired: string[] = [];
    clock.timers.setTimeout(() => fired.push('t30'), 30);
    clock.timers.setInterval(() => fired.push('tick'), 10);
    clock.timers.setTimeout(() => fired.push('t20'), 20);
    const cleared = clock.timers.setTimeout(() => fired.push('cleared'), 25);
    await time.advance(5);
    clock.freeze();
    await time.advance(100);
    expect(fired).toEqual([]);
    clock.timers.clear(cleared);
    setImmediate(() => fired.push('queued I/O'));
    clock.thaw();
    await time.advance(0);
    // The interval missed ten periods and fires once; the timeouts keep the order they came due in.
    expect(fired).toEqual(['queued I/O', 'tick', 't20', 't30']);
    await time.advance(10);
    expect(fired.filter((f) => f === 'tick')).toHaveLength(2);
  });

  test('a killed clock fires nothing again; a revived one starts afresh', async () => {
    const clock = new MemberClock(new Rng(1));
    let n = 0;
    clock.timers.setInterval(() => n++, 10);
    clock.timers.setTimeout(() => n++, 15);
    await time.advance(10);
    expect(n).toBe(1);
    clock.kill();
    await time.advance(100);
    expect(n).toBe(1);
    expect(clock.pending).toBe(0);
    clock.revive();
    clock.timers.setTimeout(() => n++, 5);
    await time.advance(5);
    expect(n).toBe(2);
  });

  test('late firings come 1..maxMs late, never early, and an interval does not pile up', async () => {
    const clock = new MemberClock(new Rng(7), { p: 1, maxMs: 3 });
    const at: number[] = [];
    clock.timers.setTimeout(() => at.push(time.nowMs()), 10);
    await time.advance(20);
    expect(at).toHaveLength(1);
    expect(at[0]).toBeGreaterThanOrEqual(11);
    expect(at[0]).toBeLessThanOrEqual(13);
    let ticks = 0;
    clock.timers.setInterval(() => ticks++, 1);
    await time.advance(100);
    expect(ticks).toBeGreaterThan(20);
    expect(ticks).toBeLessThanOrEqual(100);
  });

  test("the wall clock jumps; the monotonic clock and the run's do not", async () => {
    const clock = new MemberClock(new Rng(1));
    const wall0 = clock.wallClock();
    const mono0 = performance.now();
    clock.jump(-3_600_000);
    await time.advance(10);
    expect(clock.wallClock() - wall0).toBe(10 - 3_600_000);
    expect(performance.now() - mono0).toBe(10);
    expect(clock.toLocal(new Date(Date.now() + 500)).getTime()).toBe(clock.wallClock() + 500);
  });
});

/**
 * Wraps the process's (virtual) setTimeout and setInterval: a call made directly from a file under
 * src/ is recorded. Inside the simulation every node timer must come from its member's clock.
 */
function recordDirectTimers(): { calls: string[]; restore(): void } {
  const calls: string[] = [];
  const g = globalThis as unknown as Record<'setTimeout' | 'setInterval', (...a: unknown[]) => unknown>;
  const originals = { setTimeout: g.setTimeout, setInterval: g.setInterval };
  for (const name of ['setTimeout', 'setInterval'] as const) {
    const original = originals[name];
    g[name] = function (this: unknown, ...args: unknown[]) {
      // Frame 0 is "Error", 1 this wrapper, 2 whoever called setTimeout.
      const caller = new Error().stack?.split('\n')[2] ?? '';
      if (/[/\\]src[/\\]/.test(caller)) calls.push(`${name} from ${caller.trim()}`);
      return original.apply(this, args);
    };
  }
  return { calls, restore: () => Object.assign(g, originals) };
}

test('no timer of a composed node bypasses its member clock (load, pauses, a switchover, crashes)', async () => {
  const time = new VirtualTime();
  const direct = recordDirectTimers();
  try {
    const rng = new Rng(3);
    const { net, members } = await threeMembers(time, rng, { links: { dropP: 0.01, duplicateP: 0.01, minDelayMs: 0, maxDelayMs: 4 }, member: { followerApplyDelayMs: 5 } });
    const workload = new Workload(rng, net, members, new HistoryRecorder({ clockNs: () => time.historyNs() }), { clients: 4, keys: 3, asyncShare: 0.3, writeBudgetMs: 3_000, attemptMs: [300, 2_500] });
    workload.start();
    await time.advance(500);
    const leader = (): SimMember | undefined => members.find((m) => m.core?.raft.role === 'leader');
    leader()!.pause();
    await time.advance(1_200);
    for (const m of members) m.resume();
    await time.advance(500);
    const switchover = leader()?.core!.failover.switchover.run({ reason: 'switchover' }).catch(() => {});
    await time.advance(1_000);
    await switchover;
    members[0]!.crash(true);
    await time.advance(300);
    await members[0]!.start();
    // The clients' last operations end within their write budget plus one attempt: virtual
    // time moves until they have (a fixed advance hung when a retry started near its budget's end).
    let stopped = false;
    const stopping = workload.stop().then(() => (stopped = true));
    for (let ms = 0; ms < 10_000 && !stopped; ms += 100) await time.advance(100);
    await stopping;
    expect(workload.counts.ok).toBeGreaterThan(0);
    for (const m of members) m.crash(false);
    expect(direct.calls.slice(0, 10), 'timers started on the process directly (not through NodePlatform.timers)').toEqual([]);
  } finally {
    direct.restore();
    time.uninstall();
  }
}, 120_000);
