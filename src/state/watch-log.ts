// The node-local history of changes, one record per revision, so that a watch can resume from a
// revision and a range can be read as of a past revision. It is bounded by revisions and by bytes:
// the apply that adds records drops the oldest ones beyond either bound (in the state record;
// their files go later, history-log.ts). Records are stored in segment files (history-log.ts),
// not in LevelDB; earlier versions kept them under LevelDB's 'w' prefix, which open moves over.
// It is not replicated: a snapshot does not carry it (it would multiply the snapshot's size).
import { allocOutput, arrayHeaderBytes, binBytes, numberBytes, writeArrayHeader, writeBin, writeNumber } from '../common/msgpack-writer.js';
import { unpack } from './codec.js';
import { CompactedError, InvalidArgumentError, StateInvariantError } from './errors.js';
import { HistoryLog, type HistoryRecord } from './history-log.js';
import { PREFIX_WATCH, inRange, revisionOfWatchKey, watchKey } from './keys.js';
import type { Db } from './kv-records.js';
import { overlayKey } from './kv-records.js';
import type { StateFs } from './state-fs.js';
import type { StateRecord } from './state-record.js';
import type { KeyValue, WatchEvent } from './types.js';
import { WatchHistorySize } from './watch-history-size.js';

/** Default history length, in revisions. */
export const DEFAULT_WATCH_HISTORY_REVISIONS = 100_000;
/**
 * Default bound of the history's bytes (watchRecordBytes of each record). Each record holds the
 * new values and the previous ones, so without it 100,000 revisions of 64 KiB overwrites would
 * keep 12.8 GB beside the live data.
 */
export const DEFAULT_WATCH_HISTORY_MAX_BYTES = 256 * 1024 * 1024;
/** Most revisions one changesSince() call reads, so a selective prefix cannot scan the history. */
export const MAX_SCAN_REVISIONS = 10_000;

/** How much history a node keeps: whichever bound is reached first drops the oldest revisions. */
export interface WatchHistoryBounds {
  maxRevisions: number;
  maxBytes: number;
}

type PrevTuple = [Uint8Array, number, number, number] | null;
/** Stored event: [0 put | 1 delete, key, value, createRevision, version, prev]. */
type EventTuple = [0 | 1, Uint8Array, Uint8Array, number, number, PrevTuple];

/**
 * The watch records of `events` (in revision order; `state.revision` is already the last one's),
 * to append to the history before the batch is written, and drops the oldest revisions beyond
 * `bounds` from `state` (state.firstWatchRevision) and `ledger` (which must describe the history
 * before these records).
 */
export function watchRecords(events: readonly WatchEvent[], state: StateRecord, bounds: WatchHistoryBounds, ledger: WatchHistorySize): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  let start = 0;
  while (start < events.length) {
    const revision = events[start]!.kv.modRevision;
    let end = start;
    while (end < events.length && events[end]!.kv.modRevision === revision) end++;
    const body = encodeWatchRecord(events, start, end);
    records.push({ revision, body });
    ledger.add(revision, body.byteLength);
    start = end;
  }
  if (ledger.next !== state.revision + 1) throw new StateInvariantError(`watch history ends at ${ledger.next - 1}, not at revision ${state.revision}`);
  dropRecords(state, ledger, ledger.firstKept(bounds.maxBytes, bounds.maxRevisions));
  return records;
}

/**
 * Drop the history before `revision` (a compact command), in the apply that runs it and after
 * its own watch records were added: the history then starts at `revision`.
 */
export function compactWatchHistory(state: StateRecord, revision: number, ledger: WatchHistorySize): void {
  dropRecords(state, ledger, Math.min(revision, state.revision + 1));
}

function dropRecords(state: StateRecord, ledger: WatchHistorySize, firstKept: number): void {
  ledger.dropBefore(firstKept);
  state.firstWatchRevision = Math.max(state.firstWatchRevision, firstKept);
}

/** The history of a state directory as open() finds it. */
export interface OpenedWatchHistory {
  log: HistoryLog;
  ledger: WatchHistorySize;
  /** Whether `state` changed (its firstWatchRevision): the caller writes it back. */
  trimmed: boolean;
}

/** Records moved from LevelDB per append when an older directory is opened. */
const MIGRATE_BATCH_RECORDS = 1000;

