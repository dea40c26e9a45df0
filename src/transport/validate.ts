// Shape checks for decoded peer messages. The Raft core trusts its inputs, so anything a peer
// (or something pretending to be one) sends is checked here, field by field, before it is stepped:
// bad input must be refused at the edge, never crash the node or corrupt its log.
import { EntryType, MAX_LOG_NUMBER, type ConfChange, type Entry, type Message, type MessageType } from '../raft/types.js';
import { InvalidMessageError } from './errors.js';

type Obj = Record<string, unknown>;

function fail(type: string, field: string, want: string): never {
  throw new InvalidMessageError(`${type}: field '${field}' must be ${want}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Counters: non-negative safe integers (msgpack may carry floats or negatives). */
function uint(o: Obj, field: string, type: string): void {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(type, field, 'a non-negative integer');
}

/**
 * Terms and indexes: non-negative integers up to MAX_LOG_NUMBER. A term at the edge of the safe
 * integers, once adopted and persisted, would leave no room for the next election (2^53 - 1 + 1
 * is not representable): one forged message could stop a cluster for good. Far-ahead terms below
 * the bound are accepted — who may send them is decided by peer identity, not by their size.
 */
function logNumber(o: Obj, field: string, type: string): void {
  uint(o, field, type);
  if ((o[field] as number) > MAX_LOG_NUMBER) fail(type, field, `at most ${MAX_LOG_NUMBER}`);
}

function bool(o: Obj, field: string, type: string): void {
  if (typeof o[field] !== 'boolean') fail(type, field, 'a boolean');
}

function nodeId(v: unknown, type: string, field: string): void {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) fail(type, field, 'a node id');
}

function nodeIds(o: Obj, field: string, type: string): void {
  const v = o[field];
  if (!Array.isArray(v)) fail(type, field, 'a list of node ids');
  for (const id of v) nodeId(id, type, field);
}

const CHANGE_OPS: ReadonlySet<unknown> = new Set(['addVoter', 'addLearner', 'remove']);

function validateConf(conf: unknown): void {
  if (!isObj(conf)) fail('append', 'entries[].conf', 'an object');
  const c = conf as Partial<ConfChange> & Obj;
  switch (c.type) {
    case 'enterJoint': {
      if (!Array.isArray(c.changes) || c.changes.length === 0) fail('append', 'conf.changes', 'a non-empty list');
      for (const ch of c.changes as unknown[]) {
        if (!isObj(ch) || !CHANGE_OPS.has(ch.op)) fail('append', 'conf.changes[].op', 'addVoter|addLearner|remove');
        nodeId(ch.id, 'append', 'conf.changes[].id');
      }
      return;
    }
    case 'leaveJoint':
      return;
    case 'bootstrap':
      nodeIds(c, 'voters', 'append');
      return;
    default:
      fail('append', 'entries[].conf.type', 'enterJoint|leaveJoint|bootstrap');
  }
}

function validateEntries(o: Obj): void {
  const entries = o.entries;
  if (!Array.isArray(entries)) fail('append', 'entries', 'a list');
  for (const e of entries as unknown[]) {
    if (!isObj(e)) fail('append', 'entries[]', 'an object');
    logNumber(e, 'index', 'append');
    logNumber(e, 'term', 'append');
    if (!(e.data instanceof Uint8Array)) fail('append', 'entries[].data', 'bytes');
    const type = (e as Partial<Entry>).type;
    if (type === EntryType.ConfChange) validateConf(e.conf);
    else if (type !== EntryType.Normal || e.conf !== undefined) fail('append', 'entries[].type', 'Normal (no conf) or ConfChange (with conf)');
  }
}

function validateConfState(o: Obj): void {
  const snap = o.snapshot;
  if (!isObj(snap)) fail('snapshot', 'snapshot', 'an object');
  logNumber(snap, 'index', 'snapshot');
  logNumber(snap, 'term', 'snapshot');
  const conf = snap.conf;
  if (!isObj(conf)) fail('snapshot', 'snapshot.conf', 'an object');
  for (const f of ['voters', 'votersOutgoing', 'learners', 'learnersNext']) nodeIds(conf, f, 'snapshot');
}

/** The fields each message type needs beyond from/to/term; exhaustive over MessageType. */
function validateBody(type: MessageType, o: Obj): void {
  switch (type) {
    case 'vote':
      bool(o, 'transfer', type);
      logNumber(o, 'lastLogIndex', type);
      logNumber(o, 'lastLogTerm', type);
      return;
    case 'preVote':
      logNumber(o, 'lastLogIndex', type);
      logNumber(o, 'lastLogTerm', type);
      return;
    case 'voteResponse':
    case 'preVoteResponse':
      bool(o, 'granted', type);
      return;
    case 'append':
      logNumber(o, 'prevIndex', type);
      logNumber(o, 'prevTerm', type);
      logNumber(o, 'commit', type);
      validateEntries(o);
      return;
    case 'appendResponse':
      bool(o, 'success', type);
      for (const f of ['index', 'hintIndex', 'hintTerm']) logNumber(o, f, type);
      return;
    case 'heartbeat':
      logNumber(o, 'commit', type);
      uint(o, 'round', type);
      return;
    case 'heartbeatResponse':
      uint(o, 'round', type);
      return;
    case 'snapshot':
      validateConfState(o);
      return;
    case 'timeoutNow':
      return;
    default: {
      const unknownType: never = type;
      throw new InvalidMessageError(`unknown message type ${show(unknownType)}`);
    }
  }
}

/** A peer-supplied value for an error message: bounded, whatever it is. */
function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v;
}

const TYPES: ReadonlySet<unknown> = new Set<MessageType>([
  'vote', 'preVote', 'voteResponse', 'preVoteResponse', 'append', 'appendResponse',
  'heartbeat', 'heartbeatResponse', 'snapshot', 'timeoutNow',
]);

/** Checks that `value` is a complete Raft message of a known type; returns it typed, or throws. */
export function validateMessage(value: unknown): Message {
  if (!isObj(value)) throw new InvalidMessageError('message must be a map');
  const type = value.type;
  if (!TYPES.has(type)) throw new InvalidMessageError(`unknown message type ${show(type)}`);
  const t = type as MessageType;
  nodeId(value.from, t, 'from');
  nodeId(value.to, t, 'to');
  logNumber(value, 'term', t);
  validateBody(t, value);
  return value as unknown as Message;
}
