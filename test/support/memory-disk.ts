// An in-memory disk that can lose power: the test double of src/disk (the Disk interface).
//
// Every file keeps two images: what reads see (the page cache) and what survives a power cut
// (the platter). Only what the Disk contract promises moves data to the durable image:
// - a write on a `dsync` handle: its own bytes, and the size they need (O_DSYNC);
// - datasync()/sync(): the file's whole current content and size;
// - syncDir(dir): the names in `dir` as they are now (creations, renames, unlinks).
// Truncation (shrinking or extending, sparse) is durable only after a sync, as on ext4; so is a
// new file's name. Nothing else is ever durable: the model grants no more than the guarantees.
//
// A power cut (`powerCut()`, or `cutPowerAt(n)` to cut at the n-th mutating operation) replaces
// every file and directory by its durable image; with `tear`, the write being cut (or the last
// unsynced one) reaches the platter only up to a random byte; with `keepSome`, any unsynced
// change may have reached it too (writeback and journal commits happen whenever they like). Every Disk handed out before the cut
// (`mount()`) is dead afterwards: each call fails with EIO, as the process would be gone. Mount
// again to "reboot". `crash()` kills the mounts but keeps the page cache (a process kill).
//
// Faults short of a power cut: `setFreeBytes(n)` is a disk with n bytes of room left (the write
// that crosses it is short, as write(2) is, and every later one fails with ENOSPC until room is
// given back), `failWrites(code)` and `failSyncs(code)` make every write or every fsync/fdatasync
// fail with that error (EIO, say) until cleared with null.
import path from 'node:path';
import type { Disk, DiskFile, OpenMode } from '../../src/disk/disk.js';

const PAGE_BYTES = 4096;

/** Raised by every call to a mount that lost power (or whose process crashed). */
export class PowerLossError extends Error {
  readonly code = 'EIO';
  constructor(what: string) {
    super(`EIO: the disk lost power (${what})`);
  }
}

function fsError(code: string, op: string, p: string): Error {
  return Object.assign(new Error(`${code}: ${op} '${p}'`), { code });
}

/** One file's data: pages that read as zeros when absent (sparse), in the cache and durable. */
class FileNode {
  readonly kind = 'file';
  size = 0;
  pages = new Map<number, Buffer>();
  durableSize = 0;
  durablePages = new Map<number, Buffer>();
  /** Pages changed (written or cut) since the last sync. */
  dirty = new Set<number>();

  read(buf: Buffer, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.size - position));
    buf.fill(0, offset, offset + n);
    for (let done = 0; done < n; ) {
      const at = position + done;
      const page = this.pages.get(Math.floor(at / PAGE_BYTES));
      const inPage = at % PAGE_BYTES;
      const k = Math.min(n - done, PAGE_BYTES - inPage);
      if (page !== undefined) page.copy(buf, offset + done, inPage, inPage + k);
      done += k;
    }
    return n;
  }

  /** Writes into the cache; with `durable`, into the durable image too (O_DSYNC, or a torn write). */
  write(data: Buffer, position: number, durable: boolean): void {
    for (let done = 0; done < data.length; ) {
      const at = position + done;
      const no = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const k = Math.min(data.length - done, PAGE_BYTES - inPage);
      data.copy(pageOf(this.pages, no), inPage, done, done + k);
      this.dirty.add(no);
      if (durable) data.copy(pageOf(this.durablePages, no), inPage, done, done + k);
      done += k;
    }
    this.size = Math.max(this.size, position + data.length);
    if (durable) this.durableSize = Math.max(this.durableSize, position + data.length);
  }

  truncate(sizeBytes: number): void {
    const keep = Math.ceil(sizeBytes / PAGE_BYTES);
    for (const no of [...this.pages.keys()]) {
      if (no >= keep) {
        this.pages.delete(no);
        this.dirty.add(no);
      }
    }
    const partial = this.pages.get(Math.floor(sizeBytes / PAGE_BYTES));
    if (partial !== undefined && sizeBytes % PAGE_BYTES !== 0) {
      partial.fill(0, sizeBytes % PAGE_BYTES);
      this.dirty.add(Math.floor(sizeBytes / PAGE_BYTES));
    }
    this.size = sizeBytes;
  }

  sync(): void {
    for (const no of this.dirty) {
      const page = this.pages.get(no);
      if (page === undefined) this.durablePages.delete(no);
      else this.durablePages.set(no, Buffer.from(page));
    }
    this.dirty.clear();
    this.durableSize = this.size;
  }

  /** The power went out: the cache becomes what the platter holds (plus what `keep` says got there). */
  revert(keep: (() => boolean) | null): void {
    if (keep !== null) {
      for (const no of this.dirty) {
        const page = this.pages.get(no);
        if (!keep()) continue;
        if (page === undefined) this.durablePages.delete(no);
        else this.durablePages.set(no, Buffer.from(page));
      }
      if (keep()) this.durableSize = this.size;
    }
    const pages = new Map<number, Buffer>();
    for (const [no, page] of this.durablePages) {
      const end = this.durableSize - no * PAGE_BYTES;
      if (end <= 0) continue;
      const copy = Buffer.from(page);
      if (end < PAGE_BYTES) copy.fill(0, end); // never read back past the durable size
      pages.set(no, copy);
    }
    this.pages = pages;
    this.durablePages = new Map([...pages].map(([no, page]) => [no, Buffer.from(page)]));
    this.size = this.durableSize;
    this.dirty.clear();
  }
}