/**
 * At open: the segment files of `dir` (history-log.ts; records LevelDB still holds from an older
 * version are moved into them first), reconciled with `state`: the history is what the files hold
 * without a gap up to state.revision, and no more than `bounds` allow. Counts the ledger.
 */
export async function openWatchHistory(db: Db, fs: StateFs, dir: string, state: StateRecord, bounds: WatchHistoryBounds, segmentBytes: number): Promise<OpenedWatchHistory> {
  const { log } = await HistoryLog.open(fs, dir, state.revision, segmentBytes);
  try {
    if (await hasLegacyRecords(db)) await migrateLegacyRecords(db, log, state);
    const held = log.segmentCount > 0 ? log.firstRevision : state.revision + 1;
    const first = Math.max(held, state.firstWatchRevision);
    const ledger = WatchHistorySize.empty(first);
    for (let r = first; r <= state.revision; r++) ledger.add(r, log.bodyBytes(r));
    const firstKept = ledger.firstKept(bounds.maxBytes, bounds.maxRevisions);
    ledger.dropBefore(firstKept);
    const trimmed = firstKept !== state.firstWatchRevision;
    state.firstWatchRevision = firstKept;
    return { log, ledger, trimmed };
  } catch (err) {
    await log.close();
    throw err;
  }
}

/** Whether LevelDB holds 'w' records (written by a version that kept the history there). */
async function hasLegacyRecords(db: Db): Promise<boolean> {
  for await (const _ of db.keys({ gte: watchKey(0), lt: Buffer.from([PREFIX_WATCH + 1]), limit: 1 })) return true;
  return false;
}

/**
 * Moves LevelDB's 'w' records of [firstWatchRevision, revision] into the (emptied) segment files,
 * syncs them and only then deletes the records: a crash in between moves them again. Records
 * that do not reach the state's revision without a gap are not moved (the history restarts).
 */
async function migrateLegacyRecords(db: Db, log: HistoryLog, state: StateRecord): Promise<void> {
  await log.clear(state.firstWatchRevision);
  let next = state.firstWatchRevision;
  let records: HistoryRecord[] = [];
  let complete = state.firstWatchRevision > state.revision;
  if (!complete) {
    for await (const [k, v] of db.iterator({ gte: watchKey(state.firstWatchRevision), lte: watchKey(state.revision) })) {
      if (revisionOfWatchKey(k) !== next) break;
      records.push({ revision: next++, body: v });
      if (records.length >= MIGRATE_BATCH_RECORDS) {
        await log.append(records);
        records = [];
      }
    }
    await log.append(records);
    complete = next === state.revision + 1;
  }
  if (!complete) await log.clear(state.revision + 1);
  else await log.sync();
  await db.clear({ gte: watchKey(0), lt: Buffer.from([PREFIX_WATCH + 1]) });
}

/**
 * Changes at revisions >= fromRevision whose key starts with `prefix`, whole revisions at a time
 * until at least `limit` events, `maxBytes` of the records holding them, or MAX_SCAN_REVISIONS
 * revisions were read. `log` must be pinned before `state` was read, so that the revisions the
 * state says exist stay until the read is done.
 */
export async function readChanges(
  log: HistoryLog,
  state: StateRecord,
  fromRevision: number,
  prefix: Uint8Array | undefined,
  limit: number,
  maxBytes = Infinity,
): Promise<{ events: WatchEvent[]; nextRevision: number }> {
  if (fromRevision < state.firstWatchRevision) throw new CompactedError(fromRevision, state.firstWatchRevision);
  const events: WatchEvent[] = [];
  let bytes = 0;
  let next = fromRevision;
  const last = Math.min(state.revision, fromRevision + MAX_SCAN_REVISIONS - 1);
  if (fromRevision > last) return { events, nextRevision: fromRevision };
  for await (const { revision, body: v } of log.read(fromRevision, last)) {
    let wanted = false;
    for (const e of decodeRecord(revision, v)) {
      if (!prefix || startsWith(e.kv.key, prefix)) {
        events.push(e);
        wanted = true;
      }
    }
    // A revision's record holds its keys and values (and the previous ones): its size stands for its changes'.
    if (wanted) bytes += v.byteLength;
    next = revision + 1;
    if (events.length >= limit || bytes >= maxBytes) break;
  }
  return { events, nextRevision: next };
}

