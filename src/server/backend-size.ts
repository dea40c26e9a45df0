// What the state machine's LevelDB directory takes, as the storage quota counts it (quota.ts):
// its table files, but no more than the tables of LevelDB's current version take (LevelDB's
// `leveldb.stats` property: a few hundred characters, each level's size to the MiB), plus every
// other file (LevelDB's log, manifest, CURRENT, LOG). Files are stat'ed; a table never changes
// once LevelDB finished writing it, so its size is trusted, and no longer stat'ed, once it was
// last modified SETTLED_MS ago (one being written grows meanwhile).
//
// The cap leaves out the tables the current version no longer holds. A compaction (a defragment
// above all) writes its new tables before deleting the old ones; LevelDB keeps the old ones while
// an iterator begun before reads them (a snapshot being sent to a follower, a backup, a HashKV),
// and then until its next compaction. Counting them made a defragment of a member near its quota
// look like growth past it (etcd's backend size does not count the file its defragment writes
// either). They are reported as `obsoleteBytes`, for the quota to have LevelDB delete them.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LiveTableBytes } from '../state/index.js';

/** Table files: immutable once written. */
const TABLE_FILE = /\.(ldb|sst)$/;
/** A table file modified this long ago is finished (LevelDB writes one in well under a second). */
const SETTLED_MS = 10_000;

/** One measurement of the directory. */
export interface BackendMeasurement {
  /** What the quota counts: the current version's tables and every other file. */
  bytes: number;
  /** Table files on disk beyond what the current version holds. */
  obsoleteBytes: number;
}

/** The bytes of LevelDB's current tables (null: the binding cannot tell; then every table counts). */
export type LiveTables = () => LiveTableBytes | null;

/** Measures one LevelDB directory for the storage quota. */
export class BackendSizer {
  /** Finished table files' sizes (see SETTLED_MS). */
  private readonly tables = new Map<string, number>();

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
    const names = await readdir(this.dir);
    const present = new Set(names);
    for (const name of this.tables.keys()) if (!present.has(name)) this.tables.delete(name);
    let tableBytes = 0;
    let otherBytes = 0;
    for (const name of names) {
      if (TABLE_FILE.test(name)) tableBytes += (await this.tableBytes(name)) ?? 0;
      else otherBytes += (await this.fileBytes(name)) ?? 0;
    }
    // A compaction that installed its tables during the listing: the cap leaves out the ones
    // that LevelDB's version, old or new, does not hold (its inputs, or its output).
    const live = this.liveTables();
    const obsoleteBytes = live ? Math.max(0, tableBytes - (live.bytes + live.errorBytes)) : 0;
    return { bytes: tableBytes - obsoleteBytes + otherBytes, obsoleteBytes };
  }

  private async tableBytes(name: string): Promise<number | null> {
    const known = this.tables.get(name);
    if (known !== undefined) return known;
    const s = await this.fileStat(name);
    if (s && s.mtimeMs <= Date.now() - SETTLED_MS) this.tables.set(name, s.bytes);
    return s?.bytes ?? null;
  }

  private async fileBytes(name: string): Promise<number | null> {
    return (await this.fileStat(name))?.bytes ?? null;
  }

  /** A file's length and last change; null if it vanished since the listing (LevelDB deletes obsolete ones). */
  private fileStat(name: string): Promise<{ bytes: number; mtimeMs: number } | null> {
    return stat(join(this.dir, name)).then(
      (s) => ({ bytes: s.isFile() ? s.size : 0, mtimeMs: s.mtimeMs }),
      () => null,
    );
  }
}