function pageOf(pages: Map<number, Buffer>, no: number): Buffer {
  let page = pages.get(no);
  if (page === undefined) {
    page = Buffer.alloc(PAGE_BYTES);
    pages.set(no, page);
  }
  return page;
}

type Node = FileNode | DirNode;
/** Name changes made by one operation (a rename changes two names at once); undefined removes. */
type DirChange = [name: string, node: Node | undefined][];

/** A directory: its names now, and the names a power cut leaves (as of its last syncDir). */
class DirNode {
  readonly kind = 'dir';
  entries = new Map<string, Node>();
  durable = new Map<string, Node>();
  /** Changes since the last syncDir, in order (for a cut that keeps some of them). */
  unsynced: DirChange[] = [];

  /** @param alwaysDurable the root: it stands for the mount point, whose names are never lost. */
  constructor(private readonly alwaysDurable = false) {}

  change(updates: DirChange): void {
    for (const [name, node] of updates) setName(this.entries, name, node);
    if (this.alwaysDurable) for (const [name, node] of updates) setName(this.durable, name, node);
    else this.unsynced.push(updates);
  }

  sync(): void {
    this.durable = new Map(this.entries);
    this.unsynced = [];
  }

  /** The power went out: the names become the durable ones, plus each unsynced change kept by `keep`. */
  revert(keep: (() => boolean) | null): void {
    if (keep !== null) for (const c of this.unsynced) if (keep()) for (const [name, node] of c) setName(this.durable, name, node);
    this.unsynced = [];
    this.entries = new Map(this.durable);
  }
}

function setName(names: Map<string, Node>, name: string, node: Node | undefined): void {
  if (node === undefined) names.delete(name);
  else names.set(name, node);
}

/** A mutating operation, as counted by cutPowerAt and listed in `trace`. */
export interface DiskOp {
  /** 1-based position among the mutating operations since the disk was made. */
  n: number;
  /** e.g. "writev 0000000000000001.wal @32+301 dsync". */
  label: string;
}

/** Options of a power cut. */
export interface CutOptions {
  /** The write being cut (or the last unsynced one) reaches the platter up to a random byte. */
  tear?: boolean;
  /**
   * Unsynced changes may have reached the platter before the cut (writeback, a journal commit):
   * each directory change (create, unlink, rename), each dirty page and each file's size is kept
   * or lost at random, independently, in no particular order (POSIX promises no order). Without
   * this, everything unsynced is lost.
   */
  keepSome?: boolean;
  /** Randomness for the tear and keepSome (default Math.random); pass a seeded one to replay. */
  rand?: () => number;
}

