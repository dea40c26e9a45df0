// The single record that says how far the state machine got. It is rewritten in every applied
// batch, in the same LevelDB write as the data, which is what makes apply exactly-once.
import { pack, unpack } from './codec.js';
import { StateInvariantError } from './errors.js';
import { STATE_KEY } from './keys.js';
import type { Db, DbSnapshot } from './kv-records.js';

/** Bumped if the layout changes incompatibly; open() refuses a directory of another format. */
export const STATE_FORMAT = 1;

export interface StateRecord {
  appliedIndex: number;
  appliedTerm: number;
  /** The store revision: how many keyspace-changing commands have been applied. */
  revision: number;
  /** The oldest revision still in the watch history (revision + 1 when it is empty). */
  firstWatchRevision: number;
}

/** The state of an empty directory. */
export const INITIAL_STATE: StateRecord = { appliedIndex: 0, appliedTerm: 0, revision: 0, firstWatchRevision: 1 };

/** Encode the state record value. */
export function encodeState(s: StateRecord): Buffer {
  return pack([STATE_FORMAT, s.appliedIndex, s.appliedTerm, s.revision, s.firstWatchRevision]);
}

/** Read the state record (at `snapshot` if given); INITIAL_STATE when absent. */
export async function readState(db: Db, snapshot?: DbSnapshot): Promise<StateRecord> {
  const bytes = await db.get(STATE_KEY, { snapshot });
  if (bytes === undefined) return { ...INITIAL_STATE };
  const r = unpack(bytes);
  if (!Array.isArray(r) || r.length !== 5 || !r.every((n) => Number.isSafeInteger(n))) {
    throw new StateInvariantError('corrupt state record');
  }
  if (r[0] !== STATE_FORMAT) throw new StateInvariantError(`state format ${r[0]} is not ${STATE_FORMAT}`);
  return { appliedIndex: r[1], appliedTerm: r[2], revision: r[3], firstWatchRevision: r[4] };
}
