// A tiny deterministic network of Raft cores for scenario tests, in the spirit of etcd's
// interaction tests: nothing moves unless a test ticks a node or delivers messages, so every
// scenario reads as a script ("elect n1", "isolate n3", "propose", "stabilize", then assert).
// Each server (./peer.ts) handles its Readies exactly as the contract demands. The network also
// checks two safety properties throughout: at most one leader per term (§5.2) and no two nodes
// applying different entries at one index (§5.4.3).
import { campaign as startCampaign } from '../../src/raft/candidate.js';
import { EntryType } from '../../src/raft/index.js';
import type { Entry, Message, NodeId, RaftNode, RandomSource, Ready, Role } from '../../src/raft/index.js';
import { emptyDisk, encode, Peer, type Disk, type Envelope, type NodeConfig } from './peer.js';

export { encode, valueOf } from './peer.js';

/** Settings shared by every node unless a test overrides them. */
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 1;

/** The message type(s) whose `type` is T (one vote response interface carries two types). */
export type MessageOf<T extends Message['type']> = Message & { type: T };

export type MessageFilter = (m: Message) => boolean;

export interface NetworkOptions {
  /** Founding voters n1..nN (default 3). */
  size?: number;
  /** Settings for every node, then per-node overrides. */
  config?: NodeConfig;
  nodeConfig?: Record<NodeId, NodeConfig>;
  /** Random source per node; default: always 0.5, so every randomized timeout is 1.5 × electionTicks. */
  random?: (id: NodeId) => RandomSource;
  /**
   * Start from scripted logs instead of a fresh bootstrap: for each node the terms of its entries
   * at indexes 2, 3, ... (index 1 is the shared bootstrap configuration entry). Entries with the
   * same index and term carry the same command, `scriptedValue(index, term)`, as the Log Matching
   * property requires. Every hard state is { term: highest term in any log, vote: null, commit: 1 }.
   */
  logs?: Record<NodeId, number[]>;
}

