import type { ConfChangeItem, RaftNode } from '../../src/raft/index.js';
import { RaftError } from '../../src/raft/index.js';
import { SafetyChecker } from './checker.js';
import { EventQueue } from './event-queue.js';
import { Pauses } from './pauses.js';
import { Rng } from './rng.js';
import { encodeCommand, SimNode, type Envelope, type SimHooks } from './sim-node.js';

/** What one seeded run does; every field has a default chosen from the seed. */
export interface SimOptions {
  seed: number;
  nodes: number;
  /** Simulated milliseconds of faults and load. */
  faultMs: number;
  /** Simulated milliseconds with every fault healed, at the end of which liveness is checked. */
  settleMs: number;
  membership: boolean;
  transfers: boolean;
  compactEvery: number;
  /**
   * Half the writes are proposed with deferred replication (as the server proposes ASYNC writes)
   * and released 1-15 ms later, or by the core's own backstop if the node is gone by then.
   */
  deferredReplication?: boolean;
  /**
   * Nodes, mostly leaders, are frozen for 20 ms to 0.7 s (see Pauses), and every node's clock
   * runs at its own rate within ±5 % (its timer ticks every 10 ms of its own clock): inside
   * the lease's drift bound, so no stale read may follow.
   */
  pauses?: boolean;
  /** Called with a line per notable event when replaying a seed verbosely. */
  trace?: (line: string) => void;
}

export interface SimResult {
  seed: number;
  events: number;
  committed: number;
  readsChecked: number;
  leaders: number;
  faults: number;
}

type SimEvent =
  | { kind: 'tick'; node: string }
  | { kind: 'deliver'; env: Envelope }
  | { kind: 'client' }
  | { kind: 'fault' }
  | { kind: 'settle' }
  | { kind: 'markSettleMid' }
  | { kind: 'release'; node: string }
  | { kind: 'wake'; node: string };

const TICK_MS = 10;
const KEYS = ['a', 'b', 'c', 'd', 'e'];

/**
 * A deterministic cluster: fake clock, fake network (drop, duplicate, delay, reorder,
 * partitions), crashes that keep only what was persisted, membership changes and leadership
 * transfers, and client writes and reads. The SafetyChecker watches every step.
 */
export class Simulation {
  readonly rng: Rng;
  readonly checker = new SafetyChecker();
  readonly nodes = new Map<string, SimNode>();
  private readonly queue = new EventQueue<SimEvent>();
  private now = 0;
  private events = 0;
  private faults = 0;
  private nextId: number;
  private blocked = new Set<string>();
  private dropRate = 0;
  private dupRate = 0;
  private maxDelayMs = 5;
  private settled = false;
  private readSeq = 0;
  private readonly reads = new Map<string, number>();
  private commitAtSettleMid = -1;
  private readonly pauses = new Pauses();
  /** How fast each node's clock runs against simulated time (1 unless `pauses`). */
  private readonly clockRate = new Map<string, number>();
  /** Flow-control limits vary by seed: tiny windows split a new leader's no-op from older entries. */
  private readonly raftTuning: { electionTicks: number; heartbeatTicks: number; maxInflightMsgs: number; maxEntriesPerMsg: number };
  /** Cumulative probabilities of crash, restart, partition, heal, network change, membership. */
  private readonly faultMix: number[];

  constructor(private readonly opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    this.raftTuning = {
      electionTicks: 15,
      heartbeatTicks: 5,
      maxInflightMsgs: this.rng.pick([1, 2, 8, 64]),
      maxEntriesPerMsg: this.rng.pick([1, 2, 16, 256]),
    };
    // Seed profiles: balanced, crash-heavy (many leader changes), membership-heavy.
    this.faultMix = this.rng.pick([
      [0.2, 0.35, 0.5, 0.6, 0.7, 0.85],
      [0.35, 0.6, 0.7, 0.75, 0.8, 0.9],
      [0.1, 0.2, 0.35, 0.45, 0.5, 0.85],
    ]);
    const founders = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    this.nextId = opts.nodes + 1;
    for (const id of founders) this.addNode(id, founders);
  }

