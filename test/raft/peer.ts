// One test server: a Raft core, an in-memory disk that survives crashes, and the host's side of
// the Ready contract in src/raft/types.ts: persist (snapshot, hard state, entries), then send,
// then apply, then advance. Much like test/sim/sim-node.ts, minus clients and timing.
import { EntryType, RaftNode } from '../../src/raft/index.js';
import type { Entry, HardState, Message, NodeId, RaftConfig, RandomSource, ReadState, Ready, RestartState, SnapshotMeta } from '../../src/raft/index.js';

export type NodeConfig = Omit<Partial<RaftConfig>, 'id' | 'random'>;

/** A command the state machine applied, with the log index it came from. */
export interface AppliedValue {
  index: number;
  value: string;
}

/** What survives a crash: the WAL (hard state, entries, snapshot) and the state machine. */
export interface Disk {
  hardState: HardState;
  snapshot: { meta: SnapshotMeta; values: AppliedValue[] } | null;
  entries: Entry[];
  /** The state machine: the applied commands, durable together with `applied` (like LevelDB). */
  values: AppliedValue[];
  applied: number;
}

/** A message on the wire; a snapshot message carries the state machine alongside (the transport's job). */
export interface Envelope {
  msg: Message;
  values?: AppliedValue[];
}

/** What the network learns from a peer handling a Ready. */
export interface HostHooks {
  send(env: Envelope): void;
  /** Called for every entry applied, before it takes effect (the network's safety check). */
  applying(peer: Peer, e: Entry): void;
  /** Called once a Ready has been handled. */
  handled(peer: Peer, rd: Ready): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: string): Uint8Array {
  return encoder.encode(value);
}

export function valueOf(e: Entry): string {
  return decoder.decode(e.data);
}

export function emptyDisk(): Disk {
  return { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], values: [], applied: 0 };
}

export class Peer {
  /** The running core; null while crashed. */
  raft: RaftNode | null = null;
  /** Incremented by every restart. */
  incarnation = 0;
  /** Every Ready this server handled, in order, across incarnations. */
  readonly readies: Ready[] = [];
  /** Indexes applied, in order, each with the incarnation that applied it. */
  readonly appliedLog: { index: number; incarnation: number }[] = [];
  readonly readStates: ReadState[] = [];
  readonly failedReads: string[] = [];
  /** Snapshot contents received with a snapshot message, until the core asks to install them. */
  staged: AppliedValue[] | null = null;

  constructor(
    readonly id: NodeId,
    readonly cfg: NodeConfig,
    private readonly random: RandomSource,
    readonly disk: Disk,
    private readonly hooks: HostHooks,
  ) {}

  /** Starts a core from the disk; a node with an empty disk bootstraps with `founders`. */
  start(founders: NodeId[]): void {
    const d = this.disk;
    const fresh = d.hardState.term === 0 && d.entries.length === 0 && !d.snapshot;
    const restart: RestartState | null = fresh
      ? null
      : { hardState: { ...d.hardState }, snapshot: d.snapshot?.meta ?? null, entries: d.entries.slice(), applied: d.applied };
    this.raft = new RaftNode({ ...this.cfg, id: this.id, random: this.random }, restart, fresh ? founders : []);
    this.staged = null;
    this.process();
  }

  crash(): void {
    this.raft = null;
    this.staged = null;
  }

  /** Receives a message from the network and handles the Readies it causes. */
  receive(env: Envelope): void {
    if (env.values) this.staged = env.values;
    this.raft!.step(env.msg);
    this.process();
  }

  /** Handles every Ready the core has: do the I/O, then advance. */
  process(): void {
    const r = this.raft!;
    for (let guard = 0; r.hasReady(); guard++) {
      if (guard > 1000) throw new Error(`harness: ${this.id} never runs out of Readies`);
      const rd = r.ready();
      this.handle(rd);
      r.advance(rd);
    }
  }

  /** Performs what `rd` asks, in the contract's order, without calling advance. */
  handle(rd: Ready): void {
    this.readies.push(rd);
    const d = this.disk;
    if (rd.snapshot) this.installSnapshot(rd.snapshot);
    if (rd.hardState) d.hardState = { ...rd.hardState };
    if (rd.entries.length > 0) this.persistEntries(rd.entries);
    for (const msg of rd.messages) {
      if (msg.type !== 'snapshot') {
        this.hooks.send({ msg });
        continue;
      }
      if (d.snapshot?.meta.index !== msg.snapshot.index) throw new Error(`harness: ${this.id} sends a snapshot it does not hold`);
      this.hooks.send({ msg, values: d.snapshot.values.slice() });
    }
    for (const e of rd.committedEntries) this.apply(e);
    this.readStates.push(...rd.readStates);
    this.failedReads.push(...rd.failedReads);
    this.hooks.handled(this, rd);
  }

  /** Takes a snapshot of the state machine at `index` (<= applied) and compacts the log there. */
  compact(index: number): void {
    const r = this.raft!;
    r.compact(index);
    const d = this.disk;
    d.snapshot = { meta: r.snapshot, values: d.values.filter((v) => v.index <= index) };
    d.entries = d.entries.filter((e) => e.index > index);
  }

  private installSnapshot(meta: SnapshotMeta): void {
    if (!this.staged) throw new Error(`harness: ${this.id} installs a snapshot it never received`);
    const d = this.disk;
    d.snapshot = { meta, values: this.staged };
    d.values = this.staged.slice();
    d.applied = meta.index;
    d.entries = [];
    this.staged = null;
  }

  private persistEntries(entries: Entry[]): void {
    const d = this.disk;
    const base = d.snapshot?.meta.index ?? 0;
    const first = entries[0]!.index;
    if (first - base - 1 > d.entries.length) throw new Error(`harness: ${this.id} WAL gap at ${first}`);
    // The first entry may overwrite a persisted, uncommitted suffix: truncate first.
    d.entries.length = Math.max(0, first - base - 1);
    d.entries.push(...entries);
  }

  private apply(e: Entry): void {
    const d = this.disk;
    if (e.index !== d.applied + 1) throw new Error(`harness: ${this.id} applies ${e.index} after ${d.applied}`);
    this.hooks.applying(this, e);
    if (e.type === EntryType.Normal && e.data.byteLength > 0) d.values.push({ index: e.index, value: valueOf(e) });
    d.applied = e.index;
    this.appliedLog.push({ index: e.index, incarnation: this.incarnation });
  }
}