/** A random source that returns `values` in turn and then repeats the last one. */
export function sequence(...values: number[]): RandomSource {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

/** The command a scripted log holds at (index, term). */
export function scriptedValue(index: number, term: number): string {
  return `i${index}t${term}`;
}

export class Network {
  readonly peers = new Map<NodeId, Peer>();
  /** Every message any node sent (delivered or not), in order. */
  readonly sent: Message[] = [];
  private pending: Envelope[] = [];
  private readonly filters = new Set<MessageFilter>();
  private readonly voters: NodeId[];
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Each node's monotonic clock in ms: a tick moves it one interval on, `advanceClock` further. */
  private readonly clocks = new Map<NodeId, number>();
  private readonly termAtIndex = new Map<number, number>();

  constructor(private readonly opts: NetworkOptions = {}) {
    const size = opts.logs ? Object.keys(opts.logs).length : (opts.size ?? 3);
    this.voters = Array.from({ length: size }, (_, i) => `n${i + 1}`);
    for (const id of this.voters) this.createPeer(id, opts.logs ? this.scriptedDisk(opts.logs, id) : emptyDisk());
    this.warmUp();
  }

  // ---- servers -------------------------------------------------------------------------------

  private createPeer(id: NodeId, disk: Disk): Peer {
    const cfg = { electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS, ...this.opts.config, ...this.opts.nodeConfig?.[id] };
    const random = this.opts.random?.(id) ?? (() => 0.5);
    const peer = new Peer(id, cfg, random, disk, {
      send: (env) => {
        this.sent.push(env.msg);
        this.pending.push(env);
      },
      applying: (p, e) => this.checkApply(p, e),
      handled: (p, rd) => this.checkLeader(p, rd),
    });
    this.peers.set(id, peer);
    peer.start(this.voters.includes(id) ? this.voters : []);
    return peer;
  }

  private scriptedDisk(logs: Record<NodeId, number[]>, id: NodeId): Disk {
    const conf = { type: 'bootstrap' as const, voters: this.voters.slice() };
    const entries: Entry[] = [{ index: 1, term: 1, type: EntryType.ConfChange, data: new Uint8Array(0), conf }];
    (logs[id] ?? []).forEach((term, k) => {
      entries.push({ index: k + 2, term, type: EntryType.Normal, data: encode(scriptedValue(k + 2, term)) });
    });
    const term = Math.max(1, ...Object.values(logs).flat());
    return { ...emptyDisk(), hardState: { term, vote: null, commit: 1 }, entries, applied: 1 };
  }

  /**
   * Lets one election timeout pass on every node, so that none is still in the vote-refusing
   * period that follows a (re)start. With the default random source nobody campaigns yet.
   */
  private warmUp(): void {
    for (let t = 0; t < ELECTION_TICKS; t++) for (const id of this.ids()) this.tick(id);
    for (const id of this.ids()) {
      if (this.raft(id).role !== 'follower') throw new Error(`harness: ${id} campaigned during warm-up; use a slower random source`);
    }
  }

  /** A brand-new, empty node that learns its configuration from the leader once added. */
  addNode(id: NodeId): Peer {
    if (this.peers.has(id)) throw new Error(`harness: ${id} exists`);
    return this.createPeer(id, emptyDisk());
  }

  peer(id: NodeId): Peer {
    const p = this.peers.get(id);
    if (!p) throw new Error(`harness: no node ${id}`);
    return p;
  }

  /** The running core of `id`. */
  raft(id: NodeId): RaftNode {
    return this.running(id).raft!;
  }

  private running(id: NodeId): Peer {
    const p = this.peer(id);
    if (!p.raft) throw new Error(`harness: ${id} is crashed`);
    return p;
  }

  ids(): NodeId[] {
    return [...this.peers.keys()];
  }

  live(): NodeId[] {
    return this.ids().filter((id) => this.peer(id).raft !== null);
  }

  /** The live leader of the highest term, or null. */
  leader(): NodeId | null {
    let best: RaftNode | null = null;
    for (const id of this.live()) {
      const r = this.raft(id);
      if (r.role === 'leader' && (!best || r.term > best.term)) best = r;
    }
    return best?.id ?? null;
  }

  // ---- faults --------------------------------------------------------------------------------

  /** Drops every message matching `filter` on delivery, until `heal()` or the returned function. */
  drop(filter: MessageFilter): () => void {
    this.filters.add(filter);
    return () => this.filters.delete(filter);
  }

  /** Cuts `id` off from every other node, both ways. */
  isolate(id: NodeId): () => void {
    return this.drop((m) => m.from === id || m.to === id);
  }

  heal(): void {
    this.filters.clear();
  }

  /** Stops the process: only the disk survives; messages to it are lost while it is down. */
  crash(id: NodeId): void {
    this.peer(id).crash();
  }

  /** Starts a new process from the disk. */
  restart(id: NodeId): void {
    const p = this.peer(id);
    if (p.raft) throw new Error(`harness: ${id} is running`);
    p.incarnation++;
    p.start([]);
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** Ticks one node `n` times, one tick interval apart, handling its Readies; what it sends stays in flight. */
  tick(id: NodeId, n = 1): void {
    for (let k = 0; k < n; k++) {
      const r = this.raft(id);
      const nowMs = this.nowMs(id) + r.cfg.tickMs;
      this.clocks.set(id, nowMs);
      r.tick(nowMs);
      this.process(id);
    }
  }

  /** What `id`'s monotonic clock reads now. */
  nowMs(id: NodeId): number {
    return this.clocks.get(id) ?? 0;
  }

  /**
   * Moves `id`'s clock on by `ms` without a tick: time passed while the node ran nothing (its
   * process was stopped, or its event loop busy). Its next tick comes that much later.
   */
  advanceClock(id: NodeId, ms: number): void {
    this.clocks.set(id, this.nowMs(id) + ms);
  }

  /** A LEASE read on `id` at its clock's current time, then its Readies are handled. */
  leaseRead(id: NodeId, ctx: string): void {
    this.request(id, (r) => r.leaseRead(ctx, this.nowMs(id)));
  }

  /** `n` rounds of: tick every live node once, then deliver until quiescent. */
  tickAll(n = 1): void {
    for (let k = 0; k < n; k++) {
      for (const id of this.live()) this.tick(id);
      this.stabilize();
    }
  }

  /**
   * Makes `id` start an election now, as its election timer would (pre-vote first if
   * configured). The other nodes still apply all their rules (leases, log up-to-dateness).
   */
  campaign(id: NodeId): void {
    const r = this.raft(id);
    startCampaign(r, r.cfg.preVote ? 'pre' : 'real');
    this.process(id);
  }

  /** campaign + stabilize, insisting that `id` won. */
  elect(id: NodeId): void {
    this.campaign(id);
    this.stabilize();
    const r = this.raft(id);
    if (r.role !== 'leader') throw new Error(`harness: ${id} did not win (role ${r.role}, term ${r.term})`);
  }

  /** Proposes commands on `id` in one call and handles the Ready. */
  propose(id: NodeId, ...values: string[]): { index: number; term: number } {
    return this.request(id, (r) => r.propose(values.map(encode)));
  }

  /** Runs a client request against the core of `id`, then handles its Readies. */
  request<T>(id: NodeId, fn: (raft: RaftNode) => T): T {
    const out = fn(this.raft(id));
    this.process(id);
    return out;
  }

  /** Hands `m` straight to its receiver (no filters); returns the Readies it caused. */
  step(m: Message): Ready[] {
    const p = this.running(m.to);
    const before = p.readies.length;
    p.receive({ msg: m });
    return p.readies.slice(before);
  }

  /** The host snapshots `id`'s state machine at its applied index (or `index`) and compacts. */
  compact(id: NodeId, index = this.peer(id).disk.applied): void {
    this.running(id).compact(index);
  }

  /** Handles every Ready `id` has. */
  process(id: NodeId): void {
    this.running(id).process();
  }

  /** Performs the I/O `rd` asks of `id`, without calling advance. */
  handle(id: NodeId, rd: Ready): void {
    this.running(id).handle(rd);
  }

  // ---- the network ---------------------------------------------------------------------------

  /** Messages sent but not yet delivered (or dropped). */
  inFlight(): Message[] {
    return this.pending.map((e) => e.msg);
  }

  /** Delivers what is in flight now, not what those deliveries send; returns how many arrived. */
  deliverInFlight(): number {
    const batch = this.pending;
    this.pending = [];
    let n = 0;
    for (const env of batch) if (this.deliver(env)) n++;
    return n;
  }

  /** Delivers messages one at a time, in the order sent, until none is in flight. */
  stabilize(maxMessages = 100_000): void {
    for (let n = 0; this.pending.length > 0; n++) {
      if (n >= maxMessages) throw new Error('harness: the network does not quiesce');
      this.deliver(this.pending.shift()!);
    }
  }

  private deliver(env: Envelope): boolean {
    const to = this.peers.get(env.msg.to);
    if (!to?.raft) return false;
    for (const f of this.filters) if (f(env.msg)) return false;
    to.receive(env);
    return true;
  }

  // ---- safety checks -------------------------------------------------------------------------

  private checkApply(p: Peer, e: Entry): void {
    const term = this.termAtIndex.get(e.index);
    if (term !== undefined && term !== e.term) {
      throw new Error(`safety: ${p.id} applies index ${e.index} of term ${e.term}; another node applied term ${term}`);
    }
    this.termAtIndex.set(e.index, e.term);
  }

  private checkLeader(p: Peer, rd: Ready): void {
    if (rd.softState?.role !== 'leader') return;
    const other = this.leaderOfTerm.get(rd.softState.term);
    if (other !== undefined && other !== p.id) throw new Error(`safety: ${other} and ${p.id} both lead term ${rd.softState.term}`);
    this.leaderOfTerm.set(rd.softState.term, p.id);
  }

  // ---- observations --------------------------------------------------------------------------

  /** The commands `id`'s state machine applied, in order. */
  applied(id: NodeId): string[] {
    return this.peer(id).disk.values.map((v) => v.value);
  }

  /** The terms of `id`'s log entries from its first index on (index 1 is the bootstrap entry). */
  logTerms(id: NodeId): number[] {
    const log = this.raft(id).log;
    const out: number[] = [];
    for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i)!);
    return out;
  }

  /** The roles `id` went through, from its Readies' soft states. */
  roles(id: NodeId): { role: Role; term: number }[] {
    const out: { role: Role; term: number }[] = [];
    for (const rd of this.peer(id).readies) if (rd.softState) out.push({ role: rd.softState.role, term: rd.softState.term });
    return out;
  }

  /** Messages of type `type` sent so far that match `pred`. */
  sentWhere<T extends Message['type']>(type: T, pred: (m: MessageOf<T>) => boolean = () => true): MessageOf<T>[] {
    return this.sent.filter((m): m is MessageOf<T> => m.type === type && pred(m as MessageOf<T>));
  }
}
