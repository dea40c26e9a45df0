// Conversions between the client's KV arguments and results and the wire messages.
import { type Bytes, toBuffer } from './bytes.js';
import { invalidArgument } from './errors.js';
import { type CommitMode, type Consistency, KeyValue, type ResponseHeader, header, keyValue, wireCommitMode, wireConsistency } from './types.js';
import type {
  WireDeleteRequest,
  WireDeleteResponse,
  WireGetResponse,
  WirePutRequest,
  WirePutResponse,
  WireRangeRequest,
  WireRangeResponse,
  WireRequestId,
} from './wire.js';

/** Keys: one `key`, the range [key, rangeEnd), or every key starting with `key` (`prefix`). */
export interface KeySelector {
  key: Bytes;
  /** Exclusive end; "\0" means every key >= key. */
  rangeEnd?: Bytes;
  /** Every key starting with `key`. */
  prefix?: boolean;
}

/** Options every call accepts. */
export interface CallOptions {
  /** Total time for this call, retries included (defaults to the client's timeoutMs). */
  timeoutMs?: number;
}

/** Options of a write. */
export interface WriteOptions extends CallOptions {
  commitMode?: CommitMode;
}

/** Options of a read. */
export interface ReadOptions extends CallOptions {
  consistency?: Consistency;
}

/** A range read. */
export interface RangeQuery extends KeySelector, ReadOptions {
  /** At most this many keys (0 or absent: the server's maximum). */
  limit?: number;
  /** Read as of this past revision (0 or absent: latest). */
  revision?: number;
  /** Keys and revisions only, values left out. */
  keysOnly?: boolean;
  /** Only the number of keys (`count`), no keys. */
  countOnly?: boolean;
  /** Sort on the server before `limit` applies; other than ascending by key, a range of more than 10,000 keys is refused. */
  sort?: { target: SortTarget; order: SortOrder };
}

/** What a range is sorted by (etcd's SortTarget). */
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';
/** Sort direction. */
export type SortOrder = 'ascend' | 'descend';

/** The answer to a put. */
export interface PutResult {
  header: ResponseHeader;
}

/** The answer to a get: `kv` is null when the key does not exist. */
export interface GetResult {
  found: boolean;
  kv: KeyValue | null;
  header: ResponseHeader;
}

/** The answer to a delete. */
export interface DeleteResult {
  deleted: number;
  header: ResponseHeader;
}

/** One page of a range read; `more` says keys beyond `limit` exist. */
export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  /** Keys in the range (with countOnly or a sort: the whole range, up to 10,000; else the keys returned). */
  count: number;
  header: ResponseHeader;
}

function nonNegativeInt(n: number | undefined, field: string): number {
  if (n === undefined) return 0;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${field} must be a non-negative integer`);
  return n;
}

/** As key: the smallest key; as rangeEnd: no end (etcd's convention). */
const ALL_KEYS = Buffer.from([0]);

/** The wire form of a key selector. */
export function selectorToWire(sel: KeySelector): { key: Buffer; rangeEnd: Buffer; prefix: boolean } {
  if (typeof sel !== 'object' || sel === null) throw invalidArgument('key selector must be an object with a key');
  const key = toBuffer(sel.key, 'key');
  const rangeEnd = sel.rangeEnd === undefined ? Buffer.alloc(0) : toBuffer(sel.rangeEnd, 'rangeEnd');
  const prefix = sel.prefix === true;
  if (prefix && rangeEnd.length > 0) throw invalidArgument('prefix and rangeEnd cannot both be set');
  // Every key starts with the empty prefix, but keys are never empty: ask for [\0, end) instead.
  if (prefix && key.length === 0) return { key: ALL_KEYS, rangeEnd: ALL_KEYS, prefix: false };
  return { key, rangeEnd, prefix };
}

/** A PutRequest. */
export function putRequest(key: Bytes, value: Bytes, opts: WriteOptions, id?: WireRequestId): WirePutRequest {
  const req: WirePutRequest = { key: toBuffer(key, 'key'), value: toBuffer(value, 'value'), commitMode: wireCommitMode(opts.commitMode) };
  if (id) req.id = id;
  return req;
}

/** A DeleteRequest for one key or a selector. */
export function deleteRequest(target: Bytes | KeySelector, opts: WriteOptions, id?: WireRequestId): WireDeleteRequest {
  const sel = typeof target === 'string' || target instanceof Uint8Array ? { key: target } : target;
  const req: WireDeleteRequest = { ...selectorToWire(sel), commitMode: wireCommitMode(opts.commitMode) };
  if (id) req.id = id;
  return req;
}

/** A RangeRequest. */
export function rangeRequest(q: RangeQuery): WireRangeRequest {
  const req: WireRangeRequest = {
    ...selectorToWire(q),
    limit: nonNegativeInt(q.limit, 'limit'),
    revision: nonNegativeInt(q.revision, 'revision'),
    consistency: wireConsistency(q.consistency),
  };
  if (q.keysOnly) req.keysOnly = true;
  if (q.countOnly) req.countOnly = true;
  if (q.sort) {
    const target = SORT_TARGETS[q.sort.target];
    const order = SORT_ORDERS[q.sort.order];
    if (!target) throw invalidArgument(`sort.target must be one of ${Object.keys(SORT_TARGETS).join(', ')}`);
    if (!order) throw invalidArgument(`sort.order must be one of ${Object.keys(SORT_ORDERS).join(', ')}`);
    req.sortTarget = target;
    req.sortOrder = order;
  }
  return req;
}

const SORT_TARGETS: Record<SortTarget, NonNullable<WireRangeRequest['sortTarget']>> = { key: 'KEY', version: 'VERSION', create: 'CREATE', mod: 'MOD', value: 'VALUE' };
const SORT_ORDERS: Record<SortOrder, NonNullable<WireRangeRequest['sortOrder']>> = { ascend: 'ASCEND', descend: 'DESCEND' };

/** A GetResult from the wire. */
export function getResult(key: Buffer, w: WireGetResponse): GetResult {
  const kv = w.found ? new KeyValue(key, w.value, w.createRevision, w.modRevision, w.version) : null;
  return { found: w.found, kv, header: header(w.header) };
}

/** A PutResult from the wire. */
export function putResult(w: WirePutResponse | null | undefined): PutResult {
  return { header: header(w?.header) };
}

/** A DeleteResult from the wire. */
export function deleteResult(w: WireDeleteResponse | null | undefined): DeleteResult {
  return { deleted: w?.deleted ?? 0, header: header(w?.header) };
}

/** A RangeResult from the wire. */
export function rangeResult(w: WireRangeResponse | null | undefined): RangeResult {
  const kvs = (w?.kvs ?? []).map(keyValue);
  const count = w?.count === undefined || w.count === null ? kvs.length : Number(w.count);
  return { kvs, more: w?.more ?? false, count, header: header(w?.header) };
}
