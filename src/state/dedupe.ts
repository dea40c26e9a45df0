// At-most-once application of client writes. Each client's last (seq, result) is kept in the
// same LevelDB batch as the write it describes, so a retry after a crash or a leader change is
// recognised on every replica. The table is part of the replicated state (snapshots carry it),
// so its eviction rule depends only on the applied entries, never on time or batch boundaries:
// every replica must evict the same client at the same entry or they would diverge.
import type { RequestId } from './commands.js';
import { pack, unpack } from './codec.js';
import { StateInvariantError } from './errors.js';
import { PREFIX_CLIENT, PREFIX_RESULT, clientKey } from './keys.js';
import type { Db } from './kv-records.js';
import type { CommandResult } from './types.js';

export interface DedupeOptions {
  /** Clients remembered at most; inserting one more evicts the least recently active. */
  maxClients: number;
  /** A client whose last request is more than this many entries before the entry being applied is forgotten first. */
  idleEntries: number;
  /** A larger result is replaced by a resultNotRetained error (the write itself was applied). */
  maxResultBytes: number;
}

export const DEFAULT_DEDUPE: DedupeOptions = { maxClients: 10_000, idleEntries: 1_000_000, maxResultBytes: 64 * 1024 };

interface ClientState {
  seq: number;
  lastIndex: number;
}

type Batch = ReturnType<Db['batch']>;

/** The verdict for a request id: apply it, replay its recorded result, or refuse it as stale. */
export type DedupeVerdict = 'new' | 'duplicate' | 'stale';

/** The dedupe table: an in-memory index (small per client) over the LevelDB records. */
export class DedupeTable {
  /** Map order is the order of last activity (re-inserted on every request), oldest first. */
  private readonly clients = new Map<string, ClientState>();
  /** Results recorded by the batch being applied, not yet in LevelDB. */
  private readonly pendingResults = new Map<string, Buffer>();

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
      if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number') {
        throw new StateInvariantError(`corrupt dedupe record ${k.toString('hex')}`);
      }
      loaded.push({ id: k.subarray(1).toString('utf8'), state: { seq: r[0], lastIndex: r[1] } });
    }
    // lastIndex is unique per client (one request id per entry), so this order is total.
    loaded.sort((a, b) => a.state.lastIndex - b.state.lastIndex);
    for (const c of loaded) table.clients.set(c.id, c.state);
    return table;
  }

  /** Number of clients remembered. */
  get size(): number {
    return this.clients.size;
  }

  /** Forget clients idle for more than idleEntries as of entry `index` (run before each entry). */
  evictIdle(index: number, batch: Batch): void {
    const oldestAllowed = index - this.options.idleEntries;
    for (const [id, state] of this.clients) {
      if (state.lastIndex >= oldestAllowed) break;
      this.evict(id, batch);
    }
  }

  /** Classify a request against the client's last recorded seq. */
  check(req: RequestId): DedupeVerdict {
    const state = this.clients.get(req.clientId);
    if (!state || req.seq > state.seq) return 'new';
    return req.seq === state.seq ? 'duplicate' : 'stale';
  }

  /** The result recorded for the client's last seq (check() returned 'duplicate'). */
  recordedResult(clientId: string): CommandResult {
    const bytes = this.pendingResults.get(clientId) ?? this.db.getSync(clientKey(PREFIX_RESULT, clientId));
    if (bytes === undefined) throw new StateInvariantError(`dedupe result missing for client ${clientId}`);
    return unpack(bytes) as CommandResult;
  }

  /** Record a request applied at entry `index` with its result, evicting over maxClients. */
  record(req: RequestId, index: number, result: CommandResult, batch: Batch): void {
    let bytes = pack(result);
    if (bytes.length > this.options.maxResultBytes) {
      const revision = 'revision' in result ? result.revision : 0;
      bytes = pack({
        type: 'error',
        code: 'resultNotRetained',
        message: `request was applied at revision ${revision}; its result is too large to keep for retries`,
      } satisfies CommandResult);
    }
    this.clients.delete(req.clientId);
    this.clients.set(req.clientId, { seq: req.seq, lastIndex: index });
    this.pendingResults.set(req.clientId, bytes);
    batch.put(clientKey(PREFIX_CLIENT, req.clientId), pack([req.seq, index]));
    batch.put(clientKey(PREFIX_RESULT, req.clientId), bytes);
    for (const id of this.clients.keys()) {
      if (this.clients.size <= this.options.maxClients) break;
      this.evict(id, batch);
    }
  }

  /** Call once the batch is written: pending results are now readable from LevelDB. */
  batchWritten(): void {
    this.pendingResults.clear();
  }

  private evict(id: string, batch: Batch): void {
    this.clients.delete(id);
    this.pendingResults.delete(id);
    batch.del(clientKey(PREFIX_CLIENT, id));
    batch.del(clientKey(PREFIX_RESULT, id));
  }
}