/** The physical disk: outlives power cuts; `mount()` gives a process its Disk. */
export class MemoryDisk {
  private readonly root = new DirNode(true);
  private boot = 0;
  private opCount = 0;
  private cutCount = 0;
  private failpoint: (CutOptions & { at: number }) | null = null;
  private lastUnsynced: { file: FileNode; data: Buffer; position: number } | null = null;
  /** Room left for written bytes (null: unlimited); see setFreeBytes. */
  private freeBytes: number | null = null;
  private writeError: string | null = null;
  private syncError: string | null = null;
  private stalled: Promise<void> | null = null;
  /** Every mutating operation so far, in order (bounded: the last 10,000). */
  readonly trace: DiskOp[] = [];

  /** Power cuts so far (by powerCut() or a failpoint). */
  get powerCuts(): number {
    return this.cutCount;
  }

  /** Mutating operations so far: cutPowerAt(n) for n in 1..ops cuts at each of them. */
  get ops(): number {
    return this.opCount;
  }

  /** The Disk a process sees until the next power cut or crash. */
  mount(): Disk {
    return new MountedDisk(this, this.boot);
  }

  /**
   * The disk has `n` bytes of room left (null: unlimited). Written bytes use it up; a write larger
   * than what is left writes what fits and returns a short count, the next one fails with ENOSPC.
   */
  setFreeBytes(n: number | null): void {
    this.freeBytes = n;
  }

  /** Every write fails with an error of this code (e.g. 'EIO'), nothing written; null clears it. */
  failWrites(code: string | null): void {
    this.writeError = code;
  }

  /**
   * Holds every asynchronous write, fsync and fdatasync (a disk that takes its time) until the
   * returned function is called; synchronous (inline) writes are not held. Nothing held has
   * reached the disk yet.
   */
  stall(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.stalled = gate;
    return () => {
      if (this.stalled === gate) this.stalled = null;
      release();
    };
  }

  /** @internal Resolves when the disk is not stalled (see stall). */
  async unstalled(): Promise<void> {
    while (this.stalled !== null) await this.stalled;
  }

  /** Every fsync and fdatasync fails with an error of this code; null clears it. Nothing is synced. */
  failSyncs(code: string | null): void {
    this.syncError = code;
  }

  /** @internal How many of `bytes` bytes a write may write now; throws the injected write fault. */
  takeRoom(bytes: number, what: string): number {
    if (this.writeError !== null) throw fsError(this.writeError, 'write', what);
    if (this.freeBytes === null) return bytes;
    if (this.freeBytes === 0 && bytes > 0) throw fsError('ENOSPC', 'write', what);
    const n = Math.min(bytes, this.freeBytes);
    this.freeBytes -= n;
    return n;
  }

  /** @internal Throws the injected sync fault, if any. */
  checkSync(what: string): void {
    if (this.syncError !== null) throw fsError(this.syncError, 'fsync', what);
  }

  /** Cuts the power at the n-th mutating operation: it fails and every mount dies. */
  cutPowerAt(n: number, opts: CutOptions = {}): void {
    this.failpoint = { ...opts, at: n };
  }

  /** Whether a cutPowerAt(n) is still waiting for its operation (false once it fired). */
  get failpointPending(): boolean {
    return this.failpoint !== null;
  }

  /** Cuts the power now: everything not durable is lost. */
  powerCut(opts: CutOptions = {}): void {
    const rand = opts.rand ?? Math.random;
    const torn = this.lastUnsynced;
    if (opts.tear === true && torn !== null) {
      const k = Math.floor(rand() * torn.data.length);
      torn.file.write(torn.data.subarray(0, k), torn.position, true);
    }
    this.lastUnsynced = null;
    this.failpoint = null;
    this.boot++;
    this.cutCount++;
    revertDir(this.root, opts.keepSome === true ? () => rand() < 0.5 : null);
  }