/**
 * For a read as of `revision`: the value each key of [key, rangeEnd) had then, for every key
 * changed since (null = absent). Needs revisions > `revision` to be in the history. More than
 * `maxKeys` such keys: InvalidArgumentError (a caller that must bound its memory). `log` is
 * pinned as for readChanges.
 */
export async function valuesAsOf(
  log: HistoryLog,
  state: StateRecord,
  revision: number,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  maxKeys = Infinity,
): Promise<Map<string, KeyValue | null>> {
  if (revision + 1 < state.firstWatchRevision) throw new CompactedError(revision, state.firstWatchRevision - 1);
  const before = new Map<string, KeyValue | null>();
  for await (const { revision: r, body: v } of log.read(revision + 1, state.revision)) {
    for (const e of decodeRecord(r, v)) {
      if (!inRange(e.kv.key, key, rangeEnd)) continue;
      const ok = overlayKey(e.kv.key);
      // The first change after `revision` tells what the key was at `revision`.
      if (!before.has(ok)) before.set(ok, e.prevKv);
    }
    if (before.size > maxKeys) {
      throw new InvalidArgumentError('revision', `more than ${maxKeys} keys changed since revision ${revision}; read a more recent revision`);
    }
  }
  return before;
}

/**
 * The watch record of events[start, end) (one revision's changes, in apply order): msgpack of
 * their EventTuples, framed here without building the tuples (the bytes msgpackr gives them,
 * test/state/encodings.test.ts), into a buffer of the exact size.
 */
export function encodeWatchRecord(events: readonly WatchEvent[], start: number, end: number): Buffer {
  let total = arrayHeaderBytes(end - start);
  for (let i = start; i < end; i++) total += eventBytes(events[i]!);
  const buf = allocOutput(total);
  let pos = writeArrayHeader(buf, 0, end - start);
  for (let i = start; i < end; i++) pos = writeEvent(buf, pos, events[i]!);
  if (pos !== total) throw new StateInvariantError(`watch record sized ${total} bytes, wrote ${pos}`);
  return buf;
}

/** Bytes of one event's EventTuple: fixarray(6), type, key, value, createRevision, version, prev. */
function eventBytes(e: WatchEvent): number {
  const kv = e.kv;
  const p = e.prevKv;
  const prev = p ? 1 + binBytes(p.value) + numberBytes(p.createRevision) + numberBytes(p.modRevision) + numberBytes(p.version) : 1;
  return 2 + binBytes(kv.key) + binBytes(kv.value) + numberBytes(kv.createRevision) + numberBytes(kv.version) + prev;
}

function writeEvent(buf: Buffer, pos: number, e: WatchEvent): number {
  const kv = e.kv;
  const p = e.prevKv;
  buf[pos++] = 0x96;
  buf[pos++] = e.type === 'put' ? 0 : 1;
  pos = writeBin(buf, pos, kv.key);
  pos = writeBin(buf, pos, kv.value);
  pos = writeNumber(buf, pos, kv.createRevision);
  pos = writeNumber(buf, pos, kv.version);
  if (!p) {
    buf[pos] = 0xc0; // nil
    return pos + 1;
  }
  buf[pos++] = 0x94;
  pos = writeBin(buf, pos, p.value);
  pos = writeNumber(buf, pos, p.createRevision);
  pos = writeNumber(buf, pos, p.modRevision);
  return writeNumber(buf, pos, p.version);
}

function decodeRecord(revision: number, bytes: Uint8Array): WatchEvent[] {
  const tuples = unpack(bytes);
  if (!Array.isArray(tuples)) throw new StateInvariantError(`corrupt watch record at revision ${revision}`);
  // A record holds its revision's changes in apply order, so a change's index is its position.
  return (tuples as EventTuple[]).map(([type, key, value, createRevision, version, p], index) => ({
    type: type === 0 ? 'put' : 'delete',
    kv: { key, value, createRevision, modRevision: revision, version },
    prevKv: p ? { key, value: p[0], createRevision: p[1], modRevision: p[2], version: p[3] } : null,
    index,
  }));
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  return key.length >= prefix.length && Buffer.compare(key.subarray(0, prefix.length), prefix) === 0;
}

