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

describe('SimFs append files', () => {
  const bytes = (text: string): Buffer => Buffer.from(text);

  /** A mount with a synced directory /d (its creation survives any power cut). */
  async function mounted(): Promise<{ fs: SimFs; f: StateStorage['fs'] }> {
    const fs = new SimFs();
    const { fs: f } = fs.mount();
    await f.mkdir('/d');
    await f.sync('/');
    return { fs, f };
  }

  async function contents(f: StateStorage['fs'], path: string): Promise<string> {
    const file = await f.openAppendFile(path);
    const text = (await file.read(0, file.size)).toString();
    await file.close();
    return text;
  }

  test('appends chunks at the end, reads any range (short only at the end), and counts its size', async () => {
    const { f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    expect(file.size).toBe(0);
    await file.append([bytes('abc'), bytes('de')]);
    await file.append([]);
    await file.append([bytes('fgh')]);
    expect(file.size).toBe(8);
    expect((await file.read(0, 8)).toString()).toBe('abcdefgh');
    expect((await file.read(2, 3)).toString()).toBe('cde');
    expect((await file.read(6, 10)).toString()).toBe('gh');
    expect((await file.read(8, 4)).length).toBe(0);
    expect((await file.read(20, 4)).length).toBe(0);
    const chunk = bytes('ij');
    await file.append([chunk]);
    chunk.fill(0); // the file took a copy
    expect((await file.read(8, 2)).toString()).toBe('ij');
    await file.close();
    await expect(file.read(0, 1)).rejects.toMatchObject({ code: 'EBADF' });
  });

  test('reopening continues the file; readdir and exists see it', async () => {
    const { f } = await mounted();
    const first = await f.openAppendFile('/d/h');
    await first.append([bytes('one')]);
    await first.close();
    expect(await f.exists('/d/h')).toBe(true);
    expect(await f.readdir('/d')).toEqual(['h']);
    const again = await f.openAppendFile('/d/h');
    expect(again.size).toBe(3);
    await again.append([bytes('two')]);
    expect((await again.read(0, again.size)).toString()).toBe('onetwo');
    await again.close();
  });

  test('opening a directory or a database fails with EISDIR, under a missing directory with ENOENT, under a file with ENOTDIR', async () => {
    const m = new SimFs().mount();
    await m.fs.mkdir('/d');
    const db = m.openDb('/d/db', TUNING);
    await db.open();
    await db.close();
    await expect(m.fs.openAppendFile('/d')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(m.fs.openAppendFile('/d/db')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(m.fs.openAppendFile('/nowhere/h')).rejects.toMatchObject({ code: 'ENOENT' });
    await (await m.fs.openAppendFile('/d/h')).close();
    await expect(m.fs.openAppendFile('/d/h/x')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(() => m.openDb('/d/h', TUNING)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    // A database's directory holds files too (the watch history's segments in the state directory).
    await (await m.fs.openAppendFile('/d/db/watch-1.hist')).close();
    expect(await m.fs.readdir('/d/db')).toEqual(['watch-1.hist']);
  });

  test("a crash keeps unsynced bytes; the dead mount's handles fail with EIO", async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await file.append([bytes('unsynced')]);
    fs.crash();
    for (const op of [() => file.append([bytes('x')]), () => file.read(0, 1), () => file.truncate(0), () => file.sync(), () => file.close()]) {
      await expect(op()).rejects.toMatchObject({ code: 'EIO' });
    }
    expect(await contents(fs.mount().fs, '/d/h')).toBe('unsynced');
  });

  test('a fault injected before a handle operation crashes the member there: the operation fails and does nothing', async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await file.append([bytes('a')]);
    const seen: string[] = [];
    fs.beforeOperation = (op, path) => {
      seen.push(`${op} ${path}`);
      if (op === 'write') fs.crash();
    };
    await expect(file.append([bytes('b')])).rejects.toMatchObject({ code: 'EIO' });
    fs.beforeOperation = null;
    expect(seen).toEqual(['write /d/h']);
    expect(await contents(fs.mount().fs, '/d/h')).toBe('a');
  });

  test('a power cut keeps the synced bytes and a random byte prefix of the rest (torn records), for many seeds', async () => {
    const synced = 'record-1|record-2|';
    const full = `${synced}record-3|record-4|`;
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 60; seed++) {
      const { fs, f } = await mounted();
      const file = await f.openAppendFile('/d/h');
      await f.sync('/d');
      await file.append([bytes('record-1|'), bytes('record-2|')]);
      await file.sync();
      await file.append([bytes('record-3|')]);
      await file.append([bytes('record-4|')]);
      const rng = new Rng(seed);
      fs.powerCut(() => rng.next());
      const m = fs.mount();
      const text = await contents(m.fs, '/d/h');
      expect(text.length).toBeGreaterThanOrEqual(synced.length);
      expect(text.length).toBeLessThanOrEqual(full.length);
      expect(full.startsWith(text)).toBe(true);
      lengths.add(text.length);
      // What survived a cut is on the disk: a second cut that keeps nothing unsynced keeps it.
      fs.powerCut(nothingKept);
      expect(await contents(fs.mount().fs, '/d/h')).toBe(text);
    }
    expect([...lengths].some((n) => n < full.length)).toBe(true); // some seed lost bytes
    expect([...lengths].some((n) => n > synced.length)).toBe(true); // some kept unsynced ones
    expect([...lengths].some((n) => n > synced.length && n < full.length && (n - synced.length) % 9 !== 0)).toBe(true); // a torn record
  });

  test('syncing the file by path (StateFs.sync) makes its contents durable too', async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await f.sync('/d');
    await file.append([bytes('kept')]);
    await f.sync('/d/h');
    fs.powerCut(nothingKept);
    expect(await contents(fs.mount().fs, '/d/h')).toBe('kept');
  });

  test("a new file's creation may vanish in a power cut until its directory is synced", async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await file.append([bytes('synced bytes, unsynced name')]);
    await file.sync();
    fs.powerCut(nothingKept);
    let m = fs.mount();
    expect(await m.fs.exists('/d/h')).toBe(false);
    const again = await m.fs.openAppendFile('/d/h');
    expect(again.size).toBe(0);
    await m.fs.sync('/d');
    fs.powerCut(nothingKept);
    m = fs.mount();
    expect(await m.fs.exists('/d/h')).toBe(true);
    expect(await contents(m.fs, '/d/h')).toBe('');
  });

  test('truncate cuts the tail (reads and size follow); synced, it survives a power cut', async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await f.sync('/d');
    await file.append([bytes('good|torn')]);
    await file.sync();
    await file.truncate(5);
    expect(file.size).toBe(5);
    expect((await file.read(0, 100)).toString()).toBe('good|');
    await file.append([bytes('next|')]);
    expect((await file.read(0, 100)).toString()).toBe('good|next|');
    await file.sync();
    fs.powerCut(() => 0.99);
    expect(await contents(fs.mount().fs, '/d/h')).toBe('good|next|');
  });

  test('a truncate into synced bytes not synced since: a power cut restores the contents of the last sync', async () => {
    for (const random of [nothingKept, () => 0.99]) {
      const { fs, f } = await mounted();
      const file = await f.openAppendFile('/d/h');
      await f.sync('/d');
      await file.append([bytes('good|torn')]);
      await file.sync();
      await file.truncate(5);
      await file.append([bytes('next|')]);
      fs.powerCut(random);
      expect(await contents(fs.mount().fs, '/d/h')).toBe('good|torn');
    }
  });

  test('a truncate of unsynced bytes only: a power cut keeps the synced bytes and a prefix of what is left', async () => {
    const { fs, f } = await mounted();
    const file = await f.openAppendFile('/d/h');
    await f.sync('/d');
    await file.append([bytes('good|')]);
    await file.sync();
    await file.append([bytes('torn')]);
    await file.truncate(5);
    await file.append([bytes('next|')]);
    fs.powerCut(() => 0.99);
    expect(await contents(fs.mount().fs, '/d/h')).toBe('good|next|');
  });

  test('a handle keeps working on its file after rm (not visible by name) and after its directory is renamed', async () => {
    const { fs, f } = await mounted();
    const gone = await f.openAppendFile('/d/gone');
    await gone.append([bytes('a')]);
    await f.rm('/d/gone');
    await gone.append([bytes('b')]);
    expect((await gone.read(0, 2)).toString()).toBe('ab');
    expect(await f.exists('/d/gone')).toBe(false);
    expect(await f.readdir('/d')).toEqual([]);

    // A segment in a state directory, moved as the install swap moves that directory.
    await f.mkdir('/d/state');
    const seg = await f.openAppendFile('/d/state/watch-1.hist');
    await seg.append([bytes('before|')]);
    await f.sync('/d');
    await f.sync('/d/state');
    await f.rename('/d/state', '/d/old');
    await seg.append([bytes('after|')]);
    await seg.sync();
    await f.sync('/d');
    fs.powerCut(() => 0.5);
    const m = fs.mount();
    expect(await m.fs.exists('/d/state/watch-1.hist')).toBe(false);
    expect(await m.fs.readdir('/d/old')).toEqual(['watch-1.hist']);
    expect(await contents(m.fs, '/d/old/watch-1.hist')).toBe('before|after|');
  });

  test('an unsynced rename of a file with unsynced bytes: either name, the bytes cut once', async () => {
    const names = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { fs, f } = await mounted();
      const file = await f.openAppendFile('/d/a');
      await f.sync('/d');
      await file.append([bytes('0123456789')]);
      await f.rename('/d/a', '/d/b');
      const draws: number[] = [];
      const rng = new Rng(seed);
      fs.powerCut(() => {
        const r = rng.next();
        draws.push(r);
        return r;
      });
      expect(draws.length).toBe(2); // one for the name changes, one for the file's bytes
      const m = fs.mount();
      const name = (await m.fs.readdir('/d'))[0]!;
      names.add(name);
      expect('0123456789'.startsWith(await contents(m.fs, `/d/${name}`))).toBe(true);
    }
    expect([...names].sort()).toEqual(['a', 'b']);
  });
});
