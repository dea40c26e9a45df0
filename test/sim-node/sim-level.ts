// The state machine's database twin: memory-level (the same abstract-level API as LevelDB's
// `level`), whose operations settle on the microtask queue, so nothing the simulation runs waits
// on a thread pool. It keeps LevelDB's durability rule as raftdb uses it: a write is durable only
// once a write with `sync: true` follows it (StateMachine.sync()); a power cut keeps the writes up
// to the last sync and a random prefix of the ones after (LevelDB's log is written in order, so
// what survives is a prefix). A process crash keeps everything (the OS has it).
import { MemoryLevel } from 'memory-level';
import type { Db } from '../../src/state/index.js';

type Op = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer } | { type: 'clear'; range: Record<string, unknown> };
interface Write {
  ops: Op[];
  sync: boolean;
}

/** One member's database across its restarts: what was written, and what is durable. */
export class SimLevelStore {
  private readonly writes: Write[] = [];
  private lastSync = -1;
  /** The incarnation whose writes count; a dead one's late writes (its process is gone) do not. */
  private generation = 0;

  /**
   * A database for one incarnation of the member, not yet open (what StateMachineOptions.openDb
   * returns): its open() finds what survives so far. Opening again (a restart, or the reopen
   * after a snapshot install) makes the earlier object's late writes void.
   */
  opener(): Db {
    const generation = ++this.generation;
    const db = new RecordingLevel(
      (w) => {
        if (generation !== this.generation) return;
        this.writes.push(w);
        if (w.sync) this.lastSync = this.writes.length - 1;
      },
      // Written without recording: it is the state the member finds, not new writes.
      () => this.writes.flatMap((w) => w.ops),
    );
    return db as unknown as Db;
  }

  /** The process died: nothing its database object does from now on reaches the store. */
  crash(): void {
    this.generation++;
  }

  /** A power cut: writes after the last sync survive only as a random prefix. */
  powerCut(random: () => number): void {
    const unsynced = this.writes.length - (this.lastSync + 1);
    const kept = Math.floor(random() * (unsynced + 1));
    this.writes.length = this.lastSync + 1 + kept;
  }
}

/** abstract-level's implementation hooks (not in its type declarations). */
interface LevelHooks {
  _put(key: Buffer, value: Buffer, options: { sync?: boolean }): Promise<void>;
  _del(key: Buffer, options: { sync?: boolean }): Promise<void>;
  _batch(operations: Array<{ type: 'put' | 'del'; key: Buffer; value?: Buffer }>, options: { sync?: boolean }): Promise<void>;
  _clear(options: Record<string, unknown>): Promise<void>;
  _open(options: unknown): Promise<void>;
}

/** memory-level that reports every write it takes (see SimLevelStore), hooked where abstract-level writes. */
class RecordingLevel extends MemoryLevel<Buffer, Buffer> {
  constructor(record: (w: Write) => void, found: () => Op[]) {
    super({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const hooks = this as unknown as LevelHooks;
    const put = hooks._put.bind(this);
    const del = hooks._del.bind(this);
    const batch = hooks._batch.bind(this);
    const clear = hooks._clear.bind(this);
    const open = hooks._open.bind(this);
    // What the member finds goes in through the unrecorded hooks while abstract-level opens.
    hooks._open = async (options) => {
      await open(options);
      for (const o of found()) {
        if (o.type === 'put') await put(o.key, o.value, {});
        else if (o.type === 'del') await del(o.key, {});
        else await clear(o.range);
      }
    };
    hooks._put = (key, value, options) => {
      record({ ops: [{ type: 'put', key: Buffer.from(key), value: Buffer.from(value) }], sync: options.sync === true });
      return put(key, value, options);
    };
    hooks._del = (key, options) => {
      record({ ops: [{ type: 'del', key: Buffer.from(key) }], sync: options.sync === true });
      return del(key, options);
    };
    hooks._batch = (operations, options) => {
      record({ ops: operations.map((o): Op => (o.type === 'put' ? { type: 'put', key: Buffer.from(o.key), value: Buffer.from(o.value!) } : { type: 'del', key: Buffer.from(o.key) })), sync: options.sync === true });
      return batch(operations, options);
    };
    hooks._clear = (options) => {
      const range: Record<string, unknown> = {};
      for (const k of ['gt', 'gte', 'lt', 'lte', 'limit', 'reverse']) {
        const v = options[k];
        if (v !== undefined) range[k] = Buffer.isBuffer(v) ? Buffer.from(v) : v;
      }
      record({ ops: [{ type: 'clear', range }], sync: false });
      return clear(options);
    };
  }
}
