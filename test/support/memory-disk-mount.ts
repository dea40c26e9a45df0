// One process's view of a MemoryDisk (memory-disk.ts): the Disk and the open files it hands out.
// Every mutating call goes through MemoryDisk.mutate, which counts it for cutPowerAt and may cut
// the power in its place; every call of a mount that lost power fails with EIO.
import path from 'node:path';
import type { Disk, DiskFile, OpenMode } from '../../src/disk/disk.js';
import type { MemoryDisk } from './memory-disk.js';
import { DirNode, FileNode, fsError } from './memory-disk-nodes.js';

/** One process's view of a MemoryDisk: dies with the power. */
export class MountedDisk implements Disk {
  constructor(
    private readonly disk: MemoryDisk,
    private readonly boot: number,
  ) {}

  async open(file: string, mode: OpenMode): Promise<DiskFile> {
    const { dir, name } = this.split(file, 'open');
    const existing = dir.entries.get(name);
    if (existing?.kind === 'dir') throw fsError('EISDIR', 'open', file);
    let node = existing;
    if (node === undefined) {
      if (mode.create !== true) throw fsError('ENOENT', 'open', file);
      node = this.disk.mutate(this.boot, `create ${path.basename(file)}`, () => {
        const created = new FileNode();
        dir.change([[name, created]]);
        return created;
      });
    } else if (mode.truncate === true && mode.write === true) {
      this.disk.mutate(this.boot, `open O_TRUNC ${path.basename(file)}`, () => node!.truncate(0));
    }
    return new MemoryFile(this.disk, this.boot, node as FileNode, path.basename(file), mode);
  }

  async readFile(file: string): Promise<Buffer> {
    const node = this.file(file, 'readFile');
    const buf = Buffer.alloc(node.size);
    node.read(buf, 0, node.size, 0);
    return buf;
  }

  async readdir(dir: string): Promise<string[]> {
    this.disk.check(this.boot, `readdir ${dir}`);
    return [...this.disk.dir(dir, 'readdir').entries.keys()];
  }

  async sizeBytes(file: string): Promise<number> {
    return this.file(file, 'stat').size;
  }

  async unlink(file: string): Promise<void> {
    const { dir, name } = this.split(file, 'unlink');
    if (dir.entries.get(name)?.kind !== 'file') throw fsError('ENOENT', 'unlink', file);
    this.disk.mutate(this.boot, `unlink ${path.basename(file)}`, () => dir.change([[name, undefined]]));
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.split(from, 'rename');
    const dst = this.split(to, 'rename');
    const node = src.dir.entries.get(src.name);
    if (node === undefined) throw fsError('ENOENT', 'rename', from);
    this.disk.mutate(this.boot, `rename ${path.basename(from)} ${path.basename(to)}`, () => {
      if (src.dir === dst.dir) return src.dir.change([[src.name, undefined], [dst.name, node]]);
      src.dir.change([[src.name, undefined]]);
      dst.dir.change([[dst.name, node]]);
    });
  }

  async mkdirp(dir: string): Promise<void> {
    this.disk.check(this.boot, `mkdir ${dir}`);
    let node = this.disk.dir('/', 'mkdir');
    let at = '/';
    for (const part of path.resolve(dir).split('/').filter((p) => p !== '')) {
      at = path.join(at, part);
      const next = node.entries.get(part);
      if (next?.kind === 'file') throw fsError('ENOTDIR', 'mkdir', dir);
      if (next !== undefined) {
        node = next;
        continue;
      }
      const parent = node;
      const created = new DirNode();
      this.disk.mutate(this.boot, `mkdir ${at}`, () => parent.change([[part, created]]));
      node = created;
    }
  }

  async syncDir(dir: string): Promise<void> {
    const node = this.disk.dir(dir, 'fsync');
    this.disk.checkSync(dir);
    this.disk.mutate(this.boot, `fsync dir ${path.basename(dir)}`, () => node.sync());
  }

  private split(file: string, op: string): { dir: DirNode; name: string } {
    this.disk.check(this.boot, `${op} ${file}`);
    return { dir: this.disk.dir(path.dirname(path.resolve(file)), op), name: path.basename(file) };
  }

  private file(file: string, op: string): FileNode {
    const { dir, name } = this.split(file, op);
    const node = dir.entries.get(name);
    if (node === undefined) throw fsError('ENOENT', op, file);
    if (node.kind === 'dir') throw fsError('EISDIR', op, file);
    return node;
  }
}

/** An open file of a mount. */
class MemoryFile implements DiskFile {
  private closed = false;

  constructor(
    private readonly disk: MemoryDisk,
    private readonly boot: number,
    private readonly node: FileNode,
    private readonly name: string,
    private readonly mode: OpenMode,
  ) {}

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.live('read');
    return this.node.read(buf, offset, length, position);
  }

  async write(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    await this.disk.unstalled();
    return this.writeSync(buf, offset, length, position);
  }

  async writev(bufs: readonly Buffer[], position: number): Promise<number> {
    await this.disk.unstalled();
    return this.writevSync(bufs, position);
  }

  writeSync(buf: Buffer, offset: number, length: number, position: number): number {
    return this.writevSync([buf.subarray(offset, offset + length)], position);
  }

  writevSync(bufs: readonly Buffer[], position: number): number {
    this.live('write');
    if (this.mode.write !== true) throw fsError('EBADF', 'write', this.name);
    const all = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
    const data = all.subarray(0, this.disk.takeRoom(all.length, this.name));
    const dsync = this.mode.dsync === true;
    const label = `write ${this.name} @${position}+${data.length}${dsync ? ' dsync' : ''}`;
    this.disk.mutate(
      this.boot,
      label,
      () => {
        this.node.write(data, position, dsync);
        if (dsync) this.disk.noteSynced(this.node);
        else this.disk.noteUnsynced(this.node, data, position);
      },
      // Torn: power failed mid-write; a prefix reached the platter, the rest never did.
      (fraction) => this.node.write(data.subarray(0, Math.floor(fraction * data.length)), position, true),
    );
    return data.length;
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.live('truncate');
    if (this.mode.write !== true) throw fsError('EBADF', 'ftruncate', this.name);
    this.disk.mutate(this.boot, `truncate ${this.name} ${sizeBytes}`, () => this.node.truncate(sizeBytes));
  }

  async datasync(): Promise<void> {
    await this.disk.unstalled();
    this.live('fdatasync');
    this.disk.checkSync(this.name);
    this.disk.mutate(this.boot, `fdatasync ${this.name}`, () => this.syncNow());
  }

  async sync(): Promise<void> {
    await this.disk.unstalled();
    this.live('fsync');
    this.disk.checkSync(this.name);
    this.disk.mutate(this.boot, `fsync ${this.name}`, () => this.syncNow());
  }

  async sizeBytes(): Promise<number> {
    this.live('fstat');
    return this.node.size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private syncNow(): void {
    this.node.sync();
    this.disk.noteSynced(this.node);
  }

  private live(op: string): void {
    this.disk.check(this.boot, `${op} ${this.name}`);
    if (this.closed) throw fsError('EBADF', op, this.name);
  }
}
