import { describe, expect, test } from 'vitest';
import { runSeeds } from './seeds.js';

// The same faults plus pauses: a node, the leader more often than not, is frozen (as by SIGSTOP)
// for 20 ms to 0.7 s while the others go on, and on waking runs the client requests that waited
// before the peers' messages and before its next tick. Every node's clock runs at its own rate
// within ±5 %, inside the lease's drift bound. A read a frozen leader serves from its old lease
// after a successor committed is a stale read: the read checker fails the seed.
describe('deterministic simulation, paused nodes and drifting clocks', () => {
  for (const [first, nodes] of [
    [400_001, 3],
    [400_101, 3],
    [500_001, 5],
    [500_101, 5],
  ] as const) {
    test(`${nodes} nodes, seeds ${first}..${first + 99}`, () => {
      const { failures } = runSeeds(first, 100, nodes, { pauses: true });
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
