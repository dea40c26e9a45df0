// The writes of one apply() call before they reach LevelDB. Commands in the same batch must see
// each other's effects, but nothing may be written until the whole batch is written at once, so
// reads go through this overlay first. A txn that fails midway rolls back to a mark.
import type { KvCache } from './kv-cache.js';
import { PREFIX_KV, prefixed } from './keys.js';
import { type Db, decodeKv, encodeKv, mergedRange, overlayKey } from './kv-records.js';
import type { KeyValue, WatchEvent } from './types.js';

/** Overlay state of one key before a change; undefined = the key was not in the overlay. */
type UndoRecord = { key: string; before: KeyValue | null | undefined };

/** The pending kv writes, meta writes and watch events of one apply() call. */
export class PendingBatch {
  /** Latest pending value per key (null = deleted), in first-touch order. */
  readonly kvs = new Map<string, KeyValue | null>();
  /** Pending setMeta records: name → encoded value. */
  readonly meta = new Map<string, Buffer>();
  /** Every change in apply order; each event's kv.modRevision is its revision. */
  readonly events: WatchEvent[] = [];
  /** Where the watch history starts once the batch is written: raised by compact commands. */
  compactTo = 0;
  private readonly undo: UndoRecord[] = [];
  /** events.length when the current command started (a command is one revision). */
  private commandStart = 0;

  constructor(
    private readonly db: Db,
    /** The store revision including the commands applied so far in this batch. */
    public revision: number,
    private readonly cache: KvCache,
  ) {}

  /** The current value of a key: pending overlay first, then the cache, then LevelDB. */
  get(key: Uint8Array): KeyValue | null {
    const k = overlayKey(key);
    const pending = this.kvs.get(k);
    if (pending !== undefined) return pending;
    const cached = this.cache.get(k);
    if (cached !== undefined) return cached;
    // getSync: a point read on the hot path; avoids a promise per key and LevelDB's block cache
    // makes it short. The batch is not written yet, so no concurrent write can race it, and
    // what it returns is the applied state: safe to cache.
    const stored = this.db.getSync(prefixed(PREFIX_KV, key));
    const kv = stored === undefined ? null : decodeKv(key, stored);
    this.cache.set(k, kv);
    return kv;
  }

  /** Up to `limit` kvs of [key, rangeEnd) as the batch sees them. */
  range(key: Uint8Array, rangeEnd: Uint8Array | undefined, limit: number): Promise<{ kvs: KeyValue[]; more: boolean }> {
    return mergedRange(this.db, key, rangeEnd, this.kvs, limit);
  }

  /** Record a put (kv) or delete (null) of `key` and its watch event. */
  set(key: Uint8Array, kv: KeyValue | null, event: WatchEvent): void {
    const k = overlayKey(key);
    this.undo.push({ key: k, before: this.kvs.get(k) });
    this.kvs.set(k, kv);
    this.events.push(event);
  }

  /** Starts a command; returns the point to roll back to, valid until the next command starts. */
  mark(): number {
    this.undo.length = 0;
    this.commandStart = this.events.length;
    return this.events.length;
  }

  /** The index the next change of the current command gets among its revision's changes. */
  nextIndexInRevision(): number {
    return this.events.length - this.commandStart;
  }

  /** Undo every set() since mark() (a txn that turned out too large). */
  rollback(eventsMark: number): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const u = this.undo[i]!;
      if (u.before === undefined) this.kvs.delete(u.key);
      else this.kvs.set(u.key, u.before);
    }
    this.undo.length = 0;
    this.events.length = eventsMark;
  }

  /** Add the pending kv records to a LevelDB chained batch. */
  flushKvs(batch: ReturnType<Db['batch']>): void {
    for (const [k, kv] of this.kvs) {
      const dbKey = prefixed(PREFIX_KV, Buffer.from(k, 'latin1'));
      if (kv) batch.put(dbKey, encodeKv(kv));
      else batch.del(dbKey);
    }
  }
}
