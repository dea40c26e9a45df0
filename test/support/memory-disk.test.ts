// The in-memory disk keeps exactly what the Disk contract promises through a power cut, no more:
// each rule the WAL's power-cut tests rely on, checked on its own.
import { describe, expect, it } from 'vitest';
import { MemoryDisk, PowerLossError } from './memory-disk.js';

const bytes = (s: string): Buffer => Buffer.from(s);

async function read(disk: MemoryDisk, file: string): Promise<string | null> {
  try {
    return (await disk.mount().readFile(file)).toString();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A disk holding the durable, empty directory /d. */
async function diskWithDir(): Promise<MemoryDisk> {
  const disk = new MemoryDisk();
  const m = disk.mount();
  await m.mkdirp('/d');
  await m.syncDir('/'); // the root's names are always durable; this is a no-op that must not fail
  return disk;
}

describe('MemoryDisk', () => {
  it('a full disk: the crossing write is short, the next fails with ENOSPC, room given back ends it', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/a', { write: true, create: true, dsync: true });
    await m.syncDir('/d');
    disk.setFreeBytes(6);
    expect(await f.write(bytes('abcd'), 0, 4, 0)).toBe(4);
    expect(f.writeSync(bytes('efgh'), 0, 4, 4)).toBe(2); // short, as write(2) near ENOSPC
    await expect(f.write(bytes('gh'), 0, 2, 6)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(() => f.writevSync([bytes('gh')], 6)).toThrow(/ENOSPC/);
    disk.setFreeBytes(null);
    expect(await f.write(bytes('gh'), 0, 2, 6)).toBe(2);
    disk.powerCut();
    expect(await read(disk, '/d/a')).toBe('abcdefgh');
  });

  it('injected write and sync errors fail the call, change nothing, and clear with null', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/a', { write: true, create: true });
    await m.syncDir('/d');
    await f.write(bytes('kept'), 0, 4, 0);
    disk.failSyncs('EIO');
    await expect(f.datasync()).rejects.toMatchObject({ code: 'EIO' });
    await expect(m.syncDir('/d')).rejects.toMatchObject({ code: 'EIO' });
    disk.failWrites('EIO');
    await expect(f.write(bytes('XXXX'), 0, 4, 0)).rejects.toMatchObject({ code: 'EIO' });
    disk.failWrites(null);
    disk.failSyncs(null);
    expect((await m.readFile('/d/a')).toString()).toBe('kept'); // the failed write wrote nothing
    disk.powerCut();
    expect(await read(disk, '/d/a')).toBe(''); // the failed fdatasync synced nothing
  });

  it('loses a plain write at a power cut, keeps it after fdatasync, and keeps an O_DSYNC write at once', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const plain = await m.open('/d/a', { write: true, create: true });
    const dsync = await m.open('/d/b', { write: true, create: true, dsync: true });
    await m.syncDir('/d');
    await plain.write(bytes('lost'), 0, 4, 0);
    await dsync.write(bytes('kept'), 0, 4, 0);
    disk.powerCut();
    expect(await read(disk, '/d/a')).toBe('');
    expect(await read(disk, '/d/b')).toBe('kept');
    const again = await disk.mount().open('/d/a', { write: true });
    await again.write(bytes('synced'), 0, 6, 0);
    await again.datasync();
    disk.powerCut();
    expect(await read(disk, '/d/a')).toBe('synced');
  });

  it('loses a new name, a rename and an unlink until the directory is fsynced', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/new', { write: true, create: true, dsync: true });
    await f.write(bytes('x'), 0, 1, 0);
    disk.powerCut();
    expect(await read(disk, '/d/new')).toBeNull(); // data durable, name not
    const m2 = disk.mount();
    await (await m2.open('/d/old', { write: true, create: true, dsync: true })).write(bytes('y'), 0, 1, 0);
    await m2.syncDir('/d');
    await m2.rename('/d/old', '/d/renamed');
    disk.powerCut();
    expect(await read(disk, '/d/old')).toBe('y');
    expect(await read(disk, '/d/renamed')).toBeNull();
    const m3 = disk.mount();
    await m3.unlink('/d/old');
    await m3.syncDir('/d');
    disk.powerCut();
    expect(await read(disk, '/d/old')).toBeNull();
  });

  it('keeps a truncation (cut or sparse extension) only after a sync; extended bytes read as zeros', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { write: true, create: true, dsync: true });
    await m.syncDir('/d');
    await f.write(bytes('abcdef'), 0, 6, 0);
    await f.truncate(2);
    await f.truncate(8);
    expect(await read(disk, '/d/f')).toBe('ab\0\0\0\0\0\0');
    disk.powerCut();
    expect(await read(disk, '/d/f')).toBe('abcdef');
    const g = await disk.mount().open('/d/f', { write: true });
    await g.truncate(2);
    await g.datasync();
    disk.powerCut();
    expect(await read(disk, '/d/f')).toBe('ab');
  });

  it('an O_DSYNC write makes durable its bytes and the size they need, not an earlier unsynced truncation', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { write: true, create: true, dsync: true });
    await m.syncDir('/d');
    await f.write(bytes('0123456789'), 0, 10, 0);
    await f.truncate(3); // not synced
    await f.write(bytes('XY'), 0, 2, 3);
    disk.powerCut();
    expect(await read(disk, '/d/f')).toBe('012XY56789'); // the old tail is back: the cut was lost
  });

  it('cuts the power at the n-th mutating operation, tearing it when asked', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { write: true, create: true, dsync: true });
    await m.syncDir('/d');
    disk.cutPowerAt(disk.ops + 1, { tear: true, rand: () => 0.5 });
    expect(() => f.writeSync(bytes('abcdefgh'), 0, 8, 0)).toThrow(PowerLossError);
    expect(disk.failpointPending).toBe(false);
    expect(await read(disk, '/d/f')).toBe('abcd');
  });

  it('kills every mount of the previous boot: calls fail with EIO', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { write: true, create: true });
    disk.powerCut();
    await expect(m.readdir('/d')).rejects.toThrow(/lost power/);
    await expect(f.datasync()).rejects.toThrow(/lost power/);
  });

  it('a process crash keeps the page cache, unlike a power cut', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { write: true, create: true });
    await f.write(bytes('cached'), 0, 6, 0);
    disk.crash();
    await expect(f.write(bytes('x'), 0, 1, 0)).rejects.toThrow(/lost power/);
    expect(await read(disk, '/d/f')).toBe('cached');
  });

  it('with keepSome, each unsynced change survives or not: over seeds, both happen', async () => {
    const outcomes = new Set<string | null>();
    for (let seed = 0; seed < 16; seed++) {
      const disk = await diskWithDir();
      const m = disk.mount();
      const f = await m.open('/d/f', { write: true, create: true });
      await f.write(bytes('data'), 0, 4, 0);
      let s = seed;
      disk.powerCut({ keepSome: true, rand: () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) });
      outcomes.add(await read(disk, '/d/f'));
    }
    expect(outcomes.has(null)).toBe(true); // the name lost
    expect([...outcomes].some((o) => o !== null)).toBe(true); // the name kept (with or without its data)
  });

  it('flipBit flips one bit of a synced page, read back now and after a power cut; never an unsynced page', async () => {
    const disk = await diskWithDir();
    const m = disk.mount();
    const f = await m.open('/d/f', { create: true, write: true });
    const data = Buffer.alloc(10_000, 0x41);
    await f.write(data, 0, data.length, 0);
    await f.datasync();
    await m.syncDir('/d');
    await f.write(Buffer.alloc(5_000, 0x42), 0, 5_000, 10_000); // unsynced: pages 2 (part) and 3
    let seed = 1;
    const rand = (): number => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
    for (let i = 0; i < 50; i++) {
      const before = await m.readFile('/d/f');
      const flip = disk.flipBit('/d/f', rand)!;
      expect(flip.offset).toBeLessThan(8_192); // pages 0 and 1: synced and unchanged since
      const after = await m.readFile('/d/f');
      const diff = [...after].map((b, k) => b ^ before[k]!).flatMap((x, k) => (x === 0 ? [] : [[k, x]]));
      expect(diff).toEqual([[flip.offset, 1 << flip.bit]]);
    }
    const cached = await m.readFile('/d/f');
    disk.powerCut();
    expect((await disk.mount().readFile('/d/f')).subarray(0, 8_192).equals(cached.subarray(0, 8_192))).toBe(true);
    expect(() => disk.flipBit('/d/absent', rand)).toThrow(/ENOENT/);
  });
});
