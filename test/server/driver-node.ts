// RaftDrivers with a real WAL, state machine and snapshot staging in a temporary directory, for
// driver tests (batching, compaction, snapshot installs): a one-voter node that elects itself,
// and a follower whose leader is the test. Removed with the directory after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach } from 'vitest';
import { restartState } from '../../src/node/compose.js';
import { RaftNode, type Message, type NodeId } from '../../src/raft/index.js';
import { RaftDriver, type DriverDeps, type DriverOptions, type Ticker } from '../../src/server/driver.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { StateMachine, type ApplyResult, type StateMachineOptions } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A new temporary data directory, removed after the test. */
export function nodeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'driver-node-'));
  dirs.push(dir);
  return dir;
}

/** The node's parts and how to stop it. */
export interface SingleNode {
  raft: RaftNode;
  driver: RaftDriver;
  wal: Wal;
  sm: StateMachine;
  close(): Promise<void>;
}

/** The node's other parts a test may choose: the state machine's options, where fatal errors go (default: thrown). */
export interface SingleNodeParts {
  state?: StateMachineOptions;
  onFatal?: (err: Error) => void;
  /** The driver's tick timer (default: a real 10 ms interval). */
  ticker?: Ticker;
}

const DEFAULT_OPTIONS: DriverOptions = { tickMs: 10, snapshotEntries: 10_000, keepEntries: 1_000, followerApplyDelayMs: 0, asyncReplicationDelayMs: 0 };

/** The driver's hooks a test listens on; the others do nothing, and the log is silent unless given. */
type Hooks = Pick<DriverDeps, 'send' | 'onApplied' | 'onFatal'> & Partial<Pick<DriverDeps, 'ticker' | 'log'>>;

/** Starts a driver over the parts; `close` stops it and closes the WAL and the state machine. */
function startDriver(parts: Pick<DriverDeps, 'raft' | 'wal' | 'sm' | 'staging'>, hooks: Hooks, opts: DriverOptions): SingleNode {
  const { raft, wal, sm } = parts;
  const driver = new RaftDriver({ log: pino({ level: 'silent' }), ...parts, ...hooks, onSoftState: () => {}, onDurable: () => {}, onInput: () => {} }, opts);
  driver.start();
  const close = async (): Promise<void> => {
    driver.stop('test over');
    await driver.applied();
    await driver.compactionSynced();
    await wal.close();
    await sm.close();
  };
  return { raft, driver, wal, sm, close };
}

/** Starts a one-voter node (started, not yet elected) with `extra` driver options over the defaults. */
export async function singleNode(extra: Partial<DriverOptions> = {}, parts: SingleNodeParts = {}): Promise<SingleNode> {
  const dir = nodeDir();
  const wal = await Wal.open(join(dir, 'wal'));
  const sm = await StateMachine.open(join(dir, 'state'), parts.state);
  const raft = new RaftNode({ id: 'n1', random: () => 0.5, tickMs: 10 }, null, ['n1']);
  const onFatal =
    parts.onFatal ??
    ((err: Error) => {
      throw err;
    });
  const staging = new SnapshotStaging(join(dir, 'staging'));
  return startDriver({ raft, wal, sm, staging }, { send: () => {}, onApplied: () => {}, onFatal, ...(parts.ticker ? { ticker: parts.ticker } : {}) }, { ...DEFAULT_OPTIONS, ...extra });
}

/** Waits until the node leads and has applied its bootstrap configuration (1) and no-op (2). */
export async function elected(n: SingleNode): Promise<void> {
  for (let i = 0; i < 500 && !(n.raft.role === 'leader' && n.driver.appliedIndex() >= 2); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await n.driver.applied();
}

/** The voters of the follower's cluster; the test speaks for the others. */
export const FOLLOWER_VOTERS: NodeId[] = ['n1', 'n2', 'n3'];

/** A follower and what its driver reported: messages sent, results of applied entries, fatal errors, log lines at warn or above. */
export interface FollowerNode extends SingleNode {
  staging: SnapshotStaging;
  stagingDir: string;
  sent: Message[];
  applied: ApplyResult[];
  fatals: Error[];
  warnings: string[];
}

/**
 * Opens voter n2 of FOLLOWER_VOTERS over `dir`, fresh or restarting from what the WAL and the
 * state machine there hold, rebuilt as a restarting node does (compose.ts), with `extra` driver
 * options over the defaults. It never ticks: its core moves only on the messages the test steps
 * in, as its leader.
 */
export async function followerNode(dir: string, extra: Partial<DriverOptions> = {}): Promise<FollowerNode> {
  const wal = await Wal.open(join(dir, 'wal'));
  const sm = await StateMachine.open(join(dir, 'state'));
  const stagingDir = join(dir, 'staging');
  const staging = new SnapshotStaging(stagingDir);
  await staging.clear(); // as a starting node does: nothing staged survives a restart
  const raft = new RaftNode({ id: 'n2', random: () => 0.5, tickMs: 10 }, await restartState(wal, sm), FOLLOWER_VOTERS);
  const sent: Message[] = [];
  const applied: ApplyResult[] = [];
  const fatals: Error[] = [];
  const warnings: string[] = [];
  const hooks: Hooks = {
    log: pino({ level: 'warn' }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) }),
    send: (msgs) => sent.push(...msgs),
    onApplied: (_entries, results) => applied.push(...results),
    onFatal: (err) => fatals.push(err),
    ticker: () => () => {},
  };
  const node = startDriver({ raft, wal, sm, staging }, hooks, { ...DEFAULT_OPTIONS, ...extra });
  return { ...node, staging, stagingDir, sent, applied, fatals, warnings };
}
