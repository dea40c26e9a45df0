// Opening a WAL directory: read the state file, scan the segments, and reconcile the two
// (a snapshot install interrupted by a crash, a commit index ahead of the surviving log).
import type { Disk } from '../disk/disk.js';
import type { HardState, SnapshotMeta } from '../raft/types.js';
import { EntryCache } from './cache.js';
import { DiskLog } from './disk-log.js';
import { WalCorruptionError } from './errors.js';
import { StateFile } from './hard-state.js';
import { scanLog, type WalRepair } from './recovery.js';
import { removeSegmentFile } from './segment.js';
import { TermIndex } from './term-index.js';

/** Everything a Wal starts from. */
export interface LoadedLog {
  disk: DiskLog;
  terms: TermIndex;
  cache: EntryCache;
  firstIndex: number;
  lastIndex: number;
  /** Term of entry firstIndex - 1 (the snapshot's term, or 0 for an empty log). */
  prevTerm: number;
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  repairs: WalRepair[];
}

/** Recovers the log in `dir`; with `repair`, damage is cut instead of refused. */
export async function loadLog(disk: Disk, dir: string, segmentBytes: number, cacheBytes: number, repair: boolean): Promise<LoadedLog> {
  await disk.mkdirp(dir);
  const opened = await StateFile.open(disk, dir);
  try {
    return await loadSegments(disk, dir, segmentBytes, cacheBytes, repair, opened);
  } catch (err) {
    await opened.file.close();
    throw err;
  }
}

async function loadSegments(
  disk: Disk,
  dir: string,
  segmentBytes: number,
  cacheBytes: number,
  repair: boolean,
  { file: stateFile, state, repairs }: Awaited<ReturnType<typeof StateFile.open>>,
): Promise<LoadedLog> {
  const terms = new TermIndex();
  const cache = new EntryCache(1);
  const scan = await scanLog(
    disk,
    dir,
    (e, seg, offset) => {
      try {
        terms.push(e.index, e.term);
      } catch (err) {
        throw new WalCorruptionError(seg.path, offset, (err as Error).message);
      }
      if (cache.length === 0) cache.reset(e.index);
      cache.push(e);
      cache.evict(e.index, cacheBytes); // everything read back from disk is durable
    },
    repair,
  );
  repairs.push(...scan.repairs);
  const snap = state.snapshot;
  const segments = scan.segments;
  const hardState = { ...state.hardState };
  let log: DiskLog;
  let first: number;
  let last: number;
  let prevTerm: number;
  if (segments.length > 0 && logMatchesSnapshot(segments[0]!.path, segments, terms, snap, repair)) {
    log = await DiskLog.open(disk, dir, segmentBytes, segments, stateFile);
    first = segments[0]!.firstIndex;
    last = segments[segments.length - 1]!.lastIndex;
    prevTerm = segments[0]!.header.prevTerm;
  } else {
    if (segments.length > 0) {
      const reason = `log does not contain snapshot ${snap?.index}/${snap?.term}: completing an interrupted snapshot install`;
      for (let i = segments.length - 1; i >= 0; i--) {
        await removeSegmentFile(disk, segments[i]!.path);
        repairs.push({ file: segments[i]!.path, offset: 0, action: 'deleted', reason, droppedBytes: segments[i]!.sizeBytes });
      }
    }
    first = snap === null ? 1 : snap.index + 1;
    last = first - 1;
    prevTerm = snap === null ? 0 : snap.term;
    terms.clear();
    log = await DiskLog.create(disk, dir, segmentBytes, first, prevTerm, stateFile);
  }
  if (cache.length === 0) cache.reset(last + 1);
  const maxCommit = Math.max(last, snap?.index ?? 0);
  if (hardState.commit > maxCommit) {
    // The state file and the log are synced in parallel, so a crash can keep a commit index whose
    // entries did not reach disk. Nothing past the log was applied (apply waits for durability).
    const reason = `commit ${hardState.commit} is past the log's end; lowered to ${maxCommit}`;
    repairs.push({ file: stateFile.path, offset: 0, action: 'adjusted', reason, droppedBytes: 0 });
    hardState.commit = maxCommit;
  }
  return { disk: log, terms, cache, firstIndex: first, lastIndex: last, prevTerm, hardState, snapshot: snap, repairs };
}

/**
 * Whether the segments found can follow the snapshot. False means the log must be replaced by an
 * empty one after the snapshot (a crash interrupted exactly that). A log that starts after the
 * snapshot's end has lost segments: corruption.
 */
function logMatchesSnapshot(
  firstPath: string,
  segments: { firstIndex: number; lastIndex: number; header: { prevTerm: number } }[],
  terms: TermIndex,
  snap: SnapshotMeta | null,
  repair: boolean,
): boolean {
  const first = segments[0]!.firstIndex;
  const last = segments[segments.length - 1]!.lastIndex;
  const floor = snap === null ? 0 : snap.index;
  if (first - 1 > floor) {
    if (repair && snap !== null) return false;
    throw new WalCorruptionError(firstPath, 0, `log starts at index ${first} but the snapshot covers only up to ${floor}`);
  }
  if (snap === null) return true;
  if (snap.index > last) return false;
  const term = snap.index === first - 1 ? segments[0]!.header.prevTerm : terms.termAt(snap.index);
  return term === snap.term;
}
