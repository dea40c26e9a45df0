// What a state machine reads from its database when it opens it, at start and again after every
// snapshot install swapped a new directory in: the applied-state record, the watch history's files
// and byte ledger (trimmed to the current bounds), the exactly-once table, the auth records and
// the alarms.
import { ALARMS_META, AlarmTable } from './alarms.js';
import type { AuthStore } from './auth-store.js';
import { DedupeTable, type DedupeOptions } from './dedupe.js';
import { PREFIX_META, STATE_KEY, prefixed } from './keys.js';
import type { Db } from './kv-records.js';
import type { LevelTuning, StateFs, StateStorage } from './state-fs.js';
import { type StateRecord, encodeState, readState } from './state-record.js';
import { recoverSwap } from './swap.js';
import type { HistoryLog } from './history-log.js';
import type { WatchHistorySize } from './watch-history-size.js';
import { openWatchHistory, type WatchHistoryBounds } from './watch-log.js';

/** The in-memory state loaded from an open database. */
export interface LoadedState {
  state: StateRecord;
  /** The size of each record of the watch history. */
  history: WatchHistorySize;
  /** The watch history's segment files. */
  historyLog: HistoryLog;
  dedupe: DedupeTable;
  alarmTable: AlarmTable;
}

/**
 * Finishes a restore or install that a crash interrupted (swap.ts), then makes the database of
 * `dir`; the caller keeps it before opening it, so that close() reaches it even if loading fails.
 */
export async function makeStateDb(dir: string, storage: StateStorage, tuning: LevelTuning): Promise<Db> {
  await recoverSwap(dir, storage.fs);
  return storage.openDb(dir, tuning);
}

/** Where the watch history of a state directory is and how it is cut into files. */
export interface HistoryPlace {
  fs: StateFs;
  dir: string;
  bounds: WatchHistoryBounds;
  segmentBytes: number;
}

/** Opens `db` and loads what the state machine keeps in memory; `auth` is loaded in place. */
export async function loadState(db: Db, history: HistoryPlace, dedupeOptions: DedupeOptions, auth: AuthStore): Promise<LoadedState> {
  await db.open();
  const state = await readState(db);
  const opened = await openWatchHistory(db, history.fs, history.dir, state, history.bounds, history.segmentBytes);
  try {
    if (opened.trimmed) await db.put(STATE_KEY, encodeState(state));
    // Segments the trim dropped go now (nobody reads yet).
    opened.log.release(state.firstWatchRevision);
    const dedupe = await DedupeTable.load(db, dedupeOptions);
    await auth.load(db);
    const alarmTable = AlarmTable.decode(await db.get(prefixed(PREFIX_META, Buffer.from(ALARMS_META, 'utf8'))));
    return { state, history: opened.ledger, historyLog: opened.log, dedupe, alarmTable };
  } catch (err) {
    await opened.log.close();
    throw err;
  }
}
