// The failover drills on Docker containers (raftdb:local): every nemesis once on 3 nodes and a
// seeded random schedule on 5, with iptables partitions and netem in the containers' network
// namespaces, the clusters running with TLS on every port, mutual TLS between the containers and
// auth on (certificates made on the host, bind-mounted read-only; the workload a user limited to
// its key prefix; membership changes as root). Fails, never skips, when Docker or the image is
// missing: run scripts/docker-engine.sh && scripts/build-image.sh first (CI does).
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { DEFAULT_IMAGE, DockerCluster, dockerUnavailable, formatReport, NEMESES, runDrill, type DrillOptions, type DrillReport } from '../../src/drill/index.js';
import { drillLog, expectPass, expectSecured } from '../drill/helpers.js';

const TIMING: Pick<DrillOptions, 'faultMs' | 'quietMs' | 'warmupMs' | 'clients' | 'commitMode' | 'backend'> = {
  backend: 'docker',
  faultMs: [2000, 3000],
  quietMs: [1500, 2500],
  warmupMs: 1500,
  clients: 4,
  commitMode: 'semi-sync',
};

function drill(opts: Omit<DrillOptions, keyof typeof TIMING | 'log'> & Partial<DrillOptions>): Promise<DrillReport> {
  return runDrill({ ...TIMING, ...opts, log: drillLog('docker drill') });
}

/** Throws (so each test fails, rather than being skipped) when Docker or the image is missing. */
async function requireDocker(): Promise<void> {
  const why = await dockerUnavailable();
  if (why !== null) throw new Error(`the chaos drills need Docker and the ${DEFAULT_IMAGE} image: ${why}`);
}

describe('drills on a Docker cluster', () => {

  test('every nemesis once on 3 nodes, registers and lists', { timeout: 420_000 }, async () => {
    await requireDocker();
    const report = await drill({ nodes: 3, scenario: 'all', durationS: 1, seed: 11, workload: 'mixed' });
    expectPass(report);
    expect(report.secure).toBe(true);
    expect(report.faults.map((f) => f.nemesis)).toEqual([...NEMESES]);
  });

  test('TLS and auth hold in the containers; a container that stops with no nemesis fails the drill and is reported with its exit', { timeout: 180_000 }, async () => {
    await requireDocker();
    const cluster = await DockerCluster.start({ nodes: 3 });
    try {
      await expectSecured(cluster);
      const crash = setTimeout(() => execFileSync('docker', ['kill', '-s', 'KILL', cluster.containerName('n3')]), 2500);
      const report = await drill({ nodes: 3, scenario: 'none', durationS: 5, seed: 13, workload: 'register', cluster });
      clearTimeout(crash);
      console.log(formatReport(report));
      expect(report.unexpectedExits.map((e) => e.id)).toEqual(['n3']);
      expect(report.unexpectedExits[0]!.status).toMatch(/exited exit=137/);
      expect(report.problems).toEqual([`node n3 stopped on its own (${report.unexpectedExits[0]!.status})`]);
      expect(report.recovery.ok).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  test('a seeded random schedule on 5 nodes, registers and lists', { timeout: 420_000 }, async () => {
    await requireDocker();
    const report = await drill({ nodes: 5, scenario: 'random', durationS: 45, seed: 12, workload: 'mixed' });
    expectPass(report);
    expect(report.secure).toBe(true);
    expect(report.faults.length).toBeGreaterThanOrEqual(4);
  });
});
