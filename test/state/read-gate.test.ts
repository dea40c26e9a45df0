// The read gate in front of the state machine's LevelDB: reads run concurrently, a reopen waits
// for the reads in flight and holds new ones until it is done, and a read that fails still
// leaves the gate (else the next snapshot install would wait for it forever).
import { describe, expect, it } from 'vitest';
import { ReadGate } from '../../src/state/read-gate.js';

/** Resolves with `value` or 'still waiting' after a few turns of the event loop. */
async function settledSoon<T>(p: Promise<T>): Promise<T | 'still waiting'> {
  return Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 50))]);
}

describe('ReadGate.read', () => {
  it('a reopen waits for the read in flight; a read started during the reopen runs after it', async () => {
    const gate = new ReadGate();
    const order: string[] = [];
    let finishRead!: () => void;
    const first = gate.read(async () => {
      order.push('read 1 starts');
      await new Promise<void>((r) => (finishRead = r));
      order.push('read 1 ends');
    });
    const reopen = gate.exclusive(async () => {
      order.push('reopen');
    });
    for (let turns = 0; !gate.closed && turns < 10; turns++) await Promise.resolve(); // exclusive() closes the gate after a turn
    expect(gate.closed).toBe(true);
    const second = gate.read(async () => {
      order.push('read 2');
    });
    expect(await settledSoon(reopen)).toBe('still waiting');
    finishRead();
    await Promise.all([first, reopen, second]);
    expect(order).toEqual(['read 1 starts', 'read 1 ends', 'reopen', 'read 2']);
  });

  it('a read that throws passes its error on and leaves the gate', async () => {
    const gate = new ReadGate();
    await expect(gate.read(() => Promise.reject(new Error('LevelDB says no')))).rejects.toThrow('LevelDB says no');
    let reopened = false;
    expect(await settledSoon(gate.exclusive(async () => void (reopened = true)))).toBeUndefined();
    expect(reopened).toBe(true);
  });

  it('returns what the read returns', async () => {
    expect(await new ReadGate().read(() => Promise.resolve(42))).toBe(42);
  });
});
