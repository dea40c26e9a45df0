// A one-voter RaftDriver with a real WAL and state machine in a temporary directory, for driver
// tests (batching, compaction). Removed with the directory after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach } from 'vitest';
import { RaftNode } from '../../src/raft/index.js';
import { RaftDriver, type DriverOptions } from '../../src/server/driver.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { StateMachine, type StateMachineOptions } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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
}

/** Starts a one-voter node (started, not yet elected) with `extra` driver options over the defaults. */
export async function singleNode(extra: Partial<DriverOptions> = {}, parts: SingleNodeParts = {}): Promise<SingleNode> {
  const dir = mkdtempSync(join(tmpdir(), 'driver-node-'));
  dirs.push(dir);
  const wal = await Wal.open(join(dir, 'wal'));
  const sm = await StateMachine.open(join(dir, 'state'), parts.state);
  const raft = new RaftNode({ id: 'n1', random: () => 0.5, tickMs: 10 }, null, ['n1']);
  const driver = new RaftDriver(
    {
      raft,
      wal,
      sm,
      staging: new SnapshotStaging(join(dir, 'staging')),
      log: pino({ level: 'silent' }),
      send: () => {},
      onSoftState: () => {},
      onApplied: () => {},
      onDurable: () => {},
      onInput: () => {},
      onFatal:
        parts.onFatal ??
        ((err) => {
          throw err;
        }),
    },
    { tickMs: 10, snapshotEntries: 10_000, keepEntries: 1_000, followerApplyDelayMs: 0, asyncReplicationDelayMs: 0, ...extra },
  );
  driver.start();
  const close = async (): Promise<void> => {
    driver.stop('test over');
    await driver.applied();
    await wal.close();
    await sm.close();
  };
  return { raft, driver, wal, sm, close };
}

/** Waits until the node leads and has applied its bootstrap configuration (1) and no-op (2). */
export async function elected(n: SingleNode): Promise<void> {
  for (let i = 0; i < 500 && !(n.raft.role === 'leader' && n.driver.appliedIndex() >= 2); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await n.driver.applied();
}
