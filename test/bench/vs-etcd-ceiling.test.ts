// bench:vs-etcd's rows beside etcd's: the echo row (the generator's ceiling: three processes
// serving raftdb's API that answer at once, reached by the same generic unary load), raftdb's
// serializable gets and Pipeline row against a real cluster, and the ratio table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoCluster, type EchoCluster } from '../../src/bench/vs-etcd/echo-cluster.js';
import { cpuSeconds } from '../../src/bench/vs-etcd/cpu.js';
import { ratios, type VsEtcdRow } from '../../src/bench/vs-etcd/run.js';
import { raftdbTarget } from '../../src/bench/vs-etcd/targets.js';
import { runPipelineLoad } from '../../src/bench/vs-etcd/pipeline-load.js';
import { preload, runUnaryLoad } from '../../src/bench/vs-etcd/unary-load.js';
import { clusterWithClient } from '../integration/in-process.js';

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
      for (const op of ['put', 'get', 'sget'] as const) {
        const r = await runUnaryLoad({ op, clients: 4, valueBytes: 64, keys: 10, warmupS: 0, measureS: 1 }, stubs, () => echo.pids.map(cpuSeconds));
        expect(r.errors).toBe(0);
        expect(r.ops).toBeGreaterThan(50);
        expect(r.serverCpuUsPerOp).toBeGreaterThan(0);
        expect(r.serverCpuUsPerOpEach).toHaveLength(3);
        expect(r.serverCpuUsPerOpEach.reduce((a, b) => a + b, 0)).toBeCloseTo(r.serverCpuUsPerOp, 6);
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

describe('raftdb cells: serializable gets over the generic stubs, and the Pipeline row', () => {
  const c = clusterWithClient(3);

  it('runs puts, linearizable and serializable gets both ways, without errors, the data written where gets read it', async () => {
    const endpoints = c.cluster.endpoints();
    const target = raftdbTarget(endpoints);
    const stubs = endpoints.map((e) => target.connect(e));
    try {
      await preload(stubs, 20, 32, 4);
      expect((await c.client.get('bench/00000007')).kv?.value.length).toBe(32);
      for (const op of ['put', 'get', 'sget'] as const) {
        const spec = { op, clients: 4, valueBytes: 32, keys: 20, warmupS: 0, measureS: 0.5 };
        for (const r of [await runUnaryLoad(spec, stubs, () => [0]), await runPipelineLoad(spec, endpoints, () => [0])]) {
          expect(r.firstError).toBeNull();
          expect(r.ops).toBeGreaterThan(10);
        }
      }
    } finally {
      stubs.forEach((s) => s.close());
    }
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
    serverCpuUsPerOpEach: [cpu],
    clientCpuUsPerOp: 100,
    firstError: null,
  });

  it('gives raftdb/etcd and, when echo ran, echo/etcd as the ceiling of the same cell', () => {
    expect(ratios([row('etcd', 4000, 200), row('raftdb', 3000, 300), row('echo', 6000, 60)])).toEqual([
      { op: 'put', clients: 64, valueBytes: 256, spread: 'all', throughput: 0.75, cpuPerOp: 1.5, ceiling: 1.5 },
    ]);
    expect(ratios([row('etcd', 4000, 200), row('raftdb', 3000, 300)])[0]!.ceiling).toBeNull();
  });

  it("compares raftdb's Pipeline row with etcd's unary cell over all endpoints, with no ceiling", () => {
    const pipeline = { ...row('raftdb', 10_000, 100), spread: 'pipeline' as const };
    expect(ratios([row('etcd', 4000, 200), row('echo', 6000, 60), pipeline])).toEqual([
      { op: 'put', clients: 64, valueBytes: 256, spread: 'pipeline', throughput: 2.5, cpuPerOp: 0.5, ceiling: null },
    ]);
  });
});
