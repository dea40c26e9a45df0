// Which key ranges a set of permissions covers. A permission grants read, write or both on a key,
// a prefix or a range (etcd's conventions: no range end = the key alone, [0x00] = every key from
// `key` on). A request is allowed when the union of the granted ranges covers every key it may
// touch: [a, c) is covered by grants on [a, b) and [b, c) together, as etcd's merged interval
// check does. The merge is done once per role set and cached by the auth store.
import { prefixEnd } from './keys.js';

/** What a request needs on a range. */
export type Access = 'read' | 'write';
/** What a permission grants. */
export type PermissionType = 'read' | 'write' | 'readwrite';

/** A key, a range or (rangeEnd = [0x00]) every key from `key` on; etcd's conventions. */
export interface KeyRange {
  key: Uint8Array;
  /** Absent or empty: `key` alone. */
  rangeEnd?: Uint8Array;
}

/** A half-open interval of keys; `end` null reaches past every key. */
interface Interval {
  start: Buffer;
  end: Buffer | null;
}

const ZERO = Buffer.from([0]);

function isToEnd(rangeEnd: Uint8Array | undefined): boolean {
  return rangeEnd !== undefined && rangeEnd.length === 1 && rangeEnd[0] === 0;
}

/** The interval a key range denotes. */
export function intervalOf(r: KeyRange): Interval {
  const start = Buffer.from(r.key);
  if (r.rangeEnd === undefined || r.rangeEnd.length === 0) return { start, end: Buffer.concat([start, ZERO]) };
  if (isToEnd(r.rangeEnd)) return { start, end: null };
  return { start, end: Buffer.from(r.rangeEnd) };
}

/** a <= b for interval ends, where null is +infinity. */
function endLessOrEqual(a: Buffer | null, b: Buffer | null): boolean {
  if (b === null) return true;
  if (a === null) return false;
  return Buffer.compare(a, b) <= 0;
}

/** Sorted, non-overlapping, non-adjacent intervals covering exactly the union of `ranges`. */
function merge(ranges: readonly KeyRange[]): Interval[] {
  const sorted = ranges.map(intervalOf).filter((i) => i.end === null || Buffer.compare(i.start, i.end) < 0);
  sorted.sort((a, b) => Buffer.compare(a.start, b.start));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    // Half-open intervals: [a, b) and [b, c) touch and merge into [a, c).
    if (last && (last.end === null || Buffer.compare(i.start, last.end) <= 0)) {
      if (!endLessOrEqual(i.end, last.end)) last.end = i.end;
    } else {
      out.push({ start: i.start, end: i.end });
    }
  }
  return out;
}

/** Index of the last interval starting at or before `key`, or -1. */
function lastStartingAtOrBefore(merged: readonly Interval[], key: Uint8Array): number {
  let lo = 0;
  let hi = merged.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(merged[mid]!.start, key) <= 0) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return at;
}

/** Whether the merged intervals contain the single key `key`. */
function coversKey(merged: readonly Interval[], key: Uint8Array): boolean {
  const at = lastStartingAtOrBefore(merged, key);
  if (at < 0) return false;
  const end = merged[at]!.end;
  return end === null || Buffer.compare(key, end) < 0;
}

/** Whether the merged intervals contain the whole of `q`. */
function covered(merged: readonly Interval[], q: Interval): boolean {
  // The last interval starting at or before q.start is the only one that can contain it.
  const at = lastStartingAtOrBefore(merged, q.start);
  if (at < 0) return false;
  const i = merged[at]!;
  // An empty request range (end <= start) touches no key; the start must still be granted.
  if (q.end !== null && Buffer.compare(q.end, q.start) <= 0) return i.end === null || Buffer.compare(q.start, i.end) < 0;
  return endLessOrEqual(q.end, i.end);
}

/** The read and write coverage of a set of permissions, merged once. */
export class GrantedRanges {
  private readonly read: Interval[];
  private readonly write: Interval[];

  constructor(permissions: readonly (KeyRange & { type: PermissionType })[]) {
    this.read = merge(permissions.filter((p) => p.type !== 'write'));
    this.write = merge(permissions.filter((p) => p.type !== 'read'));
  }

  /** Whether `access` is granted on every key of `range`. */
  covers(access: Access, range: KeyRange): boolean {
    const merged = access === 'read' ? this.read : this.write;
    // The common case, one key, without building its interval: [k, k+0x00) lies in [start, end)
    // exactly when start <= k < end.
    if (range.rangeEnd === undefined || range.rangeEnd.length === 0) return coversKey(merged, range.key);
    return covered(merged, intervalOf(range));
  }
}

/** Longest key text quoted in a message (keys come from clients). */
const MAX_QUOTED_BYTES = 64;

/** A key for a message: a JSON string when it is printable UTF-8, else hex; long keys cut. */
export function quoteKey(key: Uint8Array): string {
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const cut = b.length > MAX_QUOTED_BYTES ? b.subarray(0, MAX_QUOTED_BYTES) : b;
  const more = b.length > MAX_QUOTED_BYTES ? `…(${b.length} bytes)` : '';
  const text = cut.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (!text.includes('\ufffd') && !/[\x00-\x1f\x7f]/.test(text)) return `${JSON.stringify(text)}${more}`;
  return `0x${cut.toString('hex')}${more}`;
}

/** A key range for a message: `key "a"`, `prefix "p/"`, `keys from "a"`, `range ["a", "c")`. */
export function describeRange(r: KeyRange): string {
  if (r.rangeEnd === undefined || r.rangeEnd.length === 0) return `key ${quoteKey(r.key)}`;
  if (isToEnd(r.rangeEnd)) return r.key.length === 0 ? 'every key' : `keys from ${quoteKey(r.key)}`;
  if (r.key.length > 0 && Buffer.compare(prefixEnd(r.key), r.rangeEnd) === 0) return `prefix ${quoteKey(r.key)}`;
  return `range [${quoteKey(r.key)}, ${quoteKey(r.rangeEnd)})`;
}
