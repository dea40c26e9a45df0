// Snapshots: a 100k-key round trip into a fresh state machine, rejection of corrupt or truncated
// streams, installing a verified directory, and a crash after every step of the directory swap
// recovering to one complete state. The byte format itself: snapshot-format.test.ts.
import { existsSync } from 'node:fs';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { CompactedError, SnapshotError } from '../../src/state/errors.js';
import { openSnapshotStream, writeSnapshotDir } from '../../src/state/snapshot.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { SWAP_STEPS, swapPaths } from '../../src/state/swap.js';
import { b, cleanup, dump, entry, plain, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

/** Apply `count` puts (key i%keys) in batches, with request ids and a meta record. */
async function fill(sm: StateMachine, count: number, keys: number, tag: string): Promise<void> {
  const first = sm.appliedIndex() + 1;
  for (let start = first; start < first + count; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(first + count, start + 1000); i++) {
      const key = b(`key/${String(i % keys).padStart(6, '0')}`);
      const cmd: Command = { type: 'put', key, value: b(`${tag}-${i}`), req: { clientId: `client-${i % 50}`, seq: i } };
      batch.push(entry(i, cmd, 2));
    }
    await sm.apply(batch);
  }
  await sm.apply([entry(sm.appliedIndex() + 1, { type: 'setMeta', name: 'cluster', value: { tag, voters: ['n1'] } }, 2)]);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

async function* replay(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('snapshots', () => {
  it('round-trips 100k keys into a fresh state machine: every key, revision, dedupe and meta', async () => {
    const source = await StateMachine.open(`${dir}/source`, { snapshotChunkBytes: 256 * 1024 });
    await fill(source, 100_000, 100_000, 'v');
    const stream = await source.createSnapshot();
    expect(stream.appliedIndex).toBe(100_001);
    // Applying after the stream opened must not change what it yields (LevelDB snapshot).
    await source.apply([entry(100_002, { type: 'put', key: b('late'), value: b('x') }, 2)]);
    const chunks = await collect(stream);
    expect(chunks.length).toBeGreaterThan(10);
    const info = stream.info()!;
    expect(info).toMatchObject({ appliedIndex: 100_001, appliedTerm: 2, revision: 100_000 });

    const target = await StateMachine.open(`${dir}/target`);
    const restored = await target.restoreSnapshot(replay(chunks));
    expect(restored).toEqual(info);
    expect([target.appliedIndex(), target.appliedTerm(), target.revision()]).toEqual([100_001, 2, 100_000]);
    const [want, got] = [await dump(source), await dump(target)];
    expect(got).toHaveLength(100_000);
    expect(plain(got)).toEqual(plain(want.filter((kv) => Buffer.from(kv.key).toString() !== 'late')));
    expect(await target.getMeta('cluster')).toEqual({ tag: 'v', voters: ['n1'] });
    const retry: Command = { type: 'put', key: b('x'), value: b('x'), req: { clientId: 'client-7', seq: 100_000 - 43 } };
    const [dup] = await target.apply([entry(100_002, retry, 2)]);
    expect(dup!.duplicate).toBe(true);
    await expect(target.changesSince(100_000)).rejects.toMatchObject({ oldestRevision: 100_001 });
    await Promise.all([source.close(), target.close()]);
  });

  it('a snapshot taken after a defragment carries only replicated records (not its markers) and restores', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await fill(source, 2_000, 500, 'v');
    // compactStorage writes a record below and one above every replicated prefix (storage-upkeep.ts).
    await source.compactStorage();
    const target = await StateMachine.open(`${dir}/target`);
    await target.restoreSnapshot(await source.createSnapshot());
    expect(plain(await dump(target))).toEqual(plain(await dump(source)));
    expect(target.appliedIndex()).toBe(source.appliedIndex());
    await Promise.all([source.close(), target.close()]);
  });

  it('releases its LevelDB snapshot when the consumer gives up before reading (a receiver refusing at once)', async () => {
    const sm = await StateMachine.open(`${dir}/sm`);
    await fill(sm, 10, 10, 'v');
    // A LevelDB directory holding a state: the snapshot written out, opened here directly.
    await writeSnapshotDir(replay(await collect(await sm.createSnapshot())), `${dir}/copy`);
    await sm.close();
    const db = new Level<Buffer, Buffer>(`${dir}/copy`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    let closes = 0;
    const take = db.snapshot.bind(db);
    db.snapshot = ((...args: Parameters<typeof db.snapshot>) => {
      const snap = take(...args);
      const close = snap.close.bind(snap);
      snap.close = (() => {
        closes++;
        return close();
      }) as typeof snap.close;
      return snap;
    }) as typeof db.snapshot;
    const stream = await openSnapshotStream(db, 1024);
    await stream[Symbol.asyncIterator]().return!();
    expect(closes).toBe(1);
    await db.close();
  });

  it('a restored state is not shadowed by key-values cached from the state it replaced', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await fill(source, 20, 5, 'new'); // key/000000..4, 4 versions each
    const target = await StateMachine.open(`${dir}/target`);
    await target.apply([entry(1, { type: 'put', key: b('key/000000'), value: b('old') }, 1)]);
    await target.apply([entry(2, { type: 'put', key: b('key/000000'), value: b('older') }, 1)]); // cached now
    expect(Buffer.from((await target.get(b('key/000000')))!.value).toString()).toBe('older');

    await target.restoreSnapshot(await source.createSnapshot());
    const kv = (await target.get(b('key/000000')))!;
    expect([Buffer.from(kv.value).toString(), kv.version]).toEqual(['new-20', 4]);
    // The next put reads the restored previous version, not the cached pre-restore one.
    const next = target.appliedIndex() + 1;
    await target.apply([entry(next, { type: 'put', key: b('key/000000'), value: b('after') }, 2)]);
    expect((await target.get(b('key/000000')))!.version).toBe(5);
    await Promise.all([source.close(), target.close()]);
  });

  it('refuses corrupt, truncated, foreign or older streams and keeps serving the old state', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await fill(source, 300, 100, 'new');
    const bytes = Buffer.concat(await collect(await source.createSnapshot()));
    const target = await StateMachine.open(`${dir}/target`);
    await fill(target, 10, 10, 'old');
    const before = plain(await dump(target));
    const flipped = Buffer.from(bytes).fill(0x41, 400, 401);
    const half = bytes.length >> 1;
    const cases = [
      [flipped],
      [bytes.subarray(0, half), bytes.subarray(half, -1)],
      [bytes.subarray(half)],
      [Buffer.from('not a snapshot')],
      [bytes, bytes.subarray(0, 10)],
    ];
    for (const bad of cases) {
      await expect(target.restoreSnapshot(replay(bad))).rejects.toBeInstanceOf(SnapshotError);
      expect(plain(await dump(target))).toEqual(before);
      expect(existsSync(swapPaths(`${dir}/target`).next)).toBe(false);
    }
    await target.apply([entry(12, { type: 'put', key: b('still'), value: b('ok') })]);
    await fill(target, 400, 10, 'ahead');
    await expect(target.restoreSnapshot(replay([bytes]))).rejects.toThrow(/older than applied index/);
    expect(existsSync(swapPaths(`${dir}/target`).next)).toBe(false);
    await Promise.all([source.close(), target.close()]);
  });

  it('installSnapshotDir moves a verified directory in, and refuses an older one without touching it', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await fill(source, 300, 100, 'new');
    const staged = `${dir}/staged`;
    const info = await writeSnapshotDir(await source.createSnapshot(), staged);
    const target = await StateMachine.open(`${dir}/target`);
    await fill(target, 400, 10, 'ahead');
    const before = plain(await dump(target));
    await expect(target.installSnapshotDir(staged, info)).rejects.toThrow(`snapshot at index 301 is older than applied index 401`);
    expect(existsSync(staged)).toBe(true);
    expect(plain(await dump(target))).toEqual(before);

    const fresh = await StateMachine.open(`${dir}/fresh`);
    await fill(fresh, 10, 10, 'old');
    await fresh.installSnapshotDir(staged, info);
    expect(existsSync(staged)).toBe(false);
    expect([fresh.appliedIndex(), fresh.revision()]).toEqual([301, 300]);
    expect(plain(await dump(fresh))).toEqual(plain(await dump(source)));
    await Promise.all([source.close(), target.close(), fresh.close()]);
  });

  it('reads during an install wait for the swap and never fail: they see the old state or the new', async () => {
    const source = await StateMachine.open(`${dir}/source`);
    await fill(source, 300, 100, 'new');
    const staged = `${dir}/staged`;
    const info = await writeSnapshotDir(await source.createSnapshot(), staged);
    const target = await StateMachine.open(`${dir}/target`);
    await fill(target, 100, 100, 'old');
    let installed = false;
    const install = target.installSnapshotDir(staged, info).then(() => (installed = true));
    const seen = new Set<string>();
    const errors: string[] = [];
    const reader = async (read: () => Promise<string>): Promise<void> => {
      while (!installed) {
        seen.add(await read().catch((err: Error) => (errors.push(err.message), 'error')));
        await new Promise((r) => setImmediate(r)); // a cached get resolves in a microtask: let I/O run
      }
    };
    await Promise.all([
      install,
      reader(async () => Buffer.from((await target.get(b('key/000042')))!.value).toString().split('-')[0]!),
      reader(async () => String((await target.range({ prefix: b('key/') }, { limit: 1 })).revision)),
      reader(async () => String(((await target.getMeta('cluster')) as { tag: string }).tag)),
      // The history restarts after the snapshot: a revision read before the swap may be compacted by then.
      reader(async () => String((await target.changesSince(target.revision()).catch((e: unknown) => (e instanceof CompactedError ? { revision: 'compacted' } : Promise.reject(e)))).revision)),
    ]);
    expect(errors).toEqual([]);
    expect(seen.has('new')).toBe(true);
    expect(Buffer.from((await target.get(b('key/000042')))!.value).toString()).toBe('new-242');
    await Promise.all([source.close(), target.close()]);
  });

  // Steps done before the "crash": 0 = restored dir written but no marker (the commit point).
  for (let done = 0; done <= SWAP_STEPS.length; done++) {
    const after = done === 0 ? 'the restored directory is written' : `step ${SWAP_STEPS[done - 1]!.name}`;
    it(`a crash after ${after} recovers to the ${done === 0 ? 'old' : 'new'} complete state`, async () => {
      const source = await StateMachine.open(`${dir}/source`);
      await fill(source, 2000, 500, 'new');
      const want = plain(await dump(source));
      const live = `${dir}/live`;
      const sm = await StateMachine.open(live);
      await fill(sm, 100, 50, 'old');
      const old = plain(await dump(sm));
      const paths = swapPaths(live);
      await writeSnapshotDir(await source.createSnapshot(), paths.next);
      await sm.close(); // the process dies: LevelDB is closed by the OS either way
      for (const step of SWAP_STEPS.slice(0, done)) await step.run(paths);

      const reopened = await StateMachine.open(live);
      expect(plain(await dump(reopened))).toEqual(done === 0 ? old : want);
      expect(reopened.appliedIndex()).toBe(done === 0 ? 101 : 2001);
      for (const leftover of [paths.next, paths.old, paths.marker]) expect(existsSync(leftover)).toBe(false);
      await reopened.apply([entry(reopened.appliedIndex() + 1, { type: 'put', key: b('after'), value: b('1') })]);
      await Promise.all([source.close(), reopened.close()]);
    });
  }

  it('a crash while the restored directory was being written leaves the old state', async () => {
    const live = `${dir}/live`;
    const sm = await StateMachine.open(live);
    await fill(sm, 100, 50, 'old');
    const old = plain(await dump(sm));
    await sm.close();
    const partial = await StateMachine.open(swapPaths(live).next); // a half-written LevelDB
    await fill(partial, 10, 10, 'partial');
    await partial.close();
    const reopened = await StateMachine.open(live);
    expect(plain(await dump(reopened))).toEqual(old);
    expect(existsSync(swapPaths(live).next)).toBe(false);
    await reopened.close();
  });
});
