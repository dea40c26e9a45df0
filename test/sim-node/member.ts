// One simulated member: the real node composition (src/node/compose.ts) on the twins — its WAL on
// an in-memory disk that loses unsynced data in a power cut, its state machine on an in-memory
// LevelDB twin, its peer transport on the simulated network, its time on the virtual clock — and
// crashes, power cuts, pauses and restarts of it. Its snapshots are staged and installed on the
// same twin (sim-fs.ts). The disk and the storage outlive incarnations; everything else is built
// anew at each start, as a process is.
import { pino } from 'pino';
import type { Rng } from '../../src/common/rng.js';
import type { FailoverOptions } from '../../src/failover/config.js';
import { composeNode, type NodeCore, type PeerTransport } from '../../src/node/compose.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import type { StateMachineOptions } from '../../src/state/index.js';
import { MemoryDisk } from '../support/memory-disk.js';
import type { SimNetwork } from './network.js';
import { SimFs } from './sim-fs.js';
import { slowDisk } from './slow-disk.js';
import { simForwarder } from './forwarder.js';
import { MemberClock, type Lateness } from './member-clock.js';

/** How a member is started in a run. */
export interface MemberConfig {
  id: string;
  /** The founding members (this one too, unless it joins later): id → address. */
  peers: Map<string, string>;
  /** Added later with MemberAdd: starts with no configuration and learns it from the leader. */
  join?: boolean;
  /** Snapshot and compact after this many applied entries. */
  snapshotEntries: number;
  /** Entries kept behind a snapshot for lagging followers (default 50). */
  keepEntries?: number;
  /** The leader's log kept for a follower catching up (NodeOptions.catchUpBytes; default the node's). */
  catchUpBytes?: number;
  followerApplyDelayMs: number;
  /** Bytes per snapshot chunk it sends (small: a transfer takes many messages, any of which may be lost). */
  snapshotChunkBytes?: number;
  /** How late the member's timers may fire while it runs (default never late). */
  lateness?: Lateness;
  /** WAL segment size (default 256 KiB; smaller: more sealed segments for bit rot to hit). */
  segmentBytes?: number;
  /** The exactly-once table's bounds (default the product's). */
  dedupe?: StateMachineOptions['dedupe'];
  /** The failover controller's options (automatic failback to a preferred leader), if not the defaults. */
  failover?: Partial<FailoverOptions>;
}

export class SimMember {
  readonly disk = new MemoryDisk();
  /** The state machine's databases and the directories around them (snapshots staged, installed). */
  readonly storage = new SimFs();
  core: NodeCore<PeerTransport> | null = null;
  incarnation = 0;
  /** An applied configuration no longer has it: the process exits and is not started again. */
  removed = false;
  /** Why the member stopped on its own (a fatal error), if it did: a finding of the run. */
  fatal: Error | null = null;
  /** An injected disk fault this incarnation should stop on (its fatal error is then expected). */
  private diskFailing = false;
  private paused = false;
  /** Called as the member loses power, before it goes down (async-durability.ts reads its state). */
  onPowerOff: ((m: SimMember) => void) | null = null;
  /** Called before each start, on the disk as the last incarnation left it. */
  beforeStart: ((m: SimMember) => Promise<void>) | null = null;
  /** The member's timers (they stop while it is paused) and its wall clock (which may jump). */
  readonly clock: MemberClock;

  constructor(
    readonly config: MemberConfig,
    private readonly net: SimNetwork,
    private readonly rng: Rng,
    /** Every member of the run (for the forwarder's calls to the others). */
    private readonly cluster: () => readonly SimMember[] = () => [this],
  ) {
    this.clock = new MemberClock(rng, config.lateness);
  }

  get up(): boolean {
    return this.core !== null;
  }

