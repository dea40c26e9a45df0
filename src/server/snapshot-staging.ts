// Snapshots received from the leader are built here, on disk, into a LevelDB directory of their
// own and verified as a whole (checksum, size, record count, index and term) before the message
// reaches the Raft core. The install the core then orders is a rename of a verified directory:
// it cannot fail for anything the leader sent, so a bad or cut-off transfer is refused (the
// leader retries later) and never stops the node.
import { join } from 'node:path';
import type { SnapshotMeta } from '../raft/index.js';
import { type SnapshotInfo, SnapshotError, type StateStorage, levelOpenDb, nodeStateFs, writeSnapshotDir } from '../state/index.js';

/** A verified snapshot directory waiting for the core's order to install it. */
export interface PreparedSnapshot {
  dir: string;
  info: SnapshotInfo;
}

/** Transfers received at once. A second one (another leader's, a retry racing the first) is refused. */
const MAX_RECEIVING = 1;

/** How received snapshots are built. */
export interface SnapshotStagingOptions {
  /** Largest snapshot accepted from a peer (default: the state layer's MAX_SNAPSHOT_BYTES). */
  maxBytes?: number;
  /** Where the directories are built: the state machine's storage (installs rename them into it). */
  storage?: StateStorage;
  /**
   * LevelDB's memtable while a directory is built (default: the state layer's default). The
   * node passes its --state-write-buffer-bytes, so an install costs no more memory than applying.
   */
  writeBufferBytes?: number;
  /** Snappy compression of the directory's tables (default: on); the node passes --state-compression. */
  compression?: boolean;
}

/** Builds received snapshots into `dir/incoming-<index>-<n>` and keeps them until taken. */
export class SnapshotStaging {
  private readonly prepared = new Map<number, PreparedSnapshot>();
  private receiving = 0;
  private seq = 0;
  private readonly storage: StateStorage;

  constructor(
    private readonly dir: string,
    private readonly options: SnapshotStagingOptions = {},
  ) {
    this.storage = options.storage ?? { openDb: levelOpenDb, fs: nodeStateFs };
  }

  /**
   * Writes and verifies the snapshot `meta` describes. Throws (and leaves nothing behind) when
   * the stream is malformed, cut short, fails its checksum, or holds another index or term.
   */
  async receive(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<SnapshotInfo> {
    if (this.receiving >= MAX_RECEIVING) throw new SnapshotError(`another snapshot is being received; refusing the one at index ${meta.index}`);
    this.receiving++;
    try {
      await this.storage.fs.mkdir(this.dir);
      const dir = join(this.dir, `incoming-${meta.index}-${++this.seq}`);
      const { maxBytes, writeBufferBytes, compression } = this.options;
      const info = await writeSnapshotDir(chunks, dir, {
        storage: this.storage,
        ...(maxBytes === undefined ? {} : { maxBytes }),
        ...(writeBufferBytes === undefined ? {} : { writeBufferBytes }),
        ...(compression === undefined ? {} : { compression }),
      });
      if (info.appliedIndex !== meta.index || info.appliedTerm !== meta.term) {
        await this.storage.fs.rm(dir);
        throw new SnapshotError(`snapshot data is at index ${info.appliedIndex} term ${info.appliedTerm}, its message says index ${meta.index} term ${meta.term}`);
      }
      const old = this.prepared.get(meta.index);
      this.prepared.set(meta.index, { dir, info });
      if (old) await this.storage.fs.rm(old.dir);
      return info;
    } finally {
      this.receiving--;
    }
  }

  /** Whether a verified snapshot at `index` is waiting. */
  has(index: number): boolean {
    return this.prepared.has(index);
  }

  /**
   * Hands over the verified snapshot at `index` (the caller moves its directory away) and removes
   * every older one: the core installs snapshots in increasing order only.
   */
  async take(index: number): Promise<PreparedSnapshot> {
    const p = this.prepared.get(index);
    if (!p) throw new Error(`no verified snapshot at index ${index} is staged`);
    this.prepared.delete(index);
    for (const older of [...this.prepared.keys()].filter((i) => i < index)) await this.discard(older);
    return p;
  }

  /** Removes the snapshot at `index` (the core did not want it). */
  async discard(index: number): Promise<void> {
    const p = this.prepared.get(index);
    if (!p) return;
    this.prepared.delete(index);
    await this.storage.fs.rm(p.dir);
  }

  /** Drops everything staged (startup cleanup). */
  async clear(): Promise<void> {
    this.prepared.clear();
    await this.storage.fs.rm(this.dir);
  }
}
