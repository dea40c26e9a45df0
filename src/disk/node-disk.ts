// The real disk: node:fs, one call per operation, nothing added on the hot path (an inline
// append is one writevSync on the file descriptor, as before the seam).
import { constants, writeSync, writevSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { Disk, DiskFile, OpenMode } from './disk.js';

class NodeFile implements DiskFile {
  private readonly fd: number;

  constructor(private readonly fh: fs.FileHandle) {
    this.fd = fh.fd;
  }

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.fh.read(buf, offset, length, position)).bytesRead;
  }

  async write(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.fh.write(buf, offset, length, position)).bytesWritten;
  }

  async writev(bufs: readonly Buffer[], position: number): Promise<number> {
    return (await this.fh.writev(bufs as Buffer[], position)).bytesWritten;
  }

  writeSync(buf: Buffer, offset: number, length: number, position: number): number {
    return writeSync(this.fd, buf, offset, length, position);
  }

  writevSync(bufs: readonly Buffer[], position: number): number {
    return writevSync(this.fd, bufs, position);
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.fh.truncate(sizeBytes);
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  sync(): Promise<void> {
    return this.fh.sync();
  }

  async sizeBytes(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

function openFlags(mode: OpenMode): number {
  let flags = mode.write === true ? constants.O_RDWR : constants.O_RDONLY;
  if (mode.create === true) flags |= constants.O_CREAT;
  if (mode.truncate === true) flags |= constants.O_TRUNC;
  if (mode.dsync === true) flags |= constants.O_DSYNC;
  return flags;
}

/** The disk of this machine, through node:fs. */
export const nodeDisk: Disk = {
  async open(file, mode) {
    return new NodeFile(await fs.open(file, openFlags(mode), 0o644));
  },
  readFile: (file) => fs.readFile(file),
  readdir: (dir) => fs.readdir(dir),
  async sizeBytes(file) {
    return (await fs.stat(file)).size;
  },
  unlink: (file) => fs.unlink(file),
  rename: (from, to) => fs.rename(from, to),
  async mkdirp(dir) {
    await fs.mkdir(dir, { recursive: true });
  },
  async syncDir(dir) {
    const fh = await fs.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
