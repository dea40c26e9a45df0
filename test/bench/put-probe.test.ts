// The put probe of bench:snapshot: each latency counts in the phase current when the put ends,
// failures are counted and do not stop it, and stop() waits for the writers' last puts.
import { describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { PutProbe } from '../../src/bench/put-probe.js';

/** A client whose puts take `delayMs` and fail while `failing` is set; records the keys put. */
function slowClient(delayMs: number) {
  const state = { failing: false, keys: [] as string[], inFlight: 0, maxInFlight: 0 };
  const client = {
    put: async (key: string) => {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      state.inFlight--;
      if (state.failing) throw new Error('unavailable');
      state.keys.push(key);
    },
  };
  return { client: client as unknown as RaftdbClient, state };
}

describe('PutProbe', () => {
  test('latencies land in the phase they end in; failures are counted and the writers go on', async () => {
    const { client, state } = slowClient(5);
    const probe = new PutProbe(client, 'p/', 16, 2);
    probe.start('before');
    await new Promise((r) => setTimeout(r, 60));
    probe.phase('during');
    state.failing = true;
    await new Promise((r) => setTimeout(r, 40));
    state.failing = false;
    await new Promise((r) => setTimeout(r, 60));
    const phases = await probe.stop();

    expect(state.maxInFlight).toBe(2); // closed loops: one put in flight per writer
    expect(state.inFlight).toBe(0); // stop() waited for the last puts
    const before = phases.get('before')!;
    const during = phases.get('during')!;
    expect(before.count).toBeGreaterThan(2);
    expect(during.count).toBeGreaterThan(2);
    expect(probe.failures).toBeGreaterThan(0);
    expect(before.count + during.count).toBe(state.keys.length);
    expect(before.percentile(50)).toBeGreaterThanOrEqual(4000); // µs: at least the put's 5 ms, less timer slack
    // Overwrites in a small key space per writer: the probe does not grow the data.
    expect(new Set(state.keys).size).toBeLessThanOrEqual(2 * 64);
    expect(state.keys.every((k) => /^p\/[01]\/\d+$/.test(k))).toBe(true);
  });
});
