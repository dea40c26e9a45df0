// At-most-once application of client writes. Each session's last (seq, result) is kept in the
// same LevelDB batch as the write it describes (once per batch: the session's last write in it),
// so a retry after a crash or a leader change is recognised on every replica. The table is part
// of the replicated state (snapshots carry it), so its eviction rule depends only on the applied
// entries, never on the local clock or batch boundaries: every replica must evict the same
// session at the same entry or they would diverge.
//
// A session is a client id under the user the leader authenticated (sessionKey): with auth on,
// nobody can touch another user's sessions. Time enters only as the leader's clock stamped into
// each request (`req.at`; counted on its monotonic clock, never its wall clock, which can jump
// ahead: src/server/session-clock.ts): a new session that finds the table (or its user's share
// of it) full may push out the least recently active session only if that one has been idle for
// `sessionIdleMs`; otherwise the new session is refused (sessionsFull, RESOURCE_EXHAUSTED) rather
// than a live session, whose retry would then apply twice, being evicted.
import type { RequestId } from './commands.js';
import { pack, unpack } from './codec.js';
import { StateInvariantError } from './errors.js';
import { PREFIX_CLIENT, PREFIX_RESULT, clientKey } from './keys.js';
import type { Db } from './kv-records.js';
import type { CommandResult } from './types.js';

export interface DedupeOptions {
  /** Sessions remembered at most; a new one evicts the least recently active only if idle (see the file comment). */
  maxClients: number;
  /** Sessions one authenticated user may hold, so that no user can fill the table for the others. */
  maxClientsPerUser: number;
  /** A session this long without a request (by the leaders' clocks) may be evicted for a new one. */
  sessionIdleMs: number;
  /** A client whose last request is more than this many entries before the entry being applied is forgotten first. */
  idleEntries: number;
  /** A larger result is replaced by a resultNotRetained error (the write itself was applied). */
  maxResultBytes: number;
}

export const DEFAULT_DEDUPE: DedupeOptions = {
  maxClients: 10_000,
  maxClientsPerUser: 2_500,
  sessionIdleMs: 300_000,
  idleEntries: 1_000_000,
  maxResultBytes: 64 * 1024,
};

interface ClientState {
  seq: number;
  lastIndex: number;
  /** The leader's clock (ms) at the session's last request; 0 for requests from before it was stamped. */
  at: number;
}

/**
 * The table key of a request: the client id alone without a user (auth off, and every record
 * from before users existed), `\0user\0clientId` for an authenticated user. The server refuses
 * client ids containing NUL, so the two kinds cannot meet.
 */
export function sessionKey(clientId: string, user: string | undefined): string {
  return user ? `\u0000${user}\u0000${clientId}` : clientId;
}

/** The user of a session key ('' for none). */
function userOf(key: string): string {
  return key.charCodeAt(0) === 0 ? key.slice(1, key.indexOf('\u0000', 1)) : '';
}

type Batch = ReturnType<Db['batch']>;

/** The verdict for a request id: apply it, replay its recorded result, or refuse it as stale. */
export type DedupeVerdict = 'new' | 'duplicate' | 'stale';

/** The dedupe table: an in-memory index (small per client) over the LevelDB records. */
export class DedupeTable {
  /** Map order is the order of last activity (re-inserted on every request), oldest first. */
  private readonly clients = new Map<string, ClientState>();
  /** The sessions of each authenticated user, in the same order. */
  private readonly byUser = new Map<string, Map<string, true>>();
  /** Results recorded by the batch being applied, not yet in LevelDB. */
  private readonly pendingResults = new Map<string, Buffer>();
  /**
   * Sessions recorded by the batch being applied, not yet put into it (flush): only each
   * session's last request of the batch reaches LevelDB. A Pipeline client's 64 writes in one
   * batch were 128 puts of the same two keys, 126 of them overwritten within the batch.
   */
  private readonly unflushed = new Map<string, { state: ClientState; stamped: boolean }>();
  /** The newest request stamp applied (or loaded): where the leader's stamps continue from. */
  private latestAtMs = 0;

  private constructor(
    private readonly db: Db,
    private readonly options: DedupeOptions,
  ) {}

