// What the state machine's LevelDB directory takes, as the storage quota counts it (quota.ts): the
// table files of LevelDB's current version, with the sizes LevelDB recorded for them (one cheap,
// consistent read of its `leveldb.sstables` property), plus every other file of the directory
// (LevelDB's log, manifest, CURRENT, LOG), stat'ed.
//
// Not counted: table files the current version no longer holds. A compaction (a defragment above
// all) writes its new tables before deleting the old ones; LevelDB keeps the old ones while an
// iterator begun before reads them (a snapshot being sent to a follower, a backup, a HashKV), and
// then until its next compaction. Counting them made a defragment of a member near its quota look
// like growth past it (as etcd, whose backend size does not count the file a defragment writes).
// They are reported as `obsoleteBytes`, for the quota to have LevelDB delete them.
//
// A binding without the property: every table file counts, stat'ed until two measurements saw the
// same size (a table never changes once LevelDB finished writing it; one being written grows).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Table files: immutable once written. */
const TABLE_FILE = /^(\d+)\.(ldb|sst)$/;

/** One measurement of the directory. */
export interface BackendMeasurement {
  /** What the quota counts: the current version's tables and every other file. */
  bytes: number;
  /** Table files on disk that the current version no longer holds. */
  obsoleteBytes: number;
}

/** The live tables of LevelDB's current version: file number → bytes (null: the binding cannot tell). */
export type LiveTables = () => ReadonlyMap<number, number> | null;

/** Measures one LevelDB directory for the storage quota. */
export class BackendSizer {
  /** Table file sizes from stat: `settled` once two measurements saw the same (no longer stat'ed then). */
  private readonly tables = new Map<string, { bytes: number; settled: boolean }>();

  constructor(
    private readonly dir: string,
    private readonly liveTables: LiveTables,
  ) {}

  /** The directory was replaced (a snapshot restored): every file is new. */
  forget(): void {
    this.tables.clear();
  }

  /** Lists and sizes the directory (throws if it cannot be read). */
  async measure(): Promise<BackendMeasurement> {
    // Before the listing: a table the listing shows that this version lacks is newer (a
    // compaction's output, not installed yet) or older (replaced): either way not counted yet.
    const live = this.liveTables();
    const names = await readdir(this.dir);
    const present = new Set(names);
    for (const name of this.tables.keys()) if (!present.has(name)) this.tables.delete(name);
    let bytes = 0;
    let obsoleteBytes = 0;
    if (live) for (const size of live.values()) bytes += size;
    for (const name of names) {
      const table = TABLE_FILE.exec(name);
      if (table && live) {
        if (!live.has(Number(table[1]))) obsoleteBytes += (await this.tableBytes(name)) ?? 0;
        continue;
      }
      const size = table ? await this.tableBytes(name) : await this.fileBytes(name);
      bytes += size ?? 0;
    }
    return { bytes, obsoleteBytes };
  }

  private async tableBytes(name: string): Promise<number | null> {
    const known = this.tables.get(name);
    if (known?.settled) return known.bytes;
    const size = await this.fileBytes(name);
    if (size !== null) this.tables.set(name, { bytes: size, settled: known?.bytes === size });
    return size;
  }

  /** A file's length; null if it vanished since the listing (LevelDB deletes obsolete ones). */
  private fileBytes(name: string): Promise<number | null> {
    return stat(join(this.dir, name)).then(
      (s) => (s.isFile() ? s.size : 0),
      () => null,
    );
  }
}