  /**
   * Bit rot: one bit of `file`'s synced data flips on the platter, at a random byte of a page
   * that holds durable data (the page cache reads it too, as after the cache was dropped). The
   * WAL's CRCs must catch it. Returns the byte offset and bit, or null when nothing is durable.
   * Given `at`, flips that bit (again: the page restored from a copy).
   */
  flipBit(file: string, rand: () => number = Math.random, at?: { offset: number; bit: number }): { offset: number; bit: number } | null {
    const node = this.dir(path.dirname(path.resolve(file)), 'flipBit').entries.get(path.basename(file));
    if (node === undefined || node.kind !== 'file') throw fsError('ENOENT', 'flipBit', file);
    if (at !== undefined) {
      const no = Math.floor(at.offset / PAGE_BYTES);
      for (const page of [node.durablePages.get(no), node.pages.get(no)]) if (page !== undefined) page[at.offset % PAGE_BYTES]! ^= 1 << at.bit;
      return at;
    }
    // A synced page: durable, and the cache holds nothing newer (an O_DSYNC write leaves both alike).
    const synced = (no: number): boolean => no * PAGE_BYTES < node.durableSize && (node.pages.get(no)?.equals(node.durablePages.get(no)!) ?? true);
    const pages = [...node.durablePages.keys()].filter(synced).sort((a, b) => a - b);
    if (pages.length === 0) return null;
    const no = pages[Math.floor(rand() * pages.length)]!;
    const inPage = Math.floor(rand() * Math.min(PAGE_BYTES, node.durableSize - no * PAGE_BYTES));
    const bit = Math.floor(rand() * 8);
    node.durablePages.get(no)![inPage]! ^= 1 << bit;
    const cached = node.pages.get(no);
    if (cached !== undefined) cached[inPage]! ^= 1 << bit;
    return { offset: no * PAGE_BYTES + inPage, bit };
  }

  /** The process dies but the machine stays up: the page cache (every written byte) survives. */
  crash(): void {
    this.boot++;
  }

  /** @internal Counts a mutating operation and runs it, or cuts the power in its place. */
  mutate<T>(boot: number, label: string, run: () => T, tear?: (fraction: number) => void): T {
    this.check(boot, label);
    const n = ++this.opCount;
    this.trace.push({ n, label });
    if (this.trace.length > 10_000) this.trace.shift();
    const fp = this.failpoint;
    if (fp === null || fp.at !== n) return run();
    if (fp.tear === true && tear !== undefined) tear((fp.rand ?? Math.random)());
    else run();
    this.powerCut({ keepSome: fp.keepSome, rand: fp.rand });
    throw new PowerLossError(`cut at operation ${n}: ${label}`);
  }

  /** @internal Fails when `boot` is over (the process lost power or crashed). */
  check(boot: number, what: string): void {
    if (boot !== this.boot) throw new PowerLossError(what);
  }

  /** @internal Remembers an unsynced write, for a tear at the next cut. */
  noteUnsynced(file: FileNode, data: Buffer, position: number): void {
    this.lastUnsynced = { file, data: Buffer.from(data), position };
  }

  /** @internal A sync of `file` makes its last unsynced write durable. */
  noteSynced(file: FileNode): void {
    if (this.lastUnsynced?.file === file) this.lastUnsynced = null;
  }

  /** @internal The directory at `dir`, or throws ENOENT. */
  dir(dir: string, op: string): DirNode {
    let node: FileNode | DirNode = this.root;
    for (const part of path.resolve(dir).split('/').filter((p) => p !== '')) {
      const next: FileNode | DirNode | undefined = node.kind === 'dir' ? node.entries.get(part) : undefined;
      if (next === undefined) throw fsError('ENOENT', op, dir);
      node = next;
    }
    if (node.kind !== 'dir') throw fsError('ENOTDIR', op, dir);
    return node;
  }
}

function revertDir(dir: DirNode, keep: (() => boolean) | null): void {
  dir.revert(keep);
  for (const node of dir.entries.values()) {
    if (node.kind === 'dir') revertDir(node, keep);
    else node.revert(keep);
  }
}

/** One process's view of a MemoryDisk: dies with the power. */
class MountedDisk implements Disk {
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
