// Megabyte values on a machine whose CPUs are busy with other work: a 1 MiB put (the documented
// maximum) must not cost the cluster its leader. Heartbeats travel on their own connection, so
// they never wait behind a large append's bytes on the append stream.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

/** Processes that spin on the CPU until killed. */
function burnCpu(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe('1 MiB values under CPU load, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('a dozen 1 MiB puts while 8 processes spin on 2 cores: no election, no error', async () => {
    const c = cluster!;
    const client = c.client({ timeoutMs: 20_000 });
    await client.put('big/warm', 'v');
    const before = await c.leader();
    const burners = burnCpu(8);
    const errors: string[] = [];
    try {
      const value = Buffer.alloc(Number(process.env.BIG_BYTES ?? 1024 * 1024), 7);
      for (let i = 0; i < 12; i++) {
        await client.put(`big/${i}`, value).catch((e: { code: string; message: string }) => errors.push(`${i}: ${e.code} ${e.message}`));
      }
    } finally {
      for (const b of burners) b.kill('SIGKILL');
    }
    const after = await c.leader();
    console.log(`[big-values] leader ${before.id}@${before.term} -> ${after.id}@${after.term}; errors ${errors.length}`);
    expect(errors).toEqual([]);
    expect({ id: after.id, term: after.term }).toEqual({ id: before.id, term: before.term });
  });
});
