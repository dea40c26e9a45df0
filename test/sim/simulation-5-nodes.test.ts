import { describe, expect, test } from 'vitest';
import { runSeeds } from './seeds.js';

// 5-node clusters under crashes, partitions, drops, duplicates, delays, membership changes,
// leadership transfers and constant snapshotting: every Raft safety property is checked after
// every step, and liveness once the faults are healed. 1,000 seeds here, in batches of 100.
describe('deterministic simulation, 5 nodes', () => {
  for (let batch = 0; batch < 10; batch++) {
    const first = 100_001 + batch * 100;
    test(`seeds ${first}..${first + 99}`, () => {
      const { failures } = runSeeds(first, 100, 5);
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
