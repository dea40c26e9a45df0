// The node-local history of changes, one record per revision, so that a watch can resume from a
// revision and a range can be read as of a past revision. It is bounded: keeping the last N
// revisions, the record N revisions back is deleted in the same batch that writes a new one.
// It is not replicated: a snapshot does not carry it (it would multiply the snapshot's size).
import { allocOutput, arrayHeaderBytes, binBytes, numberBytes, writeArrayHeader, writeBin, writeNumber } from '../common/msgpack-writer.js';
import { unpack } from './codec.js';
import { CompactedError, InvalidArgumentError, StateInvariantError } from './errors.js';
import { inRange, revisionOfWatchKey, watchKey } from './keys.js';
import type { Db, DbSnapshot } from './kv-records.js';
import { overlayKey } from './kv-records.js';
import type { StateRecord } from './state-record.js';
import type { KeyValue, WatchEvent } from './types.js';

/** Default history length, in revisions. */
export const DEFAULT_WATCH_HISTORY_REVISIONS = 100_000;
/** Most revisions one changesSince() call reads, so a selective prefix cannot scan the history. */
export const MAX_SCAN_REVISIONS = 10_000;

type Batch = ReturnType<Db['batch']>;
type PrevTuple = [Uint8Array, number, number, number] | null;
/** Stored event: [0 put | 1 delete, key, value, createRevision, version, prev]. */
type EventTuple = [0 | 1, Uint8Array, Uint8Array, number, number, PrevTuple];

/**
 * Write the watch records of `events` (in revision order) and compact the history to the last
 * `keepRevisions` revisions; updates state.firstWatchRevision.
 */
export function writeWatchRecords(batch: Batch, events: readonly WatchEvent[], state: StateRecord, keepRevisions: number): void {
  let start = 0;
  while (start < events.length) {
    const revision = events[start]!.kv.modRevision;
    let end = start;
    while (end < events.length && events[end]!.kv.modRevision === revision) end++;
    batch.put(watchKey(revision), encodeWatchRecord(events, start, end));
    start = end;
  }
  const firstKept = Math.max(state.firstWatchRevision, state.revision - keepRevisions + 1);
  for (let r = state.firstWatchRevision; r < firstKept; r++) batch.del(watchKey(r));
  state.firstWatchRevision = firstKept;
}

/**
 * Drop the history before `revision` (a compact command), in the batch that applies it and after
 * its own watch records were added: the history then starts at `revision`.
 */
export function compactWatchHistory(batch: Batch, state: StateRecord, revision: number): void {
  const firstKept = Math.min(revision, state.revision + 1);
  for (let r = state.firstWatchRevision; r < firstKept; r++) batch.del(watchKey(r));
  state.firstWatchRevision = Math.max(state.firstWatchRevision, firstKept);
}

/** At open: drop history beyond `keepRevisions` left by a larger setting (one range delete). */
export async function trimWatchHistory(db: Db, state: StateRecord, keepRevisions: number): Promise<boolean> {
  const firstKept = Math.max(state.firstWatchRevision, state.revision - keepRevisions + 1);
  if (firstKept === state.firstWatchRevision) return false;
  await db.clear({ gte: watchKey(0), lt: watchKey(firstKept) });
  state.firstWatchRevision = firstKept;
  return true;
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

