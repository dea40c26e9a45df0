// The Ready loop runs once per turn of the event loop (driver.ts#schedule): proposals made in
// separate callbacks of one turn — as unary calls arrive, each in an I/O callback of its own —
// go out as one Ready, so one WAL append (and one append message per follower). Run after
// every callback instead (process.nextTick), each made its own Ready.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftNode, type Entry } from '../../src/raft/index.js';
import { RaftDriver } from '../../src/server/driver.js';
import { SnapshotStaging } from '../../src/server/snapshot-staging.js';
import { encodeCommand, StateMachine } from '../../src/state/index.js';
import { Wal } from '../../src/wal/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A one-voter node with a real WAL and state machine; every WAL append's entry count is recorded. */
async function singleNode() {
  const dir = mkdtempSync(join(tmpdir(), 'driver-batching-'));
  dirs.push(dir);
  const wal = await Wal.open(join(dir, 'wal'));
  const sm = await StateMachine.open(join(dir, 'state'));
  const appends: number[] = [];
  const append = wal.append.bind(wal);
  wal.append = (entries: Entry[], flushFirst?: boolean) => {
    appends.push(entries.length);
    return append(entries, flushFirst);
  };
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
      onFatal: (err) => {
        throw err;
      },
    },
    { tickMs: 10, snapshotEntries: 10_000, keepEntries: 1_000, followerApplyDelayMs: 0, asyncReplicationDelayMs: 0 },
  );
  driver.start();
  const close = async (): Promise<void> => {
    driver.stop('test over');
    await driver.applied();
    await wal.close();
    await sm.close();
  };
  return { raft, driver, appends, close };
}

const put = (k: string): Uint8Array => encodeCommand({ type: 'put', key: Buffer.from(k), value: Buffer.from('v') });

describe('RaftDriver scheduling', () => {
  it('puts proposals from separate callbacks of one event-loop turn into one Ready (one WAL append)', async () => {
    const { raft, driver, appends, close } = await singleNode();
    try {
      // Elected on its own (one voter); the bootstrap configuration (1) and its no-op (2) applied.
      for (let i = 0; i < 500 && !(raft.role === 'leader' && driver.appliedIndex() >= 2); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(raft.role).toBe('leader');
      await driver.applied();
      appends.length = 0;
      // Three timers due together fire in one timers phase, each its own callback (node runs
      // process.nextTick callbacks between them), as three requests read by one poll would.
      const results = await new Promise<Promise<unknown>[]>((resolve) => {
        const out: Promise<unknown>[] = [];
        for (const k of ['a', 'b', 'c']) {
          setTimeout(() => {
            out.push(driver.propose(put(k)).result);
            if (out.length === 3) resolve(out);
          }, 0);
        }
      });
      await Promise.all(results);
      expect(appends).toEqual([3]);
    } finally {
      await close();
    }
  });
});
