// The state layer's storage port: how it opens a LevelDB directory (`openDb`) and the few file
// system operations it does around them (snapshot staging, the crash-safe install swap of
// swap.ts, the watch history's append-only segment files of history-log.ts). A node gets the real ones (LevelDB through `level`, node:fs); the whole-node
// simulation gives twins (test/sim-node/sim-fs.ts) whose renames and removals are durable only
// once the directory holding them is synced, as here.
import { writevSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Level } from 'level';
import type { Db } from './kv-records.js';

/** How a LevelDB directory is opened: its two memory bounds. */
export interface LevelTuning {
  /** LevelDB's table cache (maxOpenFiles): table files kept open and memory-mapped. */
  maxOpenFiles: number;
  /** LevelDB's memtable (writeBufferSize): bytes written before they are flushed into a table. */
  writeBufferBytes: number;
  /**
   * Snappy compression of table blocks (LevelDB's default, on). Off saves the CPU of compressing
   * and decompressing every block a flush or compaction writes or reads, for disk (docs/state.md).
   * Either way LevelDB reads tables written the other way.
   */
  compression: boolean;
}

/** Opens (creating if needed) the database in `dir`; the caller awaits its open(). */
export type OpenDb = (dir: string, tuning: LevelTuning) => Db;

/** The directory operations the state layer does besides LevelDB's own. */
export interface StateFs {
  /** mkdir -p. */
  mkdir(dir: string): Promise<void>;
  /** rm -rf: nothing to remove is no error. */
  rm(path: string): Promise<void>;
  /** rename(2): atomic, replaces an empty directory or a file at `to`. */
  rename(from: string, to: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** A new file holding `text` (not synced). */
  writeFile(path: string, text: string): Promise<void>;
  /** The names in a directory. */
  readdir(dir: string): Promise<string[]>;
  /** fsync a file or a directory (a directory's: its names, so a rename or creation survives power loss). */
  sync(path: string): Promise<void>;
  /**
   * Opens a file for appending and reading, creating it (empty) if it does not exist. Its
   * creation is durable once its directory is synced, its contents once it is (AppendFile.sync).
   */
  openAppendFile(path: string): Promise<AppendFile>;
}

/** An open append-only file: writes go to its end; reads at any offset. */
export interface AppendFile {
  /** Its length: as found at open, plus what was appended since, less what truncate() cut. */
  readonly size: number;
  /** Appends the chunks, in order, in one write (an error may leave a prefix of them). */
  append(chunks: readonly Uint8Array[]): Promise<void>;
  /** Bytes [offset, offset + length), fewer only where the file ends. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Cuts the file to `length` bytes (a torn or unwanted tail). */
  truncate(length: number): Promise<void>;
  /** fsync: what was appended so far survives a power cut. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The real file system. */
export const nodeStateFs: StateFs = {
  mkdir: async (dir) => {
    await mkdir(dir, { recursive: true });
  },
  rm: (path) => rm(path, { recursive: true, force: true }),
  rename: (from, to) => rename(from, to),
  exists: async (path) => {
    try {
      await stat(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  },
  writeFile: (path, text) => writeFile(path, text),
  readdir: (dir) => readdir(dir),
  sync: async (path) => {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  openAppendFile: async (path) => {
    const fh = await open(path, 'a+');
    try {
      return new NodeAppendFile(fh, (await fh.stat()).size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  },
};

/** Appends of at most this many bytes are written on the calling thread (NodeAppendFile.append). */
export const INLINE_APPEND_BYTES = 64 * 1024;

/** An AppendFile on node:fs, opened O_APPEND: every write lands at the end whatever its position. */
class NodeAppendFile implements AppendFile {
  constructor(
    private readonly fh: FileHandle,
    private length: number,
  ) {}

  get size(): number {
    return this.length;
  }

  async append(chunks: readonly Uint8Array[]): Promise<void> {
    let total = 0;
    for (const c of chunks) total += c.byteLength;
    // Small appends are written on the calling thread: an unsynced write only copies into the
    // page cache, and a trip through the thread pool costs more than the copy (this host, 2026-12-07:
    // 22 records of 300 B, 91 µs of CPU through FileHandle.writev against 14 µs with writevSync;
    // one record, 77 against 4 µs). Large ones still go to the pool, so the loop never copies
    // more than INLINE_APPEND_BYTES in one call.
    const bytesWritten = total <= INLINE_APPEND_BYTES ? writevSync(this.fh.fd, chunks as Uint8Array[]) : (await this.fh.writev(chunks as Uint8Array[])).bytesWritten;
    this.length += bytesWritten;
    // A regular file takes a whole write unless the disk is full; a short one is an error here.
    if (bytesWritten !== total) throw Object.assign(new Error(`short write: ${bytesWritten} of ${total} bytes`), { code: 'ENOSPC' });
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this.length - offset));
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  async truncate(length: number): Promise<void> {
    await this.fh.truncate(length);
    this.length = Math.min(this.length, length);
  }

  sync(): Promise<void> {
    return this.fh.datasync();
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** LevelDB through `level`, with buffers for keys and values. */
export const levelOpenDb: OpenDb = (dir, tuning) =>
  new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', maxOpenFiles: tuning.maxOpenFiles, writeBufferSize: tuning.writeBufferBytes, compression: tuning.compression });

/** Where the state layer keeps its databases: the database opener and the file system around it. */
export interface StateStorage {
  openDb: OpenDb;
  fs: StateFs;
}
