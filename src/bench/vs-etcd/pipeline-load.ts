// raftdb's own client on its Pipeline streams (what `raftdb bench` drives), over the same keys,
// values and number of concurrent operations as the generic unary load, so the Pipeline
// targets are measured in the same run against the same etcd cells. One client: a stream per
// endpoint, writes and linearizable reads to the leader, serializable reads to one member.
import { connect } from '../../client/index.js';
import { MeasuredWindow } from './measured-window.js';
import { benchKey, type UnaryLoadResult, type UnaryLoadSpec } from './unary-load.js';

/** Runs `spec` with `clients` concurrent operations through one pipelined client of `endpoints`. */
export async function runPipelineLoad(spec: UnaryLoadSpec, endpoints: readonly string[], serverCpu: () => number[]): Promise<UnaryLoadResult> {
  const client = connect({ endpoints: [...endpoints], pipeline: true, maxConcurrentWrites: spec.clients, timeoutMs: 10_000 });
  const value = Buffer.alloc(spec.valueBytes, 0x61);
  const window = new MeasuredWindow();
  const loop = async (i: number): Promise<void> => {
    let n = i;
    while (!window.stopping) {
      const key = benchKey((n = (n * 7919 + 1) % spec.keys));
      const t0 = performance.now();
      let err: Error | null = null;
      try {
        if (spec.op === 'put') await client.put(key, value);
        else await client.get(key, { consistency: spec.op === 'get' ? 'linearizable' : 'serializable' });
      } catch (e) {
        err = e as Error;
      }
      window.record(t0, err);
    }
  };
  try {
    return await window.run(spec.warmupS, spec.measureS, Array.from({ length: spec.clients }, (_, i) => loop(i)), serverCpu);
  } finally {
    client.close();
  }
}
