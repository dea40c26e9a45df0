// The simulation's storage twin (sim-fs.ts) and the real state layer on it: names are durable
// only as synced, dead mounts fail, and a snapshot install (staging, swap, recovery) cut by a
// power cut at any of its storage operations reopens as the old state or the new one, never a
// mix, and once it returned it survives a power cut that keeps nothing unsynced.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/common/rng.js';
import { EntryType, type Entry } from '../../src/raft/types.js';
import type { SnapshotMeta } from '../../src/raft/index.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { encodeCommand, StateMachine, type StateStorage } from '../../src/state/index.js';

const TUNING = { maxOpenFiles: 100, writeBufferBytes: 4 * 1024 * 1024, compression: true };
import { SimFs } from './sim-fs.js';

const nothingKept = (): number => 0;

function put(index: number, key: string, value: string): Entry {
  return { index, term: 1, type: EntryType.Normal, data: encodeCommand({ type: 'put', key: Buffer.from(key), value: Buffer.from(value) }) };
}

async function openSm(storage: StateStorage): Promise<StateMachine> {
  return StateMachine.open('/sim/n1/state', { ...storage, cacheBytes: 0 });
}

async function valueOf(sm: StateMachine, key: string): Promise<string | null> {
  const kv = await sm.get(Buffer.from(key));
  return kv ? Buffer.from(kv.value).toString() : null;
}

describe('SimFs', () => {
  test('a rename is lost in a power cut until its directory is synced, and then kept', async () => {
    const fs = new SimFs();
    const { fs: f, openDb } = fs.mount();
    await f.mkdir('/d');
    await f.sync('/');
    const db = openDb('/d/a', TUNING);
    await db.open();
    await db.put(Buffer.from('k'), Buffer.from('v'), { sync: true });
    await db.close();
    await f.rename('/d/a', '/d/b');
    fs.powerCut(nothingKept);
    let m = fs.mount();
    expect([await m.fs.exists('/d/a'), await m.fs.exists('/d/b')]).toEqual([true, false]);
    await m.fs.rename('/d/a', '/d/b');
    await m.fs.sync('/d');
    fs.powerCut(nothingKept);
    m = fs.mount();
    expect([await m.fs.exists('/d/a'), await m.fs.exists('/d/b')]).toEqual([false, true]);
    const back = m.openDb('/d/b', TUNING);
    await back.open();
    expect((await back.get(Buffer.from('k')))?.toString()).toBe('v');
    await back.close();
  });

  test('a mount from before a crash fails with EIO; a removal in flight at the cut may survive', async () => {
    const fs = new SimFs();
    const old = fs.mount();
    await old.fs.writeFile('/d/f', 'x');
    fs.crash();
    await expect(old.fs.exists('/d/f')).rejects.toMatchObject({ code: 'EIO' });
    const m = fs.mount();
    expect(await m.fs.exists('/d/f')).toBe(true); // a crash keeps what the OS had
    await m.fs.rm('/d/f');
    fs.powerCut(() => 0.99); // the unsynced writeFile and rm both reached the disk
    expect(await fs.mount().fs.exists('/d/f')).toBe(false);
  });
});

describe('snapshot install on the storage twin', () => {
  /** A leader's state at index 3 (k=new, j=1) as a snapshot stream's source. */
  async function source(): Promise<StateMachine> {
    const sm = await openSm(new SimFs().mount());
    await sm.apply([put(1, 'k', 'old'), put(2, 'k', 'new'), put(3, 'j', '1')]);
    return sm;
  }

  /** A follower at index 1 (k=old), a snapshot at 3 staged; `cutAt`: lose power at that storage operation of the install. */
  async function install(cutAt: number, seed: number): Promise<{ fs: SimFs; completed: boolean }> {
    const fs = new SimFs();
    const storage = fs.mount();
    const sm = await openSm(storage);
    await sm.apply([put(1, 'k', 'old')]);
    await sm.sync();
    const leader = await source();
    const staging = new SnapshotStaging('/sim/n1/snapshots', { storage });
    const meta = { index: 3, term: 1 } as SnapshotMeta; // the staging reads only these
    const info = await staging.receive(meta, await leader.createSnapshot());
    await leader.close();
    const rng = new Rng(seed);
    let ops = 0;
    fs.beforeOperation = () => {
      if (++ops === cutAt) fs.powerCut(() => rng.next());
    };
    let completed = false;
    try {
      const prepared = await staging.take(3);
      await sm.installSnapshotDir(prepared.dir, prepared.info);
      completed = ops < cutAt;
    } catch (err) {
      expect((err as { code?: string }).code, String(err)).toBe('EIO');
    }
    expect(info.appliedIndex).toBe(3);
    fs.beforeOperation = null;
    return { fs, completed };
  }

  test('a power cut at any storage operation of an install reopens as the old state or the new one', async () => {
    const seen = new Set<number>();
    let cutAt = 1;
    for (; cutAt < 100; cutAt++) {
      let completed = false;
      for (let seed = 1; seed <= 4; seed++) {
        const r = await install(cutAt, seed);
        completed = r.completed;
        const sm = await openSm(r.fs.mount());
        const state = [sm.appliedIndex(), await valueOf(sm, 'k'), await valueOf(sm, 'j')];
        expect([[1, 'old', null], [3, 'new', '1']]).toContainEqual(state);
        seen.add(sm.appliedIndex());
        await sm.close();
      }
      if (completed) break;
    }
    expect(cutAt).toBeGreaterThan(10); // the install took that many storage operations, each a cut point
    expect([...seen].sort()).toEqual([1, 3]);
  }, 60_000);

  test('an install that returned survives a power cut that keeps nothing unsynced', async () => {
    const r = await install(Infinity, 1);
    expect(r.completed).toBe(true);
    r.fs.powerCut(nothingKept);
    const sm = await openSm(r.fs.mount());
    expect([sm.appliedIndex(), await valueOf(sm, 'k'), await valueOf(sm, 'j')]).toEqual([3, 'new', '1']);
    await sm.close();
  });
});
