// Transactions: compare, then success or failure operations, applied as one revision. The small
// builders (`compare.*`, `op.*`) keep call sites short and typed:
//   db.txn({ compare: [compare.version('k', '=', 0)], success: [op.put('k', 'v')] })
import { type Bytes, toBuffer } from './bytes.js';
import { invalidArgument } from './errors.js';
import {
  type DeleteResult,
  type KeySelector,
  type PutResult,
  type RangeQuery,
  type RangeResult,
  deleteRequest,
  deleteResult,
  putRequest,
  putResult,
  rangeRequest,
  rangeResult,
} from './kv.js';
import { type CommitMode, type ResponseHeader, header, wireCommitMode } from './types.js';
import type { WireCompare, WireRequestId, WireRequestOp, WireResponseOp, WireTxnRequest, WireTxnResponse } from './wire.js';

/** Comparison operators of a transaction guard. */
export type CompareOp = '=' | '!=' | '<' | '>';

/** One guard of a transaction: the key's value, or one of its numbers, against a constant. */
export type TxnCompare =
  | { key: Bytes; target: 'value'; op: CompareOp; value: Bytes }
  | { key: Bytes; target: 'version' | 'modRevision' | 'createRevision'; op: CompareOp; number: number };

/** One operation of a transaction branch. */
export type TxnOp =
  | { type: 'put'; key: Bytes; value: Bytes }
  | { type: 'delete'; target: Bytes | KeySelector }
  | { type: 'range'; query: RangeQuery };

/** A transaction: if every compare holds, run `success`, else `failure`. */
export interface TxnSpec {
  compare?: TxnCompare[];
  success?: TxnOp[];
  failure?: TxnOp[];
  commitMode?: CommitMode;
}

/** The result of one operation of the branch that ran. */
export type TxnOpResult =
  | ({ type: 'put' } & PutResult)
  | ({ type: 'delete' } & DeleteResult)
  | ({ type: 'range' } & RangeResult);

/** The answer to a transaction. */
export interface TxnResult {
  succeeded: boolean;
  responses: TxnOpResult[];
  header: ResponseHeader;
}

/** Builders of transaction guards. */
export const compare = {
  /** The key's value compared with `value`. */
  value: (key: Bytes, op: CompareOp, value: Bytes): TxnCompare => ({ key, target: 'value', op, value }),
  /** The key's version (0: absent) compared with `n`. */
  version: (key: Bytes, op: CompareOp, n: number): TxnCompare => ({ key, target: 'version', op, number: n }),
  /** The key's last modification revision compared with `n`. */
  modRevision: (key: Bytes, op: CompareOp, n: number): TxnCompare => ({ key, target: 'modRevision', op, number: n }),
  /** The key's creation revision compared with `n`. */
  createRevision: (key: Bytes, op: CompareOp, n: number): TxnCompare => ({ key, target: 'createRevision', op, number: n }),
  /** The key exists. */
  exists: (key: Bytes): TxnCompare => ({ key, target: 'version', op: '>', number: 0 }),
  /** The key does not exist. */
  missing: (key: Bytes): TxnCompare => ({ key, target: 'version', op: '=', number: 0 }),
};

/** Builders of transaction operations. */
export const op = {
  /** Write `value` at `key`. */
  put: (key: Bytes, value: Bytes): TxnOp => ({ type: 'put', key, value }),
  /** Delete a key or a selected range. */
  delete: (target: Bytes | KeySelector): TxnOp => ({ type: 'delete', target }),
  /** Read one key. */
  get: (key: Bytes): TxnOp => ({ type: 'range', query: { key } }),
  /** Read a range. */
  range: (query: RangeQuery): TxnOp => ({ type: 'range', query }),
};

const OPS: Record<CompareOp, WireCompare['op']> = { '=': 'EQUAL', '!=': 'NOT_EQUAL', '<': 'LESS', '>': 'GREATER' };
const TARGETS: Record<TxnCompare['target'], WireCompare['target']> = {
  value: 'VALUE',
  version: 'VERSION',
  modRevision: 'MOD_REVISION',
  createRevision: 'CREATE_REVISION',
};

function compareToWire(c: TxnCompare, i: number): WireCompare {
  const wop = OPS[c.op];
  const target = TARGETS[c.target];
  if (!wop) throw invalidArgument(`compare[${i}].op must be one of ${Object.keys(OPS).join(' ')}`);
  if (!target) throw invalidArgument(`compare[${i}].target must be one of ${Object.keys(TARGETS).join(', ')}`);
  const key = toBuffer(c.key, `compare[${i}].key`);
  if (c.target === 'value') return { key, target, op: wop, value: toBuffer(c.value, `compare[${i}].value`), number: 0 };
  if (!Number.isSafeInteger(c.number)) throw invalidArgument(`compare[${i}].number must be an integer`);
  return { key, target, op: wop, value: Buffer.alloc(0), number: c.number };
}

function opToWire(o: TxnOp, field: string): WireRequestOp {
  switch (o.type) {
    case 'put':
      return { put: putRequest(o.key, o.value, {}) };
    case 'delete':
      return { delete: deleteRequest(o.target, {}) };
    case 'range':
      return { range: rangeRequest(o.query) };
    default:
      throw invalidArgument(`${field}.type must be put, delete or range`);
  }
}

/** The wire form of a transaction, carrying the request id of this logical write. */
export function txnRequest(spec: TxnSpec, id: WireRequestId): WireTxnRequest {
  return {
    compare: (spec.compare ?? []).map(compareToWire),
    success: (spec.success ?? []).map((o, i) => opToWire(o, `success[${i}]`)),
    failure: (spec.failure ?? []).map((o, i) => opToWire(o, `failure[${i}]`)),
    commitMode: wireCommitMode(spec.commitMode),
    id,
  };
}

function opResult(w: WireResponseOp): TxnOpResult {
  if (w.put || w.response === 'put') return { type: 'put', ...putResult(w.put) };
  if (w.delete || w.response === 'delete') return { type: 'delete', ...deleteResult(w.delete) };
  return { type: 'range', ...rangeResult(w.range) };
}

/** A TxnResult from the wire. */
export function txnResult(w: WireTxnResponse): TxnResult {
  return { succeeded: w.succeeded, responses: (w.responses ?? []).map(opResult), header: header(w.header) };
}
