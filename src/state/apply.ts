// How one decoded command changes the keyspace, following etcd's KV semantics: a command that
// changes at least one key takes the next store revision (a txn is one revision); a put sets
// modRevision to it, keeps createRevision, and increments version; a delete removes the key.
import type { AlarmTable } from './alarms.js';
import type { Command, Compare, TxnOp } from './commands.js';
import { MAX_RANGE_LIMIT } from './commands.js';
import { pack } from './codec.js';
import { StateInvariantError } from './errors.js';
import type { PendingBatch } from './pending.js';
import type { CommandResult, KeyValue, OpResult } from './types.js';

/**
 * The most keys one command may change. It bounds a batch, a watch record and an undo log; being
 * a constant (not an option) keeps every replica deciding the same way.
 */
export const MAX_KEYS_PER_COMMAND = 10_000;

const EMPTY = new Uint8Array(0);

/** Apply one command to the pending batch and return its result. */
export async function applyCommand(b: PendingBatch, cmd: Command, alarms: AlarmTable): Promise<CommandResult> {
  const mark = b.mark();
  switch (cmd.type) {
    case 'put':
      put(b, cmd.key, cmd.value, b.revision + 1);
      b.revision += 1;
      return { type: 'put', revision: b.revision };
    case 'delete':
    case 'deleteRange': {
      const deleted = await deleteRange(b, cmd.key, cmd.type === 'deleteRange' ? cmd.rangeEnd : undefined, b.revision + 1);
      if (deleted < 0) return tooManyKeys(b, mark);
      if (deleted > 0) b.revision += 1;
      return { type: 'delete', revision: b.revision, deleted };
    }
    case 'txn':
      return txn(b, mark, cmd.compare, cmd.success, cmd.failure);
    case 'setMeta':
      b.meta.set(cmd.name, pack(cmd.value));
      return { type: 'setMeta', revision: b.revision };
    case 'auth':
      throw new StateInvariantError('auth commands are applied by the auth store');
    case 'alarm':
      return alarms.apply(b, cmd);
    case 'compact':
      // Up to the current revision at most: its own change stays readable (etcd's rule).
      b.compactTo = Math.max(b.compactTo, Math.min(cmd.revision, b.revision));
      return { type: 'compact', revision: b.revision, compacted: b.compactTo };
  }
}

async function txn(
  b: PendingBatch,
  mark: number,
  compare: Compare[],
  success: TxnOp[],
  failure: TxnOp[],
): Promise<CommandResult> {
  let succeeded = true;
  for (let i = 0; i < compare.length && succeeded; i++) succeeded = holds(b.get(compare[i]!.key), compare[i]!);
  const ops = succeeded ? success : failure;
  const revision = b.revision + 1;
  const responses: OpResult[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    switch (op.type) {
      case 'put':
        put(b, op.key, op.value, revision);
        responses[i] = { type: 'put' };
        break;
      case 'delete':
      case 'deleteRange': {
        const deleted = await deleteRange(b, op.key, op.type === 'deleteRange' ? op.rangeEnd : undefined, revision);
        if (deleted < 0) return tooManyKeys(b, mark);
        responses[i] = { type: 'delete', deleted };
        break;
      }
      case 'range': {
        const limit = op.limit ? op.limit : MAX_RANGE_LIMIT;
        const { kvs, more } = await b.range(op.key, op.rangeEnd, limit);
        responses[i] = { type: 'range', kvs, more };
        break;
      }
    }
    if (b.events.length - mark > MAX_KEYS_PER_COMMAND) return tooManyKeys(b, mark);
  }
  if (b.events.length > mark) b.revision = revision;
  return { type: 'txn', revision: b.revision, succeeded, responses };
}

function put(b: PendingBatch, key: Uint8Array, value: Uint8Array, revision: number): void {
  const prev = b.get(key);
  const kv: KeyValue = {
    key,
    value,
    createRevision: prev ? prev.createRevision : revision,
    modRevision: revision,
    version: prev ? prev.version + 1 : 1,
  };
  b.set(key, kv, { type: 'put', kv, prevKv: prev, index: b.nextIndexInRevision() });
}

/** Delete every key of the range at `revision`; returns how many, or -1 when over the bound. */
async function deleteRange(b: PendingBatch, key: Uint8Array, rangeEnd: Uint8Array | undefined, revision: number): Promise<number> {
  const { kvs, more } = await b.range(key, rangeEnd, MAX_KEYS_PER_COMMAND);
  if (more) return -1;
  for (const prev of kvs) {
    const tombstone: KeyValue = { key: prev.key, value: EMPTY, createRevision: 0, modRevision: revision, version: 0 };
    b.set(prev.key, null, { type: 'delete', kv: tombstone, prevKv: prev, index: b.nextIndexInRevision() });
  }
  return kvs.length;
}

function tooManyKeys(b: PendingBatch, mark: number): CommandResult {
  b.rollback(mark);
  return { type: 'error', code: 'tooManyKeys', message: `command changes more than ${MAX_KEYS_PER_COMMAND} keys` };
}

/** etcd's compare: a missing key has version/revisions 0 and fails every value comparison. */
function holds(kv: KeyValue | null, c: Compare): boolean {
  let cmp: number;
  if (c.target === 'value') {
    if (!kv) return false;
    cmp = Buffer.compare(kv.value, c.value as Uint8Array);
  } else {
    const actual = kv ? kv[c.target] : 0;
    cmp = Math.sign(actual - (c.value as number));
  }
  switch (c.op) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '<':
      return cmp < 0;
    case '>':
      return cmp > 0;
  }
}
