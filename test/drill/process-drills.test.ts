// Drills on clusters of node processes (the compiled CLI: `npm test` builds it first): every
// nemesis once on 3 nodes with TLS and auth on (membership changes issue certificates and run as
// root; the workload is a user limited to its prefix), a seeded random schedule on 5 in
// plaintext, each history checked; and the proof that the checker is not vacuous: nodes started
// with the test-only stale-read fault must fail.
import { describe, expect, test } from 'vitest';
import { formatReport, NEMESES, ProcessCluster, runDrill, type DrillOptions, type DrillReport } from '../../src/drill/index.js';
import { drillLog, expectPass, expectSecured } from './helpers.js';

/** Short faults and quiet intervals: each nemesis still gets an election's worth of time. */
const QUICK: Pick<DrillOptions, 'faultMs' | 'quietMs' | 'warmupMs' | 'clients' | 'commitMode' | 'backend'> = {
  backend: 'process',
  faultMs: [1500, 2000],
  quietMs: [1000, 1500],
  warmupMs: 1000,
  clients: 4,
  commitMode: 'semi-sync',
};

function drill(opts: Omit<DrillOptions, keyof typeof QUICK | 'log'> & Partial<DrillOptions>): Promise<DrillReport> {
  return runDrill({ ...QUICK, ...opts, log: drillLog('drill') });
}

describe('drills on a process cluster', () => {
  test('every nemesis once on 3 nodes with TLS and auth on, register workload: linearizable, nothing lost', { timeout: 180_000 }, async () => {
    const cluster = await ProcessCluster.start({ nodes: 3, secure: true });
    try {
      await expectSecured(cluster);
      const report = await drill({ nodes: 3, scenario: 'all', durationS: 1, seed: 1, workload: 'register', cluster });
      expectPass(report);
      expect(report.secure).toBe(true);
      expect(report.faults.map((f) => f.nemesis)).toEqual([...NEMESES]);
      for (const f of report.faults) expect(f.rtoMs, `${f.nemesis}: no write succeeded after it`).not.toBeNull();
    } finally {
      await cluster.close();
    }
  });

  test('a seeded random schedule on 5 nodes, registers and lists', { timeout: 150_000 }, async () => {
    const report = await drill({ nodes: 5, scenario: 'random', durationS: 20, seed: 7, workload: 'mixed' });
    expectPass(report);
    expect(report.faults.length).toBeGreaterThanOrEqual(3);
    expect(report.operations.byType.append?.ok).toBeGreaterThan(0);
  });

  test('a node that dies with no nemesis fails the drill, with its exit and logs in the report', { timeout: 120_000 }, async () => {
    const cluster = await ProcessCluster.start({ nodes: 3 });
    try {
      const crash = setTimeout(() => process.kill(cluster.pidOf('n2')!, 'SIGKILL'), 2500);
      const report = await drill({ nodes: 3, scenario: 'none', durationS: 5, seed: 5, workload: 'register', cluster });
      clearTimeout(crash);
      console.log(formatReport(report));
      expect(report.unexpectedExits.map((e) => [e.id, e.status])).toEqual([['n2', 'signal SIGKILL']]);
      expect(report.unexpectedExits[0]!.logs).toMatch(/start n2/);
      expect(report.pass).toBe(false);
      expect(report.problems).toEqual(['node n2 stopped on its own (signal SIGKILL)']);
      expect(report.recovery.ok).toBe(true); // found, reported, then started again on its data
      expect(report.linearizable).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  test('the checker catches nodes that serve linearizable reads without ReadIndex', { timeout: 120_000 }, async () => {
    const report = await drill({
      nodes: 3,
      scenario: 'isolate-leader',
      durationS: 8,
      seed: 3,
      workload: 'register',
      nodeEnv: { RAFTDB_FAULT_STALE_READS: '1' },
    });
    console.log(formatReport(report));
    expect(report.linearizable).toBe(false);
    expect(report.violation).toMatch(/is not linearizable \(register model\)/);
    expect(report.pass).toBe(false);
    expect(report.problems).toContain('history is not linearizable');
  });
});
