import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { healthReport, LivenessMonitor, readinessReport, type HealthReport } from '../../src/metrics/index.js';
import { snapshot } from './fixtures.js';

const check = (r: HealthReport, name: string) => r.checks.find((c) => c.name === name);

test('a caught-up leader with quorum is ready and healthy', () => {
  const r = readinessReport(snapshot());
  expect(r.status).toBe('healthy');
  expect(r.checks.map((c) => c.name)).toEqual(['member', 'leader', 'applied', 'followers', 'commit-mode']);
});

test('not ready: no leader, out of contact, not a member, too far behind applying', () => {
  expect(check(readinessReport(snapshot({ role: 'candidate', leader: null, followers: [] })), 'leader')).toMatchObject({ status: 'unhealthy', detail: expect.stringMatching(/no leader/) });
  expect(readinessReport(snapshot({ role: 'follower', leader: 'n2', hasQuorum: false, followers: [] })).status).toBe('unhealthy');
  expect(check(readinessReport(snapshot({ id: 'n4' })), 'member')?.status).toBe('unhealthy');
  expect(check(readinessReport(snapshot({ id: 'n4', learners: ['n4'] })), 'member')).toMatchObject({ status: 'healthy', detail: 'learner' });
  expect(readinessReport(snapshot({ commitIndex: 5000, appliedIndex: 3000 })).status).toBe('unhealthy');
  expect(readinessReport(snapshot({ commitIndex: 5000, appliedIndex: 3000 }), { maxApplyLagEntries: 5000, maxFollowerLagEntries: 1 }).status).toBe('healthy');
});

test('degraded but ready: a slow follower, SYNC degraded', () => {
  const slow = readinessReport(snapshot({ followers: [{ id: 'n3', matchIndex: 0, lagEntries: 20_000, lastContactMs: 0, connected: true }] }));
  expect(slow.status).toBe('degraded');
  expect(check(slow, 'followers')?.detail).toContain('n3 (20000)');
  expect(readinessReport(snapshot({ commitMode: 'sync', syncDegraded: true })).status).toBe('degraded');
});

test('healthReport takes the worst check', () => {
  expect(healthReport([]).status).toBe('healthy');
  expect(healthReport([{ name: 'a', status: 'degraded', detail: '' }, { name: 'b', status: 'healthy', detail: '' }]).status).toBe('degraded');
});

test('liveness: a WAL stall is judged across probes, a fatal error or a missing data dir is unhealthy', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'raftdb-health-'));
  let now = 0;
  let wal = { fsyncs: 5, lastIndex: 10, durableIndex: 10 };
  let fatal: string | null = null;
  const live = new LivenessMonitor({ dataDir: dir, walStats: () => wal, fatalError: () => fatal }, { fsyncStallMs: 10_000, minFreeBytes: 0, maxEventLoopDelayMs: 60_000 }, () => now);
  try {
    expect((await live.check()).status).toBe('healthy');
    wal = { fsyncs: 5, lastIndex: 12, durableIndex: 10 };
    now = 60_000; // pending, but first seen now: not a stall yet
    expect((await live.check()).status).toBe('healthy');
    now = 65_000;
    wal = { fsyncs: 6, lastIndex: 14, durableIndex: 12 }; // progress
    expect((await live.check()).status).toBe('healthy');
    now = 75_000;
    const stuck = await live.check();
    expect(stuck.status).toBe('unhealthy');
    expect(check(stuck, 'wal')?.detail).toMatch(/2 entries pending and no fsync completed for 10000 ms/);
    wal = { fsyncs: 6, lastIndex: 14, durableIndex: 14 };
    expect((await live.check()).status).toBe('healthy');
    fatal = 'disk failed';
    expect(check(await live.check(), 'node')).toEqual({ name: 'node', status: 'unhealthy', detail: 'disk failed' });
    fatal = null;
    await rm(dir, { recursive: true });
    expect(check(await live.check(), 'disk')?.status).toBe('unhealthy');
  } finally {
    live.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('liveness: low free space degrades', async () => {
  const live = new LivenessMonitor({ dataDir: tmpdir(), walStats: () => ({ fsyncs: 0, lastIndex: 0, durableIndex: 0 }), fatalError: () => null }, { fsyncStallMs: 1, minFreeBytes: Number.MAX_SAFE_INTEGER, maxEventLoopDelayMs: 60_000 });
  const r = await live.check();
  live.close();
  expect(r.status).toBe('degraded');
  expect(check(r, 'disk')?.detail).toMatch(/free of/);
});
