// The Ready loop runs once per turn of the event loop (driver.ts#schedule): proposals made in
// separate callbacks of one turn — as unary calls arrive, each in an I/O callback of its own —
// go out as one Ready, so one WAL append (and one append message per follower). Run after
// every callback instead (process.nextTick), each made its own Ready.
import { describe, expect, it, vi } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { encodeCommand } from '../../src/state/index.js';
import { elected, singleNode } from './driver-node.js';

/** A one-voter node whose WAL appends' entry counts are recorded. */
async function recordingNode() {
  const n = await singleNode();
  const appends: number[] = [];
  const append = n.wal.append.bind(n.wal);
  n.wal.append = (entries: Entry[], flushFirst?: boolean) => {
    appends.push(entries.length);
    return append(entries, flushFirst);
  };
  return { ...n, appends };
}

const put = (k: string): Uint8Array => encodeCommand({ type: 'put', key: Buffer.from(k), value: Buffer.from('v') });

describe('RaftDriver scheduling', () => {
  it('puts proposals from separate callbacks of one event-loop turn into one Ready (one WAL append)', async () => {
    const node = await recordingNode();
    const { raft, driver, appends, close } = node;
    try {
      // Elected on its own (one voter); the bootstrap configuration (1) and its no-op (2) applied.
      await elected(node);
      expect(raft.role).toBe('leader');
      appends.length = 0;
      // Three immediates queued together run in one check phase, each its own callback (node
      // runs process.nextTick callbacks between them), as three requests read by one poll would;
      // an immediate queued meanwhile (the driver's) runs only in the next turn. (Three timers
      // were used first: on a loaded host the millisecond can turn between their setTimeout
      // calls, and the last then fires a turn later: CI saw [2, 1].)
      const results = await new Promise<Promise<unknown>[]>((resolve) => {
        const out: Promise<unknown>[] = [];
        for (const k of ['a', 'b', 'c']) {
          setImmediate(() => {
            out.push(driver.propose(put(k)).result);
            if (out.length === 3) resolve(out);
          });
        }
      });
      await Promise.all(results);
      expect(appends).toEqual([3]);
    } finally {
      await close();
    }
  });

  it('runs the Ready loop for a tick only when the tick changed something', async () => {
    let beat: (() => void) | null = null;
    const node = await singleNode({}, { ticker: (_ms, fn) => ((beat = fn), () => {}) });
    const { raft, driver, close } = node;
    let readies = 0;
    const ready = raft.ready.bind(raft);
    raft.ready = () => {
      readies++;
      return ready();
    };
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
    try {
      // Ticks until the election timeout makes it campaign: one voter, so it leads at once.
      for (let i = 0; i < 100 && raft.role !== 'leader'; i++) {
        beat!();
        await turn();
      }
      expect(raft.role).toBe('leader');
      await driver.applied();
      // The Ready loop idle (no write or apply of its own in flight), else a tick's schedule()
      // would find it running and queue nothing whatever the tick did.
      await new Promise((r) => setTimeout(r, 100));
      expect(raft.hasReady()).toBe(false);
      readies = 0;
      // A leader with no followers has nothing to do on a tick: no Ready, and no turn of the
      // Ready loop queued (setImmediate) to find that out, 100 times a second.
      const immediate = vi.spyOn(globalThis, 'setImmediate');
      for (let i = 0; i < 30; i++) beat!();
      expect(immediate).not.toHaveBeenCalled();
      immediate.mockRestore();
      await turn();
      expect(readies).toBe(0);
      // A write is a Ready (and its commit another) whatever the ticks do.
      await driver.propose(put('x')).result;
      expect(readies).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });
});
