// The state layer's storage port: how it opens a LevelDB directory (`openDb`) and the few file
// system operations it does around them (snapshot staging, the crash-safe install swap of
// swap.ts). A node gets the real ones (LevelDB through `level`, node:fs); the whole-node
// simulation gives twins (test/sim-node/sim-fs.ts) whose renames and removals are durable only
// once the directory holding them is synced, as here.
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
};

/** LevelDB through `level`, with buffers for keys and values. */
export const levelOpenDb: OpenDb = (dir, tuning) =>
  new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', maxOpenFiles: tuning.maxOpenFiles, writeBufferSize: tuning.writeBufferBytes, compression: tuning.compression });

/** Where the state layer keeps its databases: the database opener and the file system around it. */
export interface StateStorage {
  openDb: OpenDb;
  fs: StateFs;
}
