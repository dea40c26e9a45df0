// More seeds of the whole-node simulation, in a file of their own so that CI runs them beside
// sim-node.test.ts on the other core.
import { expect, test } from 'vitest';
import { runSeeds } from './simulation.js';

const SEEDS = Number(process.env.SIM_NODE_SEEDS ?? 150);

test(`whole-node simulation: ${SEEDS} more seeds (from 10,001)`, async () => {
  const failures = await runSeeds(10_001, SEEDS);
  expect(failures, failures.join('\n\n')).toEqual([]);
}, 900_000);
