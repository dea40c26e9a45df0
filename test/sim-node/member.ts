// One simulated member: the real node composition (src/node/compose.ts) on the twins — its WAL on
// an in-memory disk that loses unsynced data in a power cut, its state machine on an in-memory
// LevelDB twin, its peer transport on the simulated network, its time on the virtual clock — and
// crashes, power cuts, pauses and restarts of it. The disk and the database outlive incarnations;
// everything else is built anew at each start, as a process is.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Rng } from '../../src/common/rng.js';
import type { FailoverOptions } from '../../src/failover/config.js';
import { composeNode, type NodeCore, type PeerTransport } from '../../src/node/compose.js';
import type { Ticker } from '../../src/server/driver.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { MemoryDisk } from '../support/memory-disk.js';
import type { SimNetwork } from './network.js';
import { SimLevelStore } from './sim-level.js';
import { slowDisk } from './slow-disk.js';
import { simForwarder } from './forwarder.js';

/** How a member is started in a run. */
export interface MemberConfig {
  id: string;
  /** The founding members (this one too, unless it joins later): id → address. */
  peers: Map<string, string>;
  /** Added later with MemberAdd: starts with no configuration and learns it from the leader. */
  join?: boolean;
  /** Snapshot and compact after this many applied entries. */
  snapshotEntries: number;
  followerApplyDelayMs: number;
  /** The failover controller's options (automatic failback to a preferred leader), if not the defaults. */
  failover?: Partial<FailoverOptions>;
  /** Where the snapshot staging directory lives (real, but only ever cleared: snapshots are not carried). */
  scratch: string;
}

/** A scratch directory for the run's staging directories (they stay empty). */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'raftdb-sim-node-'));
}

export class SimMember {
  readonly disk = new MemoryDisk();
  readonly level = new SimLevelStore();
  core: NodeCore<PeerTransport> | null = null;
  incarnation = 0;
  /** An applied configuration no longer has it: the process exits and is not started again. */
  removed = false;
  /** Why the member stopped on its own (a fatal error), if it did: a finding of the run. */
  fatal: Error | null = null;
  /** An injected disk fault this incarnation should stop on (its fatal error is then expected). */
  private diskFailing = false;
  /** Ticks missed while paused: setInterval fires once after a stop, however long it was. */
  private missedTick: (() => void) | null = null;
  private paused = false;

  constructor(
    readonly config: MemberConfig,
    private readonly net: SimNetwork,
    private readonly rng: Rng,
    /** Every member of the run (for the forwarder's calls to the others). */
    private readonly cluster: () => readonly SimMember[] = () => [this],
  ) {}

  get up(): boolean {
    return this.core !== null;
  }

  /** Starts an incarnation on what the disk and the database hold. */
  async start(): Promise<void> {
    if (this.core) throw new Error(`${this.config.id} is already running`);
    const incarnation = ++this.incarnation;
    const id = this.config.id;
    const db = await this.level.open();
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
        keepEntries: 50,
        followerApplyDelayMs: this.config.followerApplyDelayMs,
        ...(this.config.failover ? { failover: this.config.failover } : {}),
      },
      {
        log: pino({ level: process.env.SIM_NODE_LOG ?? 'silent', base: { node: id, inc: incarnation } }),
        // Small segments: many rolls per run (and no 64 MiB of zeros per preallocated segment).
        // Syncs take 0-4 ms once the member runs (its start awaits no timer: see slow-disk.ts).
        wal: { disk: slowDisk(this.disk.mount(), () => (this.core && this.incarnation === incarnation ? this.rng.int(0, 4) : 0)), inlineMaxEntries: 0, segmentBytes: 256 * 1024 },
        state: { openDb: () => db, cacheBytes: 0 },
        staging: new SnapshotStaging(join(this.config.scratch, `${id}-${incarnation}`)),
        clock: () => performance.now(),
        ticker: this.ticker(incarnation),
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

  /** The tick timer of one incarnation: silent while paused, one late tick at resume. */
  private ticker(incarnation: number): Ticker {
    return (everyMs, fn) => {
      let active = true;
      // The late tick at resume runs only if the driver still ticks (it may have stopped since).
      const tick = (): void => {
        if (active && this.incarnation === incarnation) fn();
      };
      const timer = setInterval(() => {
        if (this.paused) this.missedTick = tick;
        else tick();
      }, everyMs);
      return () => {
        active = false;
        clearInterval(timer);
      };
    };
  }

  /** The process dies: `power` also loses what was not synced (WAL and database). */
  crash(power: boolean): void {
    const core = this.core;
    if (!core) return;
    this.core = null;
    this.paused = false;
    this.missedTick = null;
    this.net.detach(this.config.id);
    core.failover.stop();
    core.driver.stop('crashed');
    core.ctx.streams.closeAll('crashed');
    this.level.crash();
    // A disk fault lasts until the process is gone (the disk is replaced, or the error was transient).
    this.disk.failWrites(null);
    this.disk.failSyncs(null);
    this.diskFailing = false;
    this.stoppedOnDiskFault = false;
    if (power) {
      this.disk.powerCut({ tear: true, keepSome: true, rand: () => this.rng.next() });
      this.level.powerCut(() => this.rng.next());
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

  /** SIGSTOP: nothing runs on the member until resume (its messages and calls wait). */
  pause(): void {
    if (!this.core) return;
    this.paused = true;
    this.net.pause(this.config.id);
  }

  /** SIGCONT: what queued up is handled first, then the one late tick. */
  resume(): void {
    if (!this.core || !this.paused) return;
    this.paused = false;
    this.net.resume(this.config.id);
    const tick = this.missedTick;
    this.missedTick = null;
    if (tick) setTimeout(tick, 0);
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
