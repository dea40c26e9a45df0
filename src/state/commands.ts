// The commands a Normal entry's data encodes (etcd's KV model) and their wire codec.
// decodeCommand validates every field, because entry bytes come from the network and a corrupt
// or foreign payload must become an error result, never a crash or a half-typed object.
import { type AuthOp, type CommandAuth, authOp, commandAuth } from './auth-records.js';
import { type AlarmCommand, alarmCommandOf } from './alarms.js';
import { packOwned, unpack } from './codec.js';
import { InvalidCommandError } from './errors.js';

/** Identifies a client write for at-most-once application; seq increases per client. */
export interface RequestId {
  clientId: string;
  seq: number;
  /** The leader's clock (ms) when it proposed the request: how idle sessions are told apart (dedupe.ts). */
  at?: number;
}

export type CompareTarget = 'value' | 'version' | 'modRevision' | 'createRevision';
export type CompareOp = '=' | '!=' | '<' | '>';

/** A txn guard. `value` is bytes for target 'value', an integer otherwise. */
export interface Compare {
  key: Uint8Array;
  target: CompareTarget;
  op: CompareOp;
  value: Uint8Array | number;
}

/** etcd range conventions: rangeEnd absent = just `key`; [0x00] = every key >= key. */
export type TxnOp =
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'delete'; key: Uint8Array }
  | { type: 'deleteRange'; key: Uint8Array; rangeEnd: Uint8Array }
  | { type: 'range'; key: Uint8Array; rangeEnd?: Uint8Array; limit?: number };

/**
 * `req`: the request id (at-most-once). `auth`: with auth enabled, the user the leader checked the
 * command for and the auth revision of that check (re-checked at apply if the revision moved).
 */
export type Command = (
  | { type: 'put'; key: Uint8Array; value: Uint8Array }
  | { type: 'delete'; key: Uint8Array }
  | { type: 'deleteRange'; key: Uint8Array; rangeEnd: Uint8Array }
  | { type: 'txn'; compare: Compare[]; success: TxnOp[]; failure: TxnOp[] }
  /** An opaque record for the layers above (e.g. the failover layer's cluster config). */
  | { type: 'setMeta'; name: string; value: unknown }
  /** A change of users, roles or auth settings (auth-records.ts). */
  | { type: 'auth'; op: AuthOp }
  /** Raise or clear a cluster alarm (alarms.ts). */
  | AlarmCommand
  /** Drop the watch history before `revision` (etcd's compaction); the data is untouched. */
  | { type: 'compact'; revision: number }
) & { req?: RequestId; auth?: CommandAuth };

/** etcd's default --max-txn-ops; bounds the work and the result size of one entry. */
export const MAX_TXN_OPS = 128;
/** Bounds the dedupe and meta key sizes. */
export const MAX_NAME_BYTES = 256;
/** The most kvs one range (read or txn op) returns; `more` tells the caller to continue. */
export const MAX_RANGE_LIMIT = 10_000;

const COMPARE_TARGETS: ReadonlySet<string> = new Set(['value', 'version', 'modRevision', 'createRevision']);
const COMPARE_OPS: ReadonlySet<string> = new Set(['=', '!=', '<', '>']);

/**
 * Encode a command as an entry payload. The bytes are the entry's own (`packOwned`): the leader
 * keeps entries in its log and WAL cache long after the proposal.
 */
export function encodeCommand(command: Command): Uint8Array {
  return packOwned(command);
}

/** Decode and validate an entry payload; throws InvalidCommandError naming the bad field. */
export function decodeCommand(data: Uint8Array): Command {
  let raw: unknown;
  try {
    raw = unpack(data);
  } catch (err) {
    throw new InvalidCommandError('data', `not msgpack: ${(err as Error).message}`);
  }
  const o = record(raw, 'command');
  const cmd = commandBody(o);
  if (o.req !== undefined && o.req !== null) cmd.req = requestId(o.req);
  if (o.auth !== undefined && o.auth !== null) cmd.auth = commandAuth(o.auth);
  return cmd;
}

