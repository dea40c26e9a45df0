// raftdb's own client on its Pipeline streams (what `raftdb bench` drives), over the same keys,
// values and number of concurrent operations as the generic unary load, so the Pipeline
// targets are measured in the same run against the same etcd cells. One client: a stream per
// endpoint, writes to the leader, reads spread by the client itself.
import { connect } from '../../client/index.js';
import { Histogram, latencySummaryMs } from '../histogram.js';
import { benchKey, type UnaryLoadResult, type UnaryLoadSpec } from './unary-load.js';

/** Runs `spec` with `clients` concurrent operations through one pipelined client of `endpoints`. */
export async function runPipelineLoad(spec: UnaryLoadSpec, endpoints: readonly string[], serverCpu: () => number): Promise<UnaryLoadResult> {
  const client = connect({ endpoints: [...endpoints], pipeline: true, maxConcurrentWrites: spec.clients, timeoutMs: 10_000 });
  const value = Buffer.alloc(spec.valueBytes, 0x61);
  const hist = new Histogram();
  let measuring = false;
  let stopping = false;
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  const loop = async (i: number): Promise<void> => {
    let n = i;
    while (!stopping) {
      const key = benchKey((n = (n * 7919 + 1) % spec.keys));
      const t0 = performance.now();
      let err: Error | null = null;
      try {
        if (spec.op === 'put') await client.put(key, value);
        else await client.get(key, { consistency: spec.op === 'get' ? 'linearizable' : 'serializable' });
      } catch (e) {
        err = e as Error;
      }
      if (!measuring) continue;
      if (err) {
        errors++;
        firstError ??= err.message;
      } else {
        ops++;
        hist.record((performance.now() - t0) * 1000);
      }
    }
  };
  try {
    const loops = Array.from({ length: spec.clients }, (_, i) => loop(i));
    await sleep(spec.warmupS * 1000);
    const cpu0 = serverCpu();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    measuring = true;
    await sleep(spec.measureS * 1000);
    measuring = false;
    const elapsedS = (performance.now() - t0) / 1000;
    const serverCpuS = serverCpu() - cpu0;
    const self = process.cpuUsage(self0);
    stopping = true;
    await Promise.all(loops);
    return {
      ops,
      errors,
      opsPerSec: ops / elapsedS,
      latencyMs: latencySummaryMs(hist),
      serverCpuUsPerOp: ops > 0 ? (serverCpuS * 1e6) / ops : 0,
      clientCpuUsPerOp: ops > 0 ? (self.user + self.system) / ops : 0,
      firstError,
    };
  } finally {
    client.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
