// bench:vs-etcd's echo row, the generator's ceiling: three processes serving raftdb's API that
// answer at once, reached by the same generic unary load, and the ratio table's ceiling column.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoCluster, type EchoCluster } from '../../src/bench/vs-etcd/echo-cluster.js';
import { cpuSeconds } from '../../src/bench/vs-etcd/cpu.js';
import { ratios, type VsEtcdRow } from '../../src/bench/vs-etcd/run.js';
import { raftdbTarget } from '../../src/bench/vs-etcd/targets.js';
import { runUnaryLoad } from '../../src/bench/vs-etcd/unary-load.js';

describe('the echo servers (the load generator ceiling)', () => {
  let echo: EchoCluster;
  beforeAll(async () => {
    echo = await startEchoCluster();
  });
  afterAll(async () => {
    await echo?.stop();
  });

  it('answer puts and gets through the generic stubs, the first says it is the leader, and their CPU is measured', async () => {
    const target = raftdbTarget(echo.endpoints, 'echo');
    expect(target.system).toBe('echo');
    expect(await target.leader()).toBe(echo.endpoints[0]);
    const stubs = echo.endpoints.map((e) => target.connect(e));
    try {
      for (const op of ['put', 'get'] as const) {
        const r = await runUnaryLoad({ op, clients: 4, valueBytes: 64, keys: 10, warmupS: 0, measureS: 1 }, stubs, () => echo.pids.reduce((s, p) => s + cpuSeconds(p), 0));
        expect(r.errors).toBe(0);
        expect(r.ops).toBeGreaterThan(50);
        expect(r.serverCpuUsPerOp).toBeGreaterThan(0);
      }
    } finally {
      stubs.forEach((s) => s.close());
    }
  });

  it('stop ends the three processes', async () => {
    const other = await startEchoCluster();
    await other.stop();
    for (const pid of other.pids) expect(cpuSeconds(pid)).toBe(0);
  });
});

describe('the ratio table', () => {
  const row = (system: VsEtcdRow['system'], opsPerSec: number, cpu: number): VsEtcdRow => ({
    system,
    op: 'put',
    clients: 64,
    valueBytes: 256,
    spread: 'all',
    ops: opsPerSec * 5,
    errors: 0,
    opsPerSec,
    latencyMs: { p50: 1, p99: 2 } as VsEtcdRow['latencyMs'],
    serverCpuUsPerOp: cpu,
    clientCpuUsPerOp: 100,
    firstError: null,
  });

  it('gives raftdb/etcd and, when echo ran, echo/etcd as the ceiling of the same cell', () => {
    expect(ratios([row('etcd', 4000, 200), row('raftdb', 3000, 300), row('echo', 6000, 60)])).toEqual([
      { op: 'put', clients: 64, valueBytes: 256, spread: 'all', throughput: 0.75, cpuPerOp: 1.5, ceiling: 1.5 },
    ]);
    expect(ratios([row('etcd', 4000, 200), row('raftdb', 3000, 300)])[0]!.ceiling).toBeNull();
  });
});