  private addNode(id: string, founders: string[]): SimNode {
    const hooks: SimHooks = {
      send: (env) => this.send(env),
      applied: () => {},
      readServed: (node, ctx, index) => {
        const commitAtInvoke = this.reads.get(ctx);
        this.reads.delete(ctx);
        if (commitAtInvoke !== undefined) this.checker.checkRead(node.id, ctx, index, commitAtInvoke);
      },
      readFailed: (_node, ctx) => this.reads.delete(ctx),
    };
    // Each node gets its own random stream so that adding one does not perturb the others.
    const nodeRng = new Rng(this.opts.seed * 31 + this.nodes.size * 7919 + 1);
    const node = new SimNode(id, this.raftTuning, founders, nodeRng.next, this.checker, hooks, this.opts.compactEvery);
    this.nodes.set(id, node);
    if (this.opts.pauses) this.clockRate.set(id, 0.95 + this.rng.next() * 0.1);
    node.start();
    this.queue.push(this.now + this.rng.int(1, TICK_MS), { kind: 'tick', node: id });
    return node;
  }

  private trace(line: string): void {
    this.opts.trace?.(`${String(this.now).padStart(6)}ms ${line}`);
  }

  /** What `id`'s monotonic clock reads now. */
  private clockOf(id: string): number {
    return this.now * (this.clockRate.get(id) ?? 1);
  }

  private send(env: Envelope): void {
    if (this.rng.chance(this.dropRate)) return;
    const copies = this.rng.chance(this.dupRate) ? 2 : 1;
    for (let k = 0; k < copies; k++) {
      // Occasional long delays reorder messages on one link.
      const delay = this.rng.chance(0.02) ? this.rng.int(20, 150) : this.rng.int(1, this.maxDelayMs);
      this.queue.push(this.now + delay, { kind: 'deliver', env });
    }
  }

  /** Runs the whole schedule; throws SafetyViolation (or a core invariant error) on a bug. */
  run(): SimResult {
    this.queue.push(5, { kind: 'client' });
    this.queue.push(300, { kind: 'fault' });
    this.queue.push(this.opts.faultMs, { kind: 'settle' });
    const end = this.opts.faultMs + this.opts.settleMs;
    while (this.queue.peekTime() <= end) {
      const { time, item } = this.queue.pop()!;
      this.now = time;
      this.events++;
      this.handle(item);
      if (this.events % 2000 === 0) this.checker.checkLogMatching([...this.nodes.values()]);
    }
    this.checker.checkLogMatching([...this.nodes.values()]);
    this.checkLiveness();
    return {
      seed: this.opts.seed,
      events: this.events,
      committed: this.checker.globalCommit,
      readsChecked: this.checker.readsChecked,
      leaders: this.leaderTerms(),
      faults: this.faults,
    };
  }