function commandBody(o: Record<string, unknown>): Command {
  switch (o.type) {
    case 'put':
      return { type: 'put', key: key(o.key, 'key'), value: bytes(o.value, 'value') };
    case 'delete':
      return { type: 'delete', key: key(o.key, 'key') };
    case 'deleteRange':
      return { type: 'deleteRange', key: key(o.key, 'key'), rangeEnd: key(o.rangeEnd, 'rangeEnd') };
    case 'txn': {
      const compare = list(o.compare, 'compare');
      const success = list(o.success, 'success');
      const failure = list(o.failure, 'failure');
      for (let i = 0; i < compare.length; i++) compare[i] = compareOf(compare[i], `compare[${i}]`);
      for (let i = 0; i < success.length; i++) success[i] = txnOp(success[i], `success[${i}]`);
      for (let i = 0; i < failure.length; i++) failure[i] = txnOp(failure[i], `failure[${i}]`);
      return { type: 'txn', compare: compare as Compare[], success: success as TxnOp[], failure: failure as TxnOp[] };
    }
    case 'setMeta':
      return { type: 'setMeta', name: name(o.name, 'name'), value: o.value ?? null };
    case 'auth':
      return { type: 'auth', op: authOp(o.op) };
    case 'alarm':
      return alarmCommandOf(o);
    case 'compact':
      return { type: 'compact', revision: integer(o.revision, 'revision', 1, Number.MAX_SAFE_INTEGER) };
    default:
      throw new InvalidCommandError('type', `unknown command type ${JSON.stringify(o.type)}`);
  }
}

function txnOp(raw: unknown, field: string): TxnOp {
  const o = record(raw, field);
  switch (o.type) {
    case 'put':
      return { type: 'put', key: key(o.key, `${field}.key`), value: bytes(o.value, `${field}.value`) };
    case 'delete':
      return { type: 'delete', key: key(o.key, `${field}.key`) };
    case 'deleteRange':
      return { type: 'deleteRange', key: key(o.key, `${field}.key`), rangeEnd: key(o.rangeEnd, `${field}.rangeEnd`) };
    case 'range': {
      const op: TxnOp = { type: 'range', key: key(o.key, `${field}.key`) };
      if (o.rangeEnd !== undefined && o.rangeEnd !== null) op.rangeEnd = bytes(o.rangeEnd, `${field}.rangeEnd`);
      if (o.limit !== undefined && o.limit !== null) op.limit = integer(o.limit, `${field}.limit`, 0, MAX_RANGE_LIMIT);
      return op;
    }
    default:
      throw new InvalidCommandError(`${field}.type`, `unknown op type ${JSON.stringify(o.type)}`);
  }
}

function compareOf(raw: unknown, field: string): Compare {
  const o = record(raw, field);
  if (typeof o.target !== 'string' || !COMPARE_TARGETS.has(o.target)) {
    throw new InvalidCommandError(`${field}.target`, 'must be value, version, modRevision or createRevision');
  }
  if (typeof o.op !== 'string' || !COMPARE_OPS.has(o.op)) {
    throw new InvalidCommandError(`${field}.op`, "must be '=', '!=', '<' or '>'");
  }
  const target = o.target as CompareTarget;
  const value =
    target === 'value'
      ? bytes(o.value, `${field}.value`)
      : integer(o.value, `${field}.value`, 0, Number.MAX_SAFE_INTEGER);
  return { key: key(o.key, `${field}.key`), target, op: o.op as CompareOp, value };
}

function requestId(raw: unknown): RequestId {
  const o = record(raw, 'req');
  const id: RequestId = { clientId: name(o.clientId, 'req.clientId'), seq: integer(o.seq, 'req.seq', 1, Number.MAX_SAFE_INTEGER) };
  if (o.at !== undefined && o.at !== null) id.at = integer(o.at, 'req.at', 0, Number.MAX_SAFE_INTEGER);
  return id;
}

function record(raw: unknown, field: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) {
    throw new InvalidCommandError(field, 'must be a map');
  }
  return raw as Record<string, unknown>;
}

function list(raw: unknown, field: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InvalidCommandError(field, 'must be an array');
  if (raw.length > MAX_TXN_OPS) throw new InvalidCommandError(field, `more than ${MAX_TXN_OPS} items`);
  return raw; // freshly decoded, owned by us: validated items replace the raw ones in place
}

function bytes(raw: unknown, field: string): Uint8Array {
  if (!(raw instanceof Uint8Array)) throw new InvalidCommandError(field, 'must be bytes');
  return raw;
}

function key(raw: unknown, field: string): Uint8Array {
  const b = bytes(raw, field);
  if (b.length === 0) throw new InvalidCommandError(field, 'must not be empty');
  return b;
}

function name(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new InvalidCommandError(field, 'must be a non-empty string');
  if (Buffer.byteLength(raw, 'utf8') > MAX_NAME_BYTES) {
    throw new InvalidCommandError(field, `longer than ${MAX_NAME_BYTES} bytes`);
  }
  return raw;
}

function integer(raw: unknown, field: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < min || raw > max) {
    throw new InvalidCommandError(field, `must be an integer in [${min}, ${max}]`);
  }
  return raw;
}
