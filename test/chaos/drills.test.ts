// The failover drills on Docker containers (raftdb:local): every nemesis once on 3 nodes and a
// seeded random schedule on 5, with iptables partitions and netem in the containers' network
// namespaces. Fails, never skips, when Docker or the image is missing: run
// scripts/docker-engine.sh && scripts/build-image.sh first (CI does). About 4 minutes here.
import { beforeAll, describe, expect, test } from 'vitest';
import { dockerUnavailable, formatReport, NEMESES, runDrill, type DrillOptions, type DrillReport } from '../../src/drill/index.js';

const TIMING: Pick<DrillOptions, 'faultMs' | 'quietMs' | 'warmupMs' | 'clients' | 'commitMode' | 'backend'> = {
  backend: 'docker',
  faultMs: [2000, 3000],
  quietMs: [1500, 2500],
  warmupMs: 1500,
  clients: 4,
  commitMode: 'semi-sync',
};

function drill(opts: Omit<DrillOptions, keyof typeof TIMING | 'log'>): Promise<DrillReport> {
  const t0 = Date.now();
  return runDrill({ ...TIMING, ...opts, log: (line) => console.log(`[docker drill ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`) });
}

function expectPass(report: DrillReport): void {
  console.log(formatReport(report));
  expect(report.problems, formatReport(report)).toEqual([]);
  expect(report.linearizable).toBe(true);
  expect(report.lostWrites.lost).toBe(0);
  expect(report.lostWrites.checked).toBeGreaterThan(0);
}

describe('drills on a Docker cluster', () => {
  beforeAll(async () => {
    const why = await dockerUnavailable();
    if (why !== null) throw new Error(`the chaos drills need Docker and the raftdb:local image: ${why}`);
  });

  test('every nemesis once on 3 nodes, register workload', { timeout: 420_000 }, async () => {
    const report = await drill({ nodes: 3, scenario: 'all', durationS: 1, seed: 11, workload: 'register' });
    expectPass(report);
    expect(report.faults.map((f) => f.nemesis)).toEqual([...NEMESES]);
  });

  test('a seeded random schedule on 5 nodes, registers and lists', { timeout: 420_000 }, async () => {
    const report = await drill({ nodes: 5, scenario: 'random', durationS: 45, seed: 12, workload: 'mixed' });
    expectPass(report);
    expect(report.faults.length).toBeGreaterThanOrEqual(4);
  });
});