  private leaderTerms(): number {
    let max = 0;
    for (const n of this.nodes.values()) if (n.raft && n.raft.term > max) max = n.raft.term;
    return max;
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        if (!this.pauses.isFrozen(ev.node)) this.nodes.get(ev.node)!.tick(this.clockOf(ev.node));
        this.queue.push(this.now + TICK_MS / (this.clockRate.get(ev.node) ?? 1), ev);
        return;
      }
      case 'deliver': {
        const m = ev.env.msg;
        if (this.blocked.has(`${m.from}>${m.to}`)) return;
        if (this.pauses.isFrozen(m.to)) this.pauses.holdMessage(m.to, ev.env);
        else this.nodes.get(m.to)?.deliver(ev.env);
        return;
      }
      case 'wake':
        this.wake(ev.node);
        return;
      case 'client':
        this.clientRequest();
        this.queue.push(this.now + this.rng.int(1, 6), ev);
        return;
      case 'fault':
        if (this.settled) return;
        this.injectFault();
        this.queue.push(this.now + this.rng.int(50, 400), ev);
        return;
      case 'settle':
        this.settle();
        return;
      case 'markSettleMid':
        this.commitAtSettleMid = this.checker.globalCommit;
        return;
      case 'release': {
        const node = this.nodes.get(ev.node);
        if (node?.up) node.request((r) => r.releaseDeferred());
        return;
      }
    }
  }

  /** Nodes that believe they lead (possibly stale ones: that is where stale reads would come from). */
  private leaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raft?.role === 'leader');
  }

  /**
   * A write or a read sent to a node that believes it leads. A read begins now: the checker
   * holds it to the commit index of this moment, even if the node is frozen and runs it later.
   */
  private clientRequest(): void {
    const leaders = this.leaders();
    if (leaders.length === 0) return;
    const node = this.rng.pick(leaders);
    const key = this.rng.pick(KEYS);
    let run: () => void;
    if (this.rng.chance(0.6)) {
      const value = `${this.opts.seed}.${this.events}`;
      run = () => {
        const defer = this.opts.deferredReplication === true && this.rng.chance(0.5);
        node.request((r) => r.propose([encodeCommand({ key, value })], defer));
        if (defer) this.queue.push(this.now + this.rng.int(1, 15), { kind: 'release', node: node.id });
      };
    } else {
      const ctx = `${node.id}:${++this.readSeq}`;
      this.reads.set(ctx, this.checker.globalCommit);
      run = () => {
        node.registerRead(ctx, key);
        const lease = this.rng.chance(0.5);
        node.request((r) => (lease ? r.leaseRead(ctx, this.clockOf(node.id)) : r.readIndex(ctx)));
      };
    }
    if (this.pauses.isFrozen(node.id)) this.pauses.holdRequest(node.id, () => this.tryRequest(run));
    else this.tryRequest(run);
  }

  private tryRequest(run: () => void): void {
    try {
      run();
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  /** Freezes a node, the leader more often than not, for less or more than an election timeout. */
  private pause(): void {
    const leader = this.currentLeader();
    const up = [...this.nodes.values()].filter((n) => n.up && !this.pauses.isFrozen(n.id));
    if (up.length === 0) return;
    const target = leader && !this.pauses.isFrozen(leader.id) && this.rng.chance(0.7) ? leader.id : this.rng.pick(up).id;
    // Shorter than an election timeout (the leader must keep working), about one (a successor
    // can just have committed when the old leader wakes, its lease nearly out), or far longer.
    const ms = this.rng.pick([() => this.rng.int(20, 140), () => this.rng.int(120, 200), () => this.rng.int(200, 700)])();
    this.trace(`pause ${target} for ${ms} ms`);
    this.pauses.freeze(target, this.now + ms);
    this.queue.push(this.now + ms, { kind: 'wake', node: target });
  }

  /**
   * A frozen node runs again (`early`: at settle, before its pause is up): the client requests
   * that waited, then the messages, then (at its next tick event) its timer.
   */
  private wake(id: string, early = false): void {
    const held = this.pauses.thaw(id, early ? Infinity : this.now);
    if (!held) return;
    this.trace(`wake ${id}: ${held.requests.length} requests and ${held.messages.length} messages waited`);
    for (const run of held.requests) run();
    const node = this.nodes.get(id);
    for (const env of held.messages) node?.deliver(env);
  }

  private injectFault(): void {
    this.faults++;
    if (this.opts.pauses && this.rng.chance(0.3)) {
      this.pause();
      return;
    }
    const ids = [...this.nodes.keys()];
    const roll = this.rng.next();
    const [crash, restart, partition, heal, network, membership] = this.faultMix as [number, number, number, number, number, number];
    if (roll < crash) {
      const n = this.nodes.get(this.rng.pick(ids))!;
      if (n.up) {
        this.trace(`crash ${n.id}`);
        n.crash();
        this.pauses.forget(n.id);
      }
    } else if (roll < restart) {
      for (const n of this.nodes.values()) {
        if (!n.up) {
          this.trace(`restart ${n.id}`);
          n.start();
        }
      }
    } else if (roll < partition) {
      this.partition(ids);
    } else if (roll < heal) {
      this.trace('heal');
      this.blocked.clear();
    } else if (roll < network) {
      this.dropRate = this.rng.pick([0, 0, 0.01, 0.05, 0.2]);
      this.dupRate = this.rng.pick([0, 0, 0.02, 0.1]);
      this.maxDelayMs = this.rng.pick([2, 5, 15, 40]);
      this.trace(`network drop=${this.dropRate} dup=${this.dupRate} delay<=${this.maxDelayMs}`);
    } else if (roll < membership && this.opts.membership) {
      this.changeMembership();
    } else if (this.opts.transfers) {
      this.transfer();
    }
  }

  private partition(ids: string[]): void {
    this.blocked.clear();
    const shuffled = this.rng.shuffle(ids.slice());
    const shape = this.rng.int(0, 3);
    const cut = (a: string, b: string): void => void this.blocked.add(`${a}>${b}`);
    if (shape === 0) {
      const [lone, ...rest] = shuffled;
      for (const o of rest) {
        cut(lone!, o);
        cut(o, lone!);
      }
      this.trace(`partition isolate ${lone}`);
    } else if (shape === 1) {
      const k = this.rng.int(1, shuffled.length - 1);
      const left = shuffled.slice(0, k);
      const right = shuffled.slice(k);
      for (const a of left) {
        for (const b of right) {
          cut(a, b);
          cut(b, a);
        }
      }
      this.trace(`partition ${left.join(',')} | ${right.join(',')}`);
    } else if (shape === 2) {
      // A bridge: two halves that both reach one node.
      const bridge = shuffled[0]!;
      const rest = shuffled.slice(1);
      const k = Math.max(1, Math.floor(rest.length / 2));
      for (const a of rest.slice(0, k)) {
        for (const b of rest.slice(k)) {
          cut(a, b);
          cut(b, a);
        }
      }
      this.trace(`partition bridge ${bridge}`);
    } else {
      const a = shuffled[0]!;
      const b = shuffled[1]!;
      cut(a, b);
      this.trace(`partition one-way ${a}->${b}`);
    }
  }

  private currentLeader(): RaftNode | null {
    let best: RaftNode | null = null;
    for (const n of this.leaders()) if (!best || n.raft!.term > best.term) best = n.raft;
    return best;
  }

  private changeMembership(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const conf = leader.conf();
    const options: ConfChangeItem[][] = [];
    if (this.nodes.size < 7) options.push([{ op: 'addLearner', id: `n${this.nextId}` }]);
    for (const l of conf.learners) options.push([{ op: 'addVoter', id: l }]);
    if (conf.voters.length > 3) for (const v of conf.voters) options.push([{ op: 'remove', id: v }]);
    if (this.nodes.size < 7 && conf.voters.length >= 3) {
      options.push([{ op: 'addVoter', id: `n${this.nextId}` }, { op: 'remove', id: this.rng.pick(conf.voters) }]);
    }
    if (options.length === 0) return;
    const change = this.rng.pick(options);
    try {
      leader.proposeConfChange(change);
    } catch (e) {
      if (e instanceof RaftError) return;
      throw e;
    }
    this.trace(`membership ${change.map((c) => `${c.op} ${c.id}`).join(', ')} via ${leader.id}`);
    for (const c of change) {
      if (c.op !== 'remove' && !this.nodes.has(c.id)) {
        this.nextId++;
        this.addNode(c.id, []);
      }
    }
    this.nodes.get(leader.id)!.request(() => undefined);
  }

  private transfer(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const others = leader.conf().voters.filter((v) => v !== leader.id);
    if (others.length === 0) return;
    const to = this.rng.pick(others);
    try {
      this.nodes.get(leader.id)!.request((r) => r.transferLeadership(to));
      this.trace(`transfer ${leader.id} -> ${to}`);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  /** Heal everything and restart every node: from here on the cluster must make progress. */
  private settle(): void {
    this.settled = true;
    this.blocked.clear();
    this.dropRate = 0;
    this.dupRate = 0;
    this.maxDelayMs = 5;
    for (const id of this.pauses.ids()) this.wake(id, true);
    for (const n of this.nodes.values()) if (!n.up) n.start();
    this.trace('settle: all healed and restarted');
    this.queue.push(this.now + Math.floor(this.opts.settleMs / 2), { kind: 'markSettleMid' });
  }

  private checkLiveness(): void {
    const leader = this.currentLeader();
    if (!leader) throw new Error(`liveness: no leader ${this.opts.settleMs} ms after healing`);
    if (this.checker.globalCommit <= this.commitAtSettleMid) {
      throw new Error(`liveness: nothing committed in the second half of the settle phase (leader ${leader.id}, commit ${this.checker.globalCommit})`);
    }
  }
}

/** The options a seed runs with when only the seed and cluster size are given. */
export function defaultOptions(seed: number, nodes: number): SimOptions {
  return { seed, nodes, faultMs: 3000, settleMs: 3000, membership: true, transfers: true, compactEvery: 40 };
}
