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
}

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
  return {
    ...selectorToWire(q),
    limit: nonNegativeInt(q.limit, 'limit'),
    revision: nonNegativeInt(q.revision, 'revision'),
    consistency: wireConsistency(q.consistency),
  };
}

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
  return { kvs: (w?.kvs ?? []).map(keyValue), more: w?.more ?? false, header: header(w?.header) };
}
