// The JSON transaction spec of `raftdb txn`, checked field by field so that a mistake is
// reported as a usage error naming the field rather than as a failed request.
import type { KeySelector, RangeQuery, TxnCompare, TxnOp, TxnSpec } from '../client/index.js';
import { UsageError } from './common.js';

type Json = Record<string, unknown>;

const TARGETS = ['value', 'version', 'modRevision', 'createRevision'] as const;
const OPS = ['=', '!=', '<', '>'] as const;
/** More operations than any server accepts; refused before sending. */
const MAX_OPS = 1024;

function obj(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`txn spec: ${field} must be an object`);
  return v as Json;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new UsageError(`txn spec: ${field} must be a string`);
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new UsageError(`txn spec: ${field} must be an array`);
  if (v.length > MAX_OPS) throw new UsageError(`txn spec: ${field} has more than ${MAX_OPS} entries`);
  return v;
}

function int(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new UsageError(`txn spec: ${field} must be an integer`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(v as T)) throw new UsageError(`txn spec: ${field} must be one of ${allowed.join(' ')}`);
  return v as T;
}

function compareOf(v: unknown, field: string): TxnCompare {
  const c = obj(v, field);
  const key = str(c.key, `${field}.key`);
  const target = oneOf(c.target ?? 'value', TARGETS, `${field}.target`);
  const op = oneOf(c.op ?? '=', OPS, `${field}.op`);
  if (target === 'value') return { key, target, op, value: str(c.value, `${field}.value`) };
  return { key, target, op, number: int(c.number, `${field}.number`) };
}

function selectorOf(o: Json, field: string): KeySelector {
  const sel: KeySelector = { key: str(o.key, `${field}.key`) };
  if (o.rangeEnd !== undefined) sel.rangeEnd = str(o.rangeEnd, `${field}.rangeEnd`);
  if (o.prefix !== undefined) {
    if (typeof o.prefix !== 'boolean') throw new UsageError(`txn spec: ${field}.prefix must be true or false`);
    sel.prefix = o.prefix;
  }
  return sel;
}

function opOf(v: unknown, field: string): TxnOp {
  const o = obj(v, field);
  const kinds = Object.keys(o);
  if (kinds.length !== 1) throw new UsageError(`txn spec: ${field} must have exactly one of put, delete, get, range`);
  const kind = kinds[0]!;
  const body = obj(o[kind], `${field}.${kind}`);
  switch (kind) {
    case 'put':
      return { type: 'put', key: str(body.key, `${field}.put.key`), value: str(body.value, `${field}.put.value`) };
    case 'delete':
      return { type: 'delete', target: selectorOf(body, `${field}.delete`) };
    case 'get':
      return { type: 'range', query: { key: str(body.key, `${field}.get.key`) } };
    case 'range': {
      const query: RangeQuery = selectorOf(body, `${field}.range`);
      if (body.limit !== undefined) query.limit = int(body.limit, `${field}.range.limit`);
      return { type: 'range', query };
    }
    default:
      throw new UsageError(`txn spec: ${field} must have exactly one of put, delete, get, range (got "${kind}")`);
  }
}

/** Parses and checks a transaction spec; throws UsageError naming the bad field. */
export function parseTxnSpec(text: string): TxnSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`txn spec is not valid JSON: ${(e as Error).message}`);
  }
  const spec = obj(raw, 'the spec');
  for (const k of Object.keys(spec)) {
    if (!['compare', 'success', 'failure'].includes(k)) throw new UsageError(`txn spec: unknown field "${k}"`);
  }
  return {
    compare: list(spec.compare, 'compare').map((c, i) => compareOf(c, `compare[${i}]`)),
    success: list(spec.success, 'success').map((o, i) => opOf(o, `success[${i}]`)),
    failure: list(spec.failure, 'failure').map((o, i) => opOf(o, `failure[${i}]`)),
  };
}
