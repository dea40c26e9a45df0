import { RaftNode, EntryType } from '../../src/raft/index.js';
import type { Entry, HardState, Message, RaftConfig, Ready, SnapshotMeta } from '../../src/raft/index.js';
import type { SafetyChecker } from './checker.js';

/** What survives a crash: the WAL (hard state, entries, snapshot) and the state machine. */
export interface SimDisk {
  hardState: HardState;
  snapshot: { meta: SnapshotMeta; data: Map<string, string> } | null;
  entries: Entry[];
  /** The state machine is durable and updated atomically with its applied index (like LevelDB). */
  kv: Map<string, string>;
  applied: number;
}

/** A command as the simulated clients encode it. */
export interface SimCommand {
  key: string;
  value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(c: SimCommand): Uint8Array {
  return encoder.encode(`${c.key}=${c.value}`);
}

export function decodeCommand(data: Uint8Array): SimCommand {
  const s = decoder.decode(data);
  const eq = s.indexOf('=');
  return { key: s.slice(0, eq), value: s.slice(eq + 1) };
}

/** An outgoing message plus, for snapshots, the state machine bytes the transport carries. */
export interface Envelope {
  msg: Message;
  snapshotData?: Map<string, string>;
}

export interface SimHooks {
  send(env: Envelope): void;
  /** A write proposed through this node was applied at (index, term): the client gets its ack. */
  applied(node: SimNode, entry: Entry): void;
  readServed(node: SimNode, ctx: string, index: number, value: string | undefined): void;
  readFailed(node: SimNode, ctx: string): void;
}

/**
 * One simulated server: a Raft core plus a disk that survives crashes. Ready handling follows
 * the contract in src/raft/types.ts exactly, because the real server must do the same.
 */
export class SimNode {
  raft: RaftNode | null = null;
  readonly disk: SimDisk;
  private staged = new Map<number, Map<string, string>>();
  private waitingReads: { ctx: string; index: number; key: string }[] = [];
  readonly readKeys = new Map<string, string>();
  /** Ticks per tick event is one; `tickPhase` staggers nodes so they do not move in lockstep. */
  constructor(
    readonly id: string,
    private readonly cfg: Omit<Partial<RaftConfig>, 'id' | 'random'>,
    /** Founding voters for a founding member; empty for a node that joins later. */
    private readonly bootstrapVoters: string[],
    private readonly random: () => number,
    private readonly checker: SafetyChecker,
    private readonly hooks: SimHooks,
    readonly compactEvery: number,
  ) {
    this.disk = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], kv: new Map(), applied: 0 };
  }

  get up(): boolean {
    return this.raft !== null;
  }

  /** (Re)starts from disk, like a process coming back after a crash. */
  start(): void {
    const d = this.disk;
    const restart =
      d.hardState.term === 0 && d.entries.length === 0 && !d.snapshot
        ? null
        : { hardState: { ...d.hardState }, snapshot: d.snapshot?.meta ?? null, entries: d.entries.slice(), applied: d.applied };
    this.raft = new RaftNode({ ...this.cfg, id: this.id, random: this.random }, restart, restart ? [] : this.bootstrapVoters);
    this.staged.clear();
    this.waitingReads = [];
  }

  crash(): void {
    this.raft = null;
    this.staged.clear();
    for (const r of this.waitingReads) this.hooks.readFailed(this, r.ctx);
    this.waitingReads = [];
  }

  /** One tick of the node's timer at `nowMs` on its monotonic clock. */
  tick(nowMs: number): void {
    if (!this.raft) return;
    this.raft.tick(nowMs);
    this.afterInput();
  }

  deliver(env: Envelope): void {
    if (!this.raft) return;
    if (env.msg.type === 'snapshot' && env.snapshotData) this.staged.set(env.msg.snapshot.index, env.snapshotData);
    this.raft.step(env.msg);
    this.afterInput();
  }

  /** Runs `fn` against the core (a client request), then handles the resulting Ready. */
  request<T>(fn: (raft: RaftNode) => T): T {
    const out = fn(this.raft!);
    this.afterInput();
    return out;
  }

  registerRead(ctx: string, key: string): void {
    this.readKeys.set(ctx, key);
  }

  private afterInput(): void {
    const raft = this.raft!;
    this.checker.observeRole(this);
    while (raft.hasReady()) {
      this.handleReady(raft.ready());
      raft.advance(this.lastReady!);
      this.lastReady = null;
      this.checker.observeRole(this);
    }
    this.maybeCompact();
  }

  private lastReady: Ready | null = null;

  private handleReady(rd: Ready): void {
    this.lastReady = rd;
    const d = this.disk;
    if (rd.snapshot) this.installSnapshot(rd.snapshot);
    if (rd.hardState) d.hardState = { ...rd.hardState };
    if (rd.entries.length > 0) this.persistEntries(rd.entries);
    // Messages leave only after what they acknowledge is durable.
    for (const msg of rd.messages) {
      if (msg.type === 'snapshot') {
        if (!d.snapshot || d.snapshot.meta.index !== msg.snapshot.index) {
          throw new Error(`sim: ${this.id} sends snapshot ${msg.snapshot.index} it does not hold`);
        }
        this.hooks.send({ msg, snapshotData: d.snapshot.data });
      } else {
        this.hooks.send({ msg });
      }
    }
    this.checker.observeCommit(this);
    for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) {
      const key = this.readKeys.get(rs.ctx);
      if (key !== undefined) this.waitingReads.push({ ctx: rs.ctx, index: rs.index, key });
    }
    for (const ctx of rd.failedReads) {
      this.readKeys.delete(ctx);
      this.hooks.readFailed(this, ctx);
    }
    this.serveReads();
  }

  private installSnapshot(meta: SnapshotMeta): void {
    const data = this.staged.get(meta.index);
    if (!data) throw new Error(`sim: ${this.id} asked to install snapshot ${meta.index} it never received`);
    const d = this.disk;
    d.snapshot = { meta, data };
    d.kv = new Map(data);
    d.applied = meta.index;
    d.entries = [];
    this.staged.clear();
    this.checker.observeSnapshotInstall(this, meta);
  }

  private persistEntries(entries: Entry[]): void {
    const d = this.disk;
    const base = d.snapshot?.meta.index ?? 0;
    const first = entries[0]!.index;
    if (first - base - 1 > d.entries.length) throw new Error(`sim: ${this.id} WAL gap at ${first}`);
    d.entries.length = Math.max(0, first - base - 1);
    for (const e of entries) d.entries.push(e);
  }

  private apply(e: Entry): void {
    const d = this.disk;
    if (e.index !== d.applied + 1) throw new Error(`sim: ${this.id} applies ${e.index} after ${d.applied}`);
    this.checker.observeApply(this, e);
    if (e.type === EntryType.Normal && e.data.byteLength > 0) {
      const c = decodeCommand(e.data);
      d.kv.set(c.key, c.value);
    }
    d.applied = e.index;
    this.hooks.applied(this, e);
  }

  private serveReads(): void {
    if (this.waitingReads.length === 0) return;
    const rest: typeof this.waitingReads = [];
    for (const r of this.waitingReads) {
      if (r.index <= this.disk.applied) {
        this.readKeys.delete(r.ctx);
        this.hooks.readServed(this, r.ctx, r.index, this.disk.kv.get(r.key));
      } else rest.push(r);
    }
    this.waitingReads = rest;
  }

  /** Snapshots often (every few dozen entries) so that snapshot transfer is exercised constantly. */
  private maybeCompact(): void {
    const raft = this.raft!;
    const d = this.disk;
    if (d.applied - raft.log.snapshotIndex < this.compactEvery) return;
    raft.compact(d.applied);
    d.snapshot = { meta: raft.snapshot, data: new Map(d.kv) };
    const drop = d.applied - (d.entries[0]?.index ?? d.applied + 1) + 1;
    if (drop > 0) d.entries = d.entries.slice(drop);
  }
}
