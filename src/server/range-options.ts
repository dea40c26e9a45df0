// RangeRequest's shaping options (etcd's): keys only, count only, and a sort before the limit.
// The state machine reads in key order; everything else happens here, on the read's result.
import type { KeyValue } from '../state/index.js';
import {
  _raftdb_v1_RangeRequest_SortOrder as SortOrder,
  _raftdb_v1_RangeRequest_SortTarget as SortTarget,
  type RangeRequest__Output,
} from '../proto/generated/raftdb/v1/RangeRequest.js';
import { invalidArgument } from './errors.js';

/**
 * The shaping fields of a RangeRequest as the proto loader hands them over, not yet checked: the
 * enums are `unknown` because a number the proto does not name arrives as that number.
 */
export interface RangeShape {
  keysOnly?: boolean;
  countOnly?: boolean;
  sortOrder?: unknown;
  sortTarget?: unknown;
}

type Order = RangeRequest__Output['sortOrder'];
type Target = RangeRequest__Output['sortTarget'];
const TARGETS = new Set<unknown>(Object.values(SortTarget));
const ORDERS = new Set<unknown>(Object.values(SortOrder));
const EMPTY = new Uint8Array(0);

/** The checked shape: `wholeRange` when the read must ignore the limit (a count, or a sort other than key order). */
export interface CheckedShape {
  keysOnly: boolean;
  countOnly: boolean;
  order: Order;
  target: Target;
  wholeRange: boolean;
}

/** Validates the shaping fields (unknown enum values are refused, naming the field). */
export function checkRangeShape(r: RangeShape): CheckedShape {
  const order = r.sortOrder ?? 'NONE';
  const target = r.sortTarget ?? 'KEY';
  if (!ORDERS.has(order)) throw invalidArgument('sort_order', `unknown value ${String(order)}`);
  if (!TARGETS.has(target)) throw invalidArgument('sort_target', `unknown value ${String(target)}`);
  const keyOrder = order === 'NONE' || (order === 'ASCEND' && target === 'KEY');
  const countOnly = r.countOnly === true;
  return { keysOnly: r.keysOnly === true, countOnly, order: order as Order, target: target as Target, wholeRange: countOnly || !keyOrder };
}

function field(kv: KeyValue, target: Target): number | Uint8Array {
  switch (target) {
    case 'KEY':
      return kv.key;
    case 'VALUE':
      return kv.value;
    case 'VERSION':
      return kv.version;
    case 'CREATE':
      return kv.createRevision;
    case 'MOD':
      return kv.modRevision;
  }
}

function compare(a: number | Uint8Array, b: number | Uint8Array): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(a as Uint8Array, b as Uint8Array);
}

/**
 * Applies the shape to a read in key order: sorts (stable, so ties stay in key order), cuts to
 * `limit` (0: none), drops values or keys. `more` is set when keys were cut. `more` on entry
 * means the read stopped at the server's maximum.
 */
export function shapeRange(kvs: KeyValue[], more: boolean, limit: number, s: CheckedShape): { kvs: KeyValue[]; more: boolean; count: number } {
  // A sort over part of a range would be a wrong answer, not a short one: refused. (A count
  // stops at the maximum and says so with `more`.)
  if (more && s.wholeRange && !s.countOnly) {
    throw invalidArgument('sort_order', `the range holds more than ${kvs.length} keys, too many to sort on the server: narrow it, or read it in key order`);
  }
  const count = kvs.length;
  let out = kvs;
  if (s.order !== 'NONE' && !(s.order === 'ASCEND' && s.target === 'KEY')) {
    const sign = s.order === 'DESCEND' ? -1 : 1;
    out = kvs.slice().sort((a, b) => sign * compare(field(a, s.target), field(b, s.target)));
  }
  let cut = more;
  if (limit > 0 && out.length > limit) {
    out = out.slice(0, limit);
    cut = true;
  }
  if (s.countOnly) out = [];
  else if (s.keysOnly) out = out.map((kv) => ({ ...kv, value: EMPTY }));
  return { kvs: out, more: cut, count };
}
