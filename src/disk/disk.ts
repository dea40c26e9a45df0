// The file-system seam under the WAL: the few operations it needs, named for what they promise.
//
// Production uses nodeDisk (node-disk.ts, plain node:fs). Tests plug in an in-memory disk that
// keeps written data in a volatile cache until it is synced and can lose power
// (test/support/memory-disk.ts), which is how the WAL's sync calls are checked: a process kill
// keeps the page cache, a power cut does not.
//
// What a caller may rely on, and no more (what Linux/ext4 guarantee):
// - A write on a file opened with `dsync` is durable when it returns, with the file size it needs.
// - datasync() makes the file's written data and size durable; sync() also its other metadata.
// - truncate() (shrinking or extending, sparse: reads as zeros) is durable only after a sync.
// - A created, renamed or unlinked name is durable only after syncDir() of its directory.
// - Anything not yet durable may reach the disk before a crash or not, in any order.

/** How to open a file. */
export interface OpenMode {
  /** Open for writing too (else read only). */
  write?: boolean;
  /** Create the file if absent. */
  create?: boolean;
  /** Cut an existing file to zero length. */
  truncate?: boolean;
  /** O_DSYNC: every write is durable (data and the size it needs) when it returns. */
  dsync?: boolean;
}

/** One open file. Positions and lengths are in bytes. */
export interface DiskFile {
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; returns how many were read. */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes `length` bytes of `buf` from `offset` at `position`, on the thread pool; returns bytes written. */
  write(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes `bufs` back to back at `position` in one call, on the thread pool; returns bytes written. */
  writev(bufs: readonly Buffer[], position: number): Promise<number>;
  /** write() on the calling thread: blocks the event loop for the write (and its sync, with dsync). */
  writeSync(buf: Buffer, offset: number, length: number, position: number): number;
  /** writev() on the calling thread. */
  writevSync(bufs: readonly Buffer[], position: number): number;
  /** Sets the file's size: cuts, or extends with zeros (sparse). Durable after a sync. */
  truncate(sizeBytes: number): Promise<void>;
  /** fdatasync: the file's data and size are durable on return. */
  datasync(): Promise<void>;
  /** fsync: as datasync, plus the rest of the file's metadata. */
  sync(): Promise<void>;
  /** The file's current size. */
  sizeBytes(): Promise<number>;
  /** Closes the file (does not sync it). */
  close(): Promise<void>;
}

/** The file-system operations the WAL uses. Paths are absolute or relative to the process. */
export interface Disk {
  /** Opens `file`; rejects with an ENOENT error (`code: 'ENOENT'`) if absent and not `create`. */
  open(file: string, mode: OpenMode): Promise<DiskFile>;
  /** The whole content of `file`. */
  readFile(file: string): Promise<Buffer>;
  /** Names in `dir` (unsorted). */
  readdir(dir: string): Promise<string[]>;
  /** Size of `file` in bytes. */
  sizeBytes(file: string): Promise<number>;
  /** Removes the name `file` (durable after syncDir of its directory). */
  unlink(file: string): Promise<void>;
  /** Atomically renames `from` to `to`, replacing `to` (durable after syncDir). */
  rename(from: string, to: string): Promise<void>;
  /** Creates `dir` and missing parents (each new name durable after syncDir of its parent). */
  mkdirp(dir: string): Promise<void>;
  /** Makes the names created, renamed or removed in `dir` durable (fsync of the directory). */
  syncDir(dir: string): Promise<void>;
}
