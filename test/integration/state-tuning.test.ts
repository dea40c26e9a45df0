// The node hands its LevelDB tuning (--state-write-buffer-bytes, --state-compression) to the state
// machine it opens: a one-node cluster in this process, 6 MiB of values that compress to almost
// nothing, and the table files its state directory holds afterwards.
import { readdir, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import type { NodeOptions } from '../../src/server/index.js';
import { InProcessCluster } from './in-process.js';

const MiB = 1024 * 1024;

async function tableBytes(dir: string): Promise<number> {
  const names = (await readdir(dir)).filter((f) => /\.(ldb|sst)$/.test(f));
  return (await Promise.all(names.map(async (f) => (await stat(`${dir}/${f}`)).size))).reduce((a, n) => a + n, 0);
}

/** Bytes of table files after 96 puts of 64 KiB on a one-node cluster started with `tuning`. */
async function tablesAfterLoad(tuning: Partial<NodeOptions>): Promise<number> {
  const c = await InProcessCluster.start(1, tuning);
  try {
    await c.leader();
    const client = connect({ endpoints: c.endpoints() });
    try {
      for (let i = 0; i < 96; i++) await client.put(`t/${String(i).padStart(3, '0')}`, Buffer.alloc(64 * 1024, i));
    } finally {
      client.close();
    }
    await c.stopNode('n1');
    return await tableBytes(`${c.dir}/n1/state`);
  } finally {
    await c.close();
  }
}

describe('the node\'s LevelDB tuning', () => {
  it('reaches the state machine: a 4 MiB write buffer flushes tables, compression off stores them raw', async () => {
    const compressed = await tablesAfterLoad({ stateWriteBufferBytes: 4 * MiB });
    const raw = await tablesAfterLoad({ stateWriteBufferBytes: 4 * MiB, stateCompression: false });
    expect(compressed).toBeGreaterThan(0); // with the 16 MiB default, 12 MiB of records would stay in the memtable
    expect(raw).toBeGreaterThan(4 * MiB);
    expect(compressed).toBeLessThan(raw / 10);
  });
});
