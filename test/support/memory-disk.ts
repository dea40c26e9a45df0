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
//
// The files and directories with their two images are in memory-disk-nodes.ts; the Disk a process
// is handed (`mount()`) and its open files, in memory-disk-mount.ts.
import path from 'node:path';
import type { Disk } from '../../src/disk/disk.js';
import { MountedDisk } from './memory-disk-mount.js';
import { DirNode, fsError, PAGE_BYTES, revertDir, type FileNode } from './memory-disk-nodes.js';

/** Raised by every call to a mount that lost power (or whose process crashed). */
export class PowerLossError extends Error {
  readonly code = 'EIO';
  constructor(what: string) {
    super(`EIO: the disk lost power (${what})`);
  }
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
