// Exactly-once across restarts: entries at or below the stored applied index are skipped, so a
// node that replays its log after a restart never applies an entry twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { StateInvariantError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const bump = (i: number): Command => ({ type: 'put', key: b('counter'), value: b(String(i)) });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, bump(from + k), 3));

describe('exactly-once', () => {
  it('re-applying overlapping entries after a reopen applies only the new ones', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(range(1, 10));
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`);
    expect([sm.appliedIndex(), sm.appliedTerm(), sm.revision()]).toEqual([10, 3, 10]);
    const results = await sm.apply(range(5, 15));
    expect(results.slice(0, 6).every((r) => r.result.type === 'skipped')).toBe(true);
    expect(results[6]!.result).toEqual({ type: 'put', revision: 11 });
    await sm.apply(range(1, 15)); // entirely old: nothing happens
    expect(await sm.get(b('counter'))).toMatchObject({ version: 15, modRevision: 15, value: b('15') });
    await sm.close();
  });

  it('refuses a gap or a non-contiguous batch without changing anything', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(range(1, 3));
    await expect(sm.apply(range(5, 6))).rejects.toBeInstanceOf(StateInvariantError);
    await expect(sm.apply([entry(4, bump(4)), entry(6, bump(6))])).rejects.toBeInstanceOf(StateInvariantError);
    expect(sm.appliedIndex()).toBe(3);
    await sm.apply(range(4, 4)); // still usable: nothing was half-done
    expect(sm.appliedIndex()).toBe(4);
    await sm.close();
  });

  it('refuses a concurrent apply (the caller must serialise)', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    const first = sm.apply(range(1, 50));
    await expect(sm.apply(range(1, 60))).rejects.toBeInstanceOf(StateInvariantError);
    await first;
    expect(sm.appliedIndex()).toBe(50);
    await sm.close();
  });
});