  /** Starts an incarnation on what the disk and the database hold. */
  async start(): Promise<void> {
    if (this.core) throw new Error(`${this.config.id} is already running`);
    await this.beforeStart?.(this);
    if (this.core) throw new Error(`${this.config.id} is already running`);
    const incarnation = ++this.incarnation;
    const id = this.config.id;
    this.clock.revive();
    const storage = this.storage.mount();
    const core = await composeNode(
      {
        id,
        clusterId: 'sim',
        peers: this.config.peers,
        dataDir: `/sim/${id}`,
        join: this.config.join === true,
        priority: 1,
        listen: this.config.peers.get(id)!,
        snapshotEntries: this.config.snapshotEntries,
        keepEntries: this.config.keepEntries ?? 50,
        ...(this.config.catchUpBytes === undefined ? {} : { catchUpBytes: this.config.catchUpBytes }),
        followerApplyDelayMs: this.config.followerApplyDelayMs,
        ...(this.config.failover ? { failover: this.config.failover } : {}),
      },
      {
        log: pino({ level: process.env.SIM_NODE_LOG ?? 'silent', base: { node: id, inc: incarnation } }),
        // Small segments: many rolls per run (and no 64 MiB of zeros per preallocated segment).
        // Syncs take 0-4 ms once the member runs (its start awaits no timer: see slow-disk.ts).
        wal: { disk: slowDisk(this.disk.mount(), () => (this.core && this.incarnation === incarnation ? this.rng.int(0, 4) : 0), this.clock.timers, () => this.walOperation()), inlineMaxEntries: 0, segmentBytes: this.config.segmentBytes ?? 256 * 1024 },
        state: { ...storage, cacheBytes: 0, snapshotChunkBytes: this.config.snapshotChunkBytes ?? 1024, ...(this.config.dedupe ? { dedupe: this.config.dedupe } : {}) },
        staging: new SnapshotStaging(`/sim/${id}/snapshots`, { storage }),
        clock: () => performance.now(),
        timers: this.clock.timers,
        wallClock: this.clock.wallClock,
        random: () => this.rng.next(),
        transport: () => this.net.transport(id, incarnation),
        unaryForwarder: simForwarder(id, this.net, () => this.cluster()),
        metrics: () => undefined,
        eventLoopDelayMs: () => 0,
        onConfChange: () => {},
        onRemoved: () => {
          if (this.incarnation === incarnation) this.removed = true;
        },
        onFatal: (err) => {
          if (this.incarnation !== incarnation) return;
          if (this.diskFailing) this.stoppedOnDiskFault = true;
          else this.fatal ??= err;
        },
      },
    );
    this.core = core;
    this.paused = false;
    this.net.attach(id, incarnation, core.handlers, core.forwardHandler);
    core.driver.start();
  }

  /**
   * The member loses power at its `n`-th storage operation from now (sim-fs.ts): staging a
   * snapshot, installing one (the swap's renames), or recovering one at start.
   */
  cutPowerAtStorageOp(n: number, trace: (line: string) => void): void {
    let left = n;
    this.storage.beforeOperation = (op, path) => {
      if (--left > 0) return;
      this.storage.beforeOperation = null;
      trace(`power cut on ${this.config.id} at its ${op} of ${path}`);
      this.crash(true);
    };
  }

  /**
   * The member loses power when its WAL's next durable operation (an append, a sync) reaches the
   * disk, before it lands: what it had only sent to the disk is lost.
   */
  cutPowerAtWalWrite(trace: (line: string) => void): void {
    this.walCut = trace;
  }

  /** Whether a cutPowerAtWalWrite is still waiting (forgotten by disarmStorageCut). */
  get walCutPending(): boolean {
    return this.walCut !== null;
  }

  private walCut: ((line: string) => void) | null = null;

  private walOperation(): void {
    const trace = this.walCut;
    if (trace === null || !this.core) return;
    this.walCut = null;
    trace(`power cut on ${this.config.id} as a WAL write reaches its disk`);
    this.crash(true);
  }

  /** Forgets an armed cutPowerAtStorageOp. */
  disarmStorageCut(): void {
    this.storage.beforeOperation = null;
    this.walCut = null;
  }

  /** The process dies: `power` also loses what was not synced (WAL and database). */
  crash(power: boolean): void {
    const core = this.core;
    if (!core) return;
    if (power) this.onPowerOff?.(this);
    this.walCut = null;
    this.core = null;
    this.paused = false;
    this.clock.kill();
    this.net.detach(this.config.id);
    core.failover.stop();
    core.driver.stop('crashed');
    core.ctx.streams.closeAll('crashed');
    this.storage.crash();
    // A disk fault lasts until the process is gone (the disk is replaced, or the error was transient).
    this.disk.failWrites(null);
    this.disk.failSyncs(null);
    this.diskFailing = false;
    this.stoppedOnDiskFault = false;
    if (power) {
      this.disk.powerCut({ tear: true, keepSome: true, rand: () => this.rng.next() });
      this.storage.powerCut(() => this.rng.next());
    } else {
      this.disk.crash();
    }
  }

  /** Set when the member stopped on the injected disk fault, as it must: the process exits. */
  stoppedOnDiskFault = false;

  /**
   * Every write and sync of the member's disk fails with EIO from now on (the WAL writes with
   * O_DSYNC, so its appends are the writes that fail): the node must stop rather than acknowledge
   * anything more.
   */
  failDisk(): void {
    if (!this.core) return;
    this.diskFailing = true;
    this.disk.failWrites('EIO');
    this.disk.failSyncs('EIO');
  }

  /** The process that stopped on a disk fault exits; the disk is replaced by a working one (what it synced survives). */
  reapDiskFault(): boolean {
    if (!this.stoppedOnDiskFault) return false;
    this.crash(true);
    return true;
  }

  /** SIGSTOP: nothing runs on the member until resume (its messages, calls and timers wait). */
  pause(): void {
    if (!this.core) return;
    this.paused = true;
    this.clock.freeze();
    this.net.pause(this.config.id);
  }

  /** SIGCONT: what queued up is handled first, then every timer that came due, once each, in order. */
  resume(): void {
    if (!this.core || !this.paused) return;
    this.paused = false;
    this.net.resume(this.config.id);
    this.clock.thaw();
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