  /** Load the index from LevelDB, oldest activity first. */
  static async load(db: Db, options: DedupeOptions): Promise<DedupeTable> {
    const table = new DedupeTable(db, options);
    const loaded: { id: string; state: ClientState }[] = [];
    for await (const [k, v] of db.iterator({ gt: Buffer.from([PREFIX_CLIENT]), lt: Buffer.from([PREFIX_CLIENT + 1]) })) {
      const r = unpack(v);
      if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number' || (r[2] !== undefined && typeof r[2] !== 'number')) {
        throw new StateInvariantError(`corrupt dedupe record ${k.toString('hex')}`);
      }
      loaded.push({ id: k.subarray(1).toString('utf8'), state: { seq: r[0], lastIndex: r[1], at: r[2] ?? 0 } });
    }
    // lastIndex is unique per client (one request id per entry), so this order is total.
    loaded.sort((a, b) => a.state.lastIndex - b.state.lastIndex);
    for (const c of loaded) table.touch(c.id, c.state);
    return table;
  }

  /** Number of clients remembered. */
  get size(): number {
    return this.clients.size;
  }

  /** The newest request stamp applied or loaded (0: none), for src/server/session-clock.ts. */
  get latestStampMs(): number {
    return this.latestAtMs;
  }

  /** Forget clients idle for more than idleEntries as of entry `index` (run before each entry). */
  evictIdle(index: number, batch: Batch): void {
    const oldestAllowed = index - this.options.idleEntries;
    for (const [id, state] of this.clients) {
      if (state.lastIndex >= oldestAllowed) break;
      this.evict(id, batch);
    }
  }

  /** Classify a request against its session's last recorded seq. */
  check(key: string, req: RequestId): DedupeVerdict {
    const state = this.clients.get(key);
    if (!state || req.seq > state.seq) return 'new';
    return req.seq === state.seq ? 'duplicate' : 'stale';
  }

  /** The result recorded for the session's last seq (check() returned 'duplicate'). */
  recordedResult(key: string): CommandResult {
    const bytes = this.pendingResults.get(key) ?? this.db.getSync(clientKey(PREFIX_RESULT, key));
    if (bytes === undefined) throw new StateInvariantError(`dedupe result missing for client ${key}`);
    return unpack(bytes) as CommandResult;
  }

  /**
   * Makes room for a new session stamped `at` by evicting idle ones; returns why it cannot be
   * admitted (nothing evicted then), or null. Requests from before stamping (`at` undefined, an
   * old log replayed) keep the old rule, applied by record(): the least recently active goes.
   */
  admit(key: string, at: number | undefined, batch: Batch): string | null {
    if (this.clients.has(key) || at === undefined) return null;
    const idleSince = at - this.options.sessionIdleMs;
    const user = userOf(key);
    const mine = user ? this.byUser.get(user) : undefined;
    const perUser = this.options.maxClientsPerUser;
    const idleS = Math.round(this.options.sessionIdleMs / 1000);
    if (mine && mine.size >= perUser) {
      const oldest = mine.keys().next().value!;
      if (this.clients.get(oldest)!.at > idleSince) {
        return `user ${JSON.stringify(user)} already has ${perUser} sessions, each active within the last ${idleS} s: reuse client ids, or retry once one is idle`;
      }
      this.evict(oldest, batch);
    }
    if (this.clients.size >= this.options.maxClients) {
      const [oldest, state] = this.clients.entries().next().value!;
      if (state.at > idleSince) {
        return `the exactly-once table is full: ${this.options.maxClients} sessions, each active within the last ${idleS} s; retry once one is idle`;
      }
      this.evict(oldest, batch);
    }
    return null;
  }

  /** Record a request of session `key` applied at entry `index` with its result. */
  record(key: string, req: RequestId, index: number, result: CommandResult, batch: Batch): void {
    let bytes = pack(result);
    if (bytes.length > this.options.maxResultBytes) {
      const revision = 'revision' in result ? result.revision : 0;
      bytes = pack({
        type: 'error',
        code: 'resultNotRetained',
        message: `request was applied at revision ${revision}; its result is too large to keep for retries`,
      } satisfies CommandResult);
    }
    const state: ClientState = { seq: req.seq, lastIndex: index, at: req.at ?? 0 };
    this.touch(key, state);
    this.pendingResults.set(key, bytes);
    this.unflushed.set(key, { state, stamped: req.at !== undefined });
    if (req.at !== undefined) return; // admit() made room
    for (const id of this.clients.keys()) {
      if (this.clients.size <= this.options.maxClients) break;
      this.evict(id, batch);
    }
  }

  /** Sets a session's state, moving it to the most recently active end. */
  private touch(key: string, state: ClientState): void {
    if (state.at > this.latestAtMs) this.latestAtMs = state.at;
    this.clients.delete(key);
    this.clients.set(key, state);
    const user = userOf(key);
    if (!user) return;
    let mine = this.byUser.get(user);
    if (!mine) this.byUser.set(user, (mine = new Map()));
    mine.delete(key);
    mine.set(key, true);
  }

  /**
   * Puts the sessions recorded since the last flush into `batch`, each once with its last
   * request and result: call after the batch's last entry, before it is written. An eviction
   * in between deleted its session's records in the batch already and dropped it from here.
   */
  flush(batch: Batch): void {
    for (const [key, { state, stamped }] of this.unflushed) {
      batch.put(clientKey(PREFIX_CLIENT, key), pack(stamped ? [state.seq, state.lastIndex, state.at] : [state.seq, state.lastIndex]));
      batch.put(clientKey(PREFIX_RESULT, key), this.pendingResults.get(key)!);
    }
    this.unflushed.clear();
  }

  /** Call once the batch is written: pending results are now readable from LevelDB. */
  batchWritten(): void {
    this.pendingResults.clear();
  }

  private evict(id: string, batch: Batch): void {
    this.clients.delete(id);
    const user = userOf(id);
    const mine = user ? this.byUser.get(user) : undefined;
    if (mine) {
      mine.delete(id);
      if (mine.size === 0) this.byUser.delete(user);
    }
    this.pendingResults.delete(id);
    this.unflushed.delete(id);
    batch.del(clientKey(PREFIX_CLIENT, id));
    batch.del(clientKey(PREFIX_RESULT, id));
  }
}
