// The node-local history of changes, one record per revision, so that a watch can resume from a
// revision and a range can be read as of a past revision. It is bounded by revisions and by bytes:
// the batch that writes new records deletes the oldest ones beyond either bound.
// It is not replicated: a snapshot does not carry it (it would multiply the snapshot's size).
import { allocOutput, arrayHeaderBytes, binBytes, numberBytes, writeArrayHeader, writeBin, writeNumber } from '../common/msgpack-writer.js';
import { unpack } from './codec.js';
import { CompactedError, InvalidArgumentError, StateInvariantError } from './errors.js';
import { inRange, revisionOfWatchKey, watchKey } from './keys.js';
import type { Db, DbSnapshot } from './kv-records.js';
import { overlayKey } from './kv-records.js';
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

type Batch = ReturnType<Db['batch']>;
type PrevTuple = [Uint8Array, number, number, number] | null;
/** Stored event: [0 put | 1 delete, key, value, createRevision, version, prev]. */
type EventTuple = [0 | 1, Uint8Array, Uint8Array, number, number, PrevTuple];

/**
 * Write the watch records of `events` (in revision order; `state.revision` is already the last
 * one's) and drop the oldest revisions beyond `bounds`, in the same batch; updates
 * state.firstWatchRevision and `ledger` (which must describe the history before this batch).
 */
export function writeWatchRecords(batch: Batch, events: readonly WatchEvent[], state: StateRecord, bounds: WatchHistoryBounds, ledger: WatchHistorySize): void {
  let start = 0;
  while (start < events.length) {
    const revision = events[start]!.kv.modRevision;
    let end = start;
    while (end < events.length && events[end]!.kv.modRevision === revision) end++;
    const record = encodeWatchRecord(events, start, end);
    batch.put(watchKey(revision), record);
    ledger.add(revision, record.byteLength);
    start = end;
  }
  if (ledger.next !== state.revision + 1) throw new StateInvariantError(`watch history ends at ${ledger.next - 1}, not at revision ${state.revision}`);
  dropRecords(batch, state, ledger, ledger.firstKept(bounds.maxBytes, bounds.maxRevisions));
}

/**
 * Drop the history before `revision` (a compact command), in the batch that applies it and after
 * its own watch records were added: the history then starts at `revision`.
 */
export function compactWatchHistory(batch: Batch, state: StateRecord, revision: number, ledger: WatchHistorySize): void {
  dropRecords(batch, state, ledger, Math.min(revision, state.revision + 1));
}

function dropRecords(batch: Batch, state: StateRecord, ledger: WatchHistorySize, firstKept: number): void {
  for (let r = state.firstWatchRevision; r < firstKept; r++) batch.del(watchKey(r));
  ledger.dropBefore(firstKept);
  state.firstWatchRevision = Math.max(state.firstWatchRevision, firstKept);
}

/**
 * At open: count the history's records (the ledger) and drop, with one range delete, what lies
 * beyond `bounds` (left by larger settings); `trimmed` says whether `state` changed.
 */
export async function openWatchHistory(db: Db, state: StateRecord, bounds: WatchHistoryBounds): Promise<{ ledger: WatchHistorySize; trimmed: boolean }> {
  const ledger = await WatchHistorySize.load(db, state);
  const firstKept = ledger.firstKept(bounds.maxBytes, bounds.maxRevisions);
  if (firstKept === state.firstWatchRevision) return { ledger, trimmed: false };
  await db.clear({ gte: watchKey(0), lt: watchKey(firstKept) });
  ledger.dropBefore(firstKept);
  state.firstWatchRevision = firstKept;
  return { ledger, trimmed: true };
}

/**
 * Changes at revisions >= fromRevision whose key starts with `prefix`, whole revisions at a time
 * until at least `limit` events, `maxBytes` of the records holding them, or MAX_SCAN_REVISIONS
 * revisions were read. `state` must be read
 * from the same `snapshot`, so compaction cannot remove records between the check and the read.
 */
export async function readChanges(
  db: Db,
  snapshot: DbSnapshot,
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
  for await (const [k, v] of db.iterator({ gte: watchKey(fromRevision), lte: watchKey(last), snapshot })) {
    const revision = revisionOfWatchKey(k);
    if (revision !== next) throw new StateInvariantError(`watch history has a gap at revision ${next}`);
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
  if (next <= last && events.length < limit && bytes < maxBytes) throw new StateInvariantError(`watch history has a gap at revision ${next}`);
  return { events, nextRevision: next };
}

/**
 * For a read as of `revision`: the value each key of [key, rangeEnd) had then, for every key
 * changed since (null = absent). Needs revisions > `revision` to be in the history. More than
 * `maxKeys` such keys: InvalidArgumentError (a caller that must bound its memory).
 */
export async function valuesAsOf(
  db: Db,
  snapshot: DbSnapshot,
  state: StateRecord,
  revision: number,
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  maxKeys = Infinity,
): Promise<Map<string, KeyValue | null>> {
  if (revision + 1 < state.firstWatchRevision) throw new CompactedError(revision, state.firstWatchRevision - 1);
  const before = new Map<string, KeyValue | null>();
  const it = db.iterator({ gt: watchKey(revision), lte: watchKey(state.revision), snapshot });
  for await (const [k, v] of it) {
    for (const e of decodeRecord(revisionOfWatchKey(k), v)) {
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

