// SnapshotStaging: what a follower keeps between receiving a snapshot and installing it. A
// snapshot whose data is at another index or term than its message says is refused with nothing
// left behind; only one transfer is received at a time; taking one drops the older ones.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotMeta } from '../../src/raft/index.js';
import { EntryType } from '../../src/raft/types.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { encodeCommand } from '../../src/state/commands.js';
import { type LevelTuning, StateMachine, DEFAULT_WRITE_BUFFER_BYTES, levelOpenDb, nodeStateFs } from '../../src/state/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raftdb-staging-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The snapshot stream of a state machine that applied `count` puts in term 3. */
async function snapshotBytes(name: string, count: number): Promise<Buffer> {
  const sm = await StateMachine.open(join(dir, name));
  const entries = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    term: 3,
    type: EntryType.Normal,
    data: encodeCommand({ type: 'put', key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }),
  }));
  await sm.apply(entries);
  const out: Uint8Array[] = [];
  for await (const c of await sm.createSnapshot()) out.push(c);
  await sm.close();
  return Buffer.concat(out);
}

const meta = (index: number, term = 3): SnapshotMeta => ({ index, term, conf: { voters: ['n1'], votersOutgoing: [], learners: [], learnersNext: [] } });

async function* stream(bytes: Buffer, pauseMs = 0): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += 1000) {
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    yield bytes.subarray(off, off + 1000);
  }
}

describe('SnapshotStaging', () => {
  it('keeps a verified snapshot until taken; taking one removes the older ones', async () => {
    const staging = new SnapshotStaging(join(dir, 'snapshots'));
    const [a, b] = [await snapshotBytes('a', 10), await snapshotBytes('b', 20)];
    expect(await staging.receive(meta(10), stream(a))).toMatchObject({ appliedIndex: 10, appliedTerm: 3, pairs: 10 });
    await staging.receive(meta(20), stream(b));
    expect([staging.has(10), staging.has(20)]).toEqual([true, true]);
    const taken = await staging.take(20);
    expect(taken.info.appliedIndex).toBe(20);
    expect(existsSync(taken.dir)).toBe(true);
    expect(staging.has(10)).toBe(false);
    expect(await readdir(join(dir, 'snapshots'))).toEqual([taken.dir.split('/').pop()]);
    await expect(staging.take(20)).rejects.toThrow('no verified snapshot at index 20 is staged');
  });

  it('refuses data at another index or term than the message says, leaving nothing', async () => {
    const staging = new SnapshotStaging(join(dir, 'snapshots'));
    const bytes = await snapshotBytes('a', 10);
    await expect(staging.receive(meta(11), stream(bytes))).rejects.toThrow('snapshot data is at index 10 term 3, its message says index 11 term 3');
    await expect(staging.receive(meta(10, 4), stream(bytes))).rejects.toThrow(/its message says index 10 term 4/);
    expect(await readdir(join(dir, 'snapshots'))).toEqual([]);
    expect(staging.has(10)).toBe(false);
  });

  it('receives one snapshot at a time, and discards what the core did not want', async () => {
    const staging = new SnapshotStaging(join(dir, 'snapshots'));
    const bytes = await snapshotBytes('a', 10);
    const first = staging.receive(meta(10), stream(bytes, 5));
    await expect(staging.receive(meta(10), stream(bytes))).rejects.toThrow('another snapshot is being received; refusing the one at index 10');
    await first;
    await staging.discard(10);
    expect(staging.has(10)).toBe(false);
    expect(await readdir(join(dir, 'snapshots'))).toEqual([]);
    await staging.receive(meta(10), stream(bytes)); // the slot is free again
  });

  it('refuses a snapshot over its byte limit', async () => {
    const staging = new SnapshotStaging(join(dir, 'snapshots'), { maxBytes: 500 });
    await expect(staging.receive(meta(100), stream(await snapshotBytes('a', 100)))).rejects.toThrow('snapshot exceeds 500 bytes');
    expect(await readdir(join(dir, 'snapshots'))).toEqual([]);
  });

  it('builds the directory with the write buffer and compression it was given (the node passes --state-write-buffer-bytes and --state-compression)', async () => {
    const seen: LevelTuning[] = [];
    const storage = { fs: nodeStateFs, openDb: (d: string, t: LevelTuning) => (seen.push(t), levelOpenDb(d, t)) };
    const bytes = await snapshotBytes('a', 10);
    await new SnapshotStaging(join(dir, 'default'), { storage }).receive(meta(10), stream(bytes));
    await new SnapshotStaging(join(dir, 'small'), { storage, writeBufferBytes: 4 << 20, compression: false }).receive(meta(10), stream(bytes));
    expect(seen.map((t) => [t.writeBufferBytes, t.compression])).toEqual([
      [DEFAULT_WRITE_BUFFER_BYTES, true],
      [4 << 20, false],
    ]);
  });
});
