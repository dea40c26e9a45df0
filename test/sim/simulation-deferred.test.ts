import { describe, expect, test } from 'vitest';
import { runSeeds } from './seeds.js';

// The same faults with half the writes proposed with deferred replication, as the server proposes
// ASYNC writes: they reach the followers only with a later broadcast, a release or the core's
// tick backstop. Safety must not depend on when appends leave; liveness must not depend on the
// host releasing them (a crashed or deposed leader never does).
describe('deterministic simulation, deferred replication', () => {
  for (const [first, nodes] of [
    [200_001, 3],
    [200_101, 3],
    [300_001, 5],
    [300_101, 5],
  ] as const) {
    test(`${nodes} nodes, seeds ${first}..${first + 99}`, () => {
      const { failures } = runSeeds(first, 100, nodes, { deferredReplication: true });
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
