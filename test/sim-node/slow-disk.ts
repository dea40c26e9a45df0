// Disk latency on the virtual clock: the WAL's durable operations (fdatasync, fsync, a write on an
// O_DSYNC file, a directory sync) take a seeded few milliseconds, as a real disk's flush does.
// Without it the in-memory disk is durable the instant it is asked, and no power cut could land
// between a write leaving for the disk and the disk having it — the window in which an
// acknowledgement sent too early (before the sync) loses an acknowledged write.
import type { Timers } from '../../src/common/timers.js';
import type { Disk, DiskFile, OpenMode } from '../../src/disk/disk.js';

/**
 * `disk` with each durable operation delayed by `delayMs()` virtual milliseconds first (0: at once,
 * no timer), then `beforeDurable()` called just before it runs, on `timers` (the member's: a sync that completes while the process is frozen is
 * seen by it when it thaws).
 */
export function slowDisk(disk: Disk, delayMs: () => number, timers: Pick<Timers, 'setTimeout'> = { setTimeout: (fn, ms) => setTimeout(fn, ms) }, beforeDurable: () => void = () => {}): Disk {
  const later = async <T>(op: () => Promise<T>): Promise<T> => {
    const ms = delayMs();
    if (ms > 0) await new Promise<void>((resolve) => timers.setTimeout(resolve, ms));
    // The moment the operation reaches the disk: a power cut armed for it lands here, before it.
    beforeDurable();
    return op();
  };
  const file = (f: DiskFile, mode: OpenMode): DiskFile => ({
    read: (buf, offset, length, position) => f.read(buf, offset, length, position),
    write: (buf, offset, length, position) => (mode.dsync ? later(() => f.write(buf, offset, length, position)) : f.write(buf, offset, length, position)),
    writev: (bufs, position) => (mode.dsync ? later(() => f.writev(bufs, position)) : f.writev(bufs, position)),
    writeSync: (buf, offset, length, position) => f.writeSync(buf, offset, length, position),
    writevSync: (bufs, position) => f.writevSync(bufs, position),
    truncate: (size) => f.truncate(size),
    datasync: () => later(() => f.datasync()),
    sync: () => later(() => f.sync()),
    sizeBytes: () => f.sizeBytes(),
    close: () => f.close(),
  });
  return {
    open: async (path, mode) => file(await disk.open(path, mode), mode),
    readFile: (path) => disk.readFile(path),
    readdir: (dir) => disk.readdir(dir),
    sizeBytes: (path) => disk.sizeBytes(path),
    unlink: (path) => disk.unlink(path),
    rename: (from, to) => disk.rename(from, to),
    mkdirp: (dir) => disk.mkdirp(dir),
    syncDir: (dir) => later(() => disk.syncDir(dir)),
  };
}
