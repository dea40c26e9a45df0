// Range reads in the whole-node simulation: a prefix or a key range, with or without a limit, at
// any consistency. The history checker (src/history) checks one key at a time, so a range is
// recorded as one read of every key it determines, all with the range's invocation and response
// times: each key it returned holds that value, each key of the range before the last one
// returned (all of them when the answer was not cut by the limit) holds nothing. A linearizable
// range must equal the state at one point between its invocation and its response; each of these
// reads then is linearizable at that point, so a range that shows any key's stale or invented
// value fails the check (what it cannot catch: values of two keys taken at different points,
// each of them current at its own). The keys a limited range did not reach are reads that did
// not happen. Whatever the consistency, an answer must hold only keys of the range, each once,
// in key order, at most `limit` of them.
import type { Rng } from '../../src/common/rng.js';
import type { HistoryRecorder, Value } from '../../src/history/index.js';

/** One range request over the simulation's keys, and the keys it covers (in key order). */
export interface RangeRead {
  request: { key: Buffer; rangeEnd: Buffer; prefix: boolean; limit: number };
  keys: string[];
  limit: number;
  describe: string;
}

/** A range over `keys` drawn at random: the prefix "k" (every key) or [from, to), maybe limited. */
export function drawRange(rng: Rng, keys: readonly string[]): RangeRead {
  const sorted = [...keys].sort();
  const limit = rng.chance(0.5) ? 0 : rng.int(1, 3);
  if (rng.chance(0.3)) {
    return { request: { key: Buffer.from('k'), rangeEnd: Buffer.alloc(0), prefix: true, limit }, keys: sorted, limit, describe: `prefix k limit ${limit}` };
  }
  const a = rng.int(0, sorted.length - 1);
  const b = rng.int(a + 1, sorted.length);
  const from = sorted[a]!;
  // The end is exclusive: the next key, or past every key.
  const to = b < sorted.length ? sorted[b]! : 'l';
  return { request: { key: Buffer.from(from), rangeEnd: Buffer.from(to), prefix: false, limit }, keys: sorted.slice(a, b), limit, describe: `[${from}, ${to}) limit ${limit}` };
}

/** A Range response as the handlers and the pipeline return it. */
interface RangeAnswer {
  kvs?: { key?: Buffer | Uint8Array; value?: Buffer | Uint8Array }[];
  more?: boolean;
}

/**
 * What the answer says of each key: its value (null: absent), for the keys it determines; or
 * why it breaks the range's promises.
 */
export function rangeValues(range: RangeRead, answer: object): { values: Map<string, Value> } | { problem: string } {
  const kvs = (answer as RangeAnswer).kvs ?? [];
  const got = kvs.map((kv) => ({ key: Buffer.from(kv.key ?? []).toString(), value: Buffer.from(kv.value ?? []).toString() }));
  const inRange = new Set(range.keys);
  for (let i = 0; i < got.length; i++) {
    const k = got[i]!.key;
    if (!inRange.has(k)) return { problem: `range ${range.describe} returned ${k}, outside it` };
    if (i > 0 && !(got[i - 1]!.key < k)) return { problem: `range ${range.describe} returned ${got[i - 1]!.key} before ${k}` };
  }
  if (range.limit > 0 && got.length > range.limit) return { problem: `range ${range.describe} returned ${got.length} keys` };
  // Cut by the limit: only the keys up to the last one returned are known.
  const cut = range.limit > 0 && got.length === range.limit;
  const last = got.length > 0 ? got[got.length - 1]!.key : null;
  const values = new Map<string, Value>();
  const byKey = new Map(got.map((g) => [g.key, g.value]));
  for (const k of range.keys) {
    if (cut && last !== null && k > last) break;
    values.set(k, byKey.get(k) ?? null);
  }
  return { values };
}

/** One read of each key of a range in the history, open until `settle`. */
export function invokeRange(history: HistoryRecorder, client: string, range: RangeRead): (values: Map<string, Value> | null, why?: string) => void {
  const ops = range.keys.map((k) => ({ key: k, op: history.invoke(`${client}#${k}`, k, { type: 'read' }) }));
  return (values, why) => {
    for (const { key, op } of ops) {
      // A key the range did not reach (or a range that failed) was not read: a failed read.
      if (values?.has(key)) history.ok(op, values.get(key)!);
      else history.fail(op, why ?? 'not reached by the limited range');
    }
  };
}
