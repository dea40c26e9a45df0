// Conversions between the KV protocol's messages (as @grpc/proto-loader hands them over) and
// the state machine's commands, with the validation that turns bad input into INVALID_ARGUMENT
// naming the field, or RESOURCE_EXHAUSTED for size limits.
import * as grpc from '@grpc/grpc-js';
import type { Command, Compare, KeyValue, OpResult, RequestId, TxnOp } from '../state/index.js';
import type { WireCommitMode } from '../common/vocabulary.js';
import { CommitMode } from '../proto/generated/raftdb/v1/CommitMode.js';
import { Consistency, type Consistency__Output } from '../proto/generated/raftdb/v1/Consistency.js';
import type { Compare__Output } from '../proto/generated/raftdb/v1/Compare.js';
import type { KeyValue__Output } from '../proto/generated/raftdb/v1/KeyValue.js';
import type { RangeRequest__Output } from '../proto/generated/raftdb/v1/RangeRequest.js';
import type { RequestId__Output } from '../proto/generated/raftdb/v1/RequestId.js';
import type { RequestOp__Output } from '../proto/generated/raftdb/v1/RequestOp.js';
import { invalidArgument, RequestError } from './errors.js';

export interface Limits {
  maxKeyBytes: number;
  maxValueBytes: number;
  /**
   * Largest write once encoded as a log entry (--max-request-bytes, etcd's default 1.5 MiB): a txn
   * of several values each within maxValueBytes can still be too big to replicate in one peer
   * message, so it is refused before it is proposed.
   */
  maxRequestBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxKeyBytes: 4096, maxValueBytes: 1024 * 1024, maxRequestBytes: 1.5 * 1024 * 1024 };

/** What a gRPC message to this node may weigh: a request at the limit, or a peer message, with room for framing. */
export function maxGrpcMessageBytes(limits: Pick<Limits, 'maxRequestBytes'>, peerMessageBytes: number): number {
  return Math.max(limits.maxRequestBytes, peerMessageBytes) + 64 * 1024;
}

/** The peer transport's message cap for a request limit: one entry of the largest request always fits. */
export function peerMessageBytesFor(limits: Pick<Limits, 'maxRequestBytes'>, defaultBytes: number): number {
  return Math.max(defaultBytes, limits.maxRequestBytes + 256 * 1024);
}

/** A read consistency as the proto enum spells it (generated from kv.proto). */
export type ConsistencyName = Consistency__Output;

/** The name of a nested field for error messages: `key` at the top level, `success[2].put.key` inside. */
function sub(field: string, name: string): string {
  return field ? `${field}.${name}` : name;
}

function asBytes(v: unknown, field: string): Buffer {
  if (v === null || v === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  throw invalidArgument(field, 'must be bytes');
}

/** A non-empty key within the size limit. */
export function checkKey(v: unknown, field: string, limits: Limits): Buffer {
  const key = asBytes(v, field);
  if (key.length === 0) throw invalidArgument(field, 'must not be empty');
  if (key.length > limits.maxKeyBytes) {
    throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `${field}: ${key.length} bytes exceeds the ${limits.maxKeyBytes}-byte key limit`);
  }
  return key;
}

export function checkValue(v: unknown, field: string, limits: Limits): Buffer {
  const value = asBytes(v, field);
  if (value.length > limits.maxValueBytes) {
    throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `${field}: ${value.length} bytes exceeds the ${limits.maxValueBytes}-byte value limit`);
  }
  return value;
}

export function optionalBytes(v: unknown, field: string, limits: Limits): Buffer {
  const b = asBytes(v, field);
  if (b.length > limits.maxKeyBytes) {
    throw new RequestError(grpc.status.RESOURCE_EXHAUSTED, `${field}: ${b.length} bytes exceeds the ${limits.maxKeyBytes}-byte key limit`);
  }
  return b;
}

export function checkRequestId(v: RequestId__Output | null | undefined, field: string): RequestId | undefined {
  if (!v) return undefined;
  if (typeof v.clientId !== 'string' || v.clientId.length === 0) throw invalidArgument(sub(field, 'client_id'), 'must not be empty');
  if (v.clientId.length > 128) throw invalidArgument(sub(field, 'client_id'), 'longer than 128 characters');
  // NUL separates a user from a client id in the exactly-once table (state/dedupe.ts#sessionKey).
  if (v.clientId.includes('\u0000')) throw invalidArgument(sub(field, 'client_id'), 'must not contain NUL');
  if (!Number.isSafeInteger(v.seq) || v.seq <= 0) throw invalidArgument(sub(field, 'seq'), 'must be a positive integer');
  return { clientId: v.clientId, seq: v.seq };
}

// The names kv.proto's enums have: a value added to the proto is accepted once regenerated.
const COMMIT_MODES = new Set<unknown>(Object.values(CommitMode));
const CONSISTENCIES = new Set<unknown>(Object.values(Consistency));

export function checkCommitMode(v: unknown, field = 'commit_mode'): WireCommitMode {
  const s = v ?? 'DEFAULT';
  if (typeof s !== 'string' || !COMMIT_MODES.has(s)) throw invalidArgument(field, `unknown commit mode ${String(v)}`);
  return s as WireCommitMode;
}

export function checkConsistency(v: unknown, field = 'consistency'): ConsistencyName {
  const s = v ?? 'LINEARIZABLE';
  if (typeof s !== 'string' || !CONSISTENCIES.has(s)) throw invalidArgument(field, `unknown consistency ${String(v)}`);
  return s as ConsistencyName;
}

/** The first key after every key starting with `prefix` (etcd's prefix range end). */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff: the range extends to the end of the keyspace.
  return Buffer.from([0]);
}

/** The fields that name a key span (a RangeRequest's or a DeleteRequest's). */
type SpanFields = Pick<RangeRequest__Output, 'key' | 'rangeEnd' | 'prefix'>;

/** A RangeRequest's key span as [key, end) (end undefined: the single key). */
export function rangeSpan(r: SpanFields, field: string, limits: Limits): { key: Buffer; rangeEnd?: Buffer } {
  const key = r.prefix ? optionalBytes(r.key, sub(field, 'key'), limits) : checkKey(r.key, sub(field, 'key'), limits);
  const rangeEnd = optionalBytes(r.rangeEnd, sub(field, 'range_end'), limits);
  if (r.prefix && rangeEnd.length > 0) throw invalidArgument(sub(field, 'range_end'), 'must be empty when prefix is set');
  if (r.prefix) return { key, rangeEnd: key.length === 0 ? Buffer.from([0]) : prefixEnd(key) };
  if (rangeEnd.length > 0) {
    if (!(rangeEnd.length === 1 && rangeEnd[0] === 0) && Buffer.compare(rangeEnd, key) <= 0) {
      throw invalidArgument(sub(field, 'range_end'), 'must be greater than key');
    }
    return { key, rangeEnd };
  }
  return { key };
}

export function checkLimit(v: unknown, field: string): number {
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(field, 'must be a non-negative integer');
  return n;
}

const TARGETS: Record<string, Compare['target']> = { VALUE: 'value', VERSION: 'version', MOD_REVISION: 'modRevision', CREATE_REVISION: 'createRevision' };
const OPS: Record<string, Compare['op']> = { EQUAL: '=', NOT_EQUAL: '!=', LESS: '<', GREATER: '>' };

export function toCompare(c: Compare__Output, field: string, limits: Limits): Compare {
  const target = TARGETS[c.target];
  const op = OPS[c.op];
  if (!target) throw invalidArgument(sub(field, 'target'), `unknown target ${c.target}`);
  if (!op) throw invalidArgument(sub(field, 'op'), `unknown op ${c.op}`);
  const key = checkKey(c.key, sub(field, 'key'), limits);
  return { key, target, op, value: target === 'value' ? checkValue(c.value, sub(field, 'value'), limits) : Number(c.number) };
}

export function toTxnOp(op: RequestOp__Output, field: string, limits: Limits): TxnOp {
  if (op.put) return { type: 'put', key: checkKey(op.put.key, sub(field, 'put.key'), limits), value: checkValue(op.put.value, sub(field, 'put.value'), limits) };
  if (op.delete) {
    const span = rangeSpan(op.delete, sub(field, 'delete'), limits);
    return span.rangeEnd ? { type: 'deleteRange', key: span.key, rangeEnd: span.rangeEnd } : { type: 'delete', key: span.key };
  }
  if (op.range) {
    // A txn's range has no shaping (keys only, count only, sort): refused rather than ignored.
    const shape = op.range;
    if (shape.keysOnly || shape.countOnly || (shape.sortOrder !== undefined && shape.sortOrder !== 'NONE')) {
      throw invalidArgument(sub(field, 'range'), 'keys_only, count_only and sort_order are not supported inside a txn');
    }
    const span = rangeSpan(op.range, sub(field, 'range'), limits);
    const limit = checkLimit(op.range.limit, sub(field, 'range.limit'));
    return { type: 'range', key: span.key, ...(span.rangeEnd ? { rangeEnd: span.rangeEnd } : {}), ...(limit ? { limit } : {}) };
  }
  throw invalidArgument(field, 'must set one of put, delete, range');
}

export function toProtoKv(kv: KeyValue): KeyValue__Output {
  return {
    key: Buffer.from(kv.key),
    value: Buffer.from(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
  };
}

/** A txn op's result as a ResponseOp (headers are filled by the caller). */
export function toResponseOp(r: OpResult, header: object): object {
  switch (r.type) {
    case 'put':
      return { put: { header } };
    case 'delete':
      return { delete: { header, deleted: r.deleted } };
    case 'range':
      return { range: { header, kvs: r.kvs.map(toProtoKv), more: r.more } };
  }
}

/** A delete request as a command. */
export function deleteCommand(req: SpanFields, id: RequestId | undefined, limits: Limits): Command {
  const span = rangeSpan(req, '', limits);
  return span.rangeEnd
    ? { type: 'deleteRange', key: span.key, rangeEnd: span.rangeEnd, ...(id ? { req: id } : {}) }
    : { type: 'delete', key: span.key, ...(id ? { req: id } : {}) };
}
