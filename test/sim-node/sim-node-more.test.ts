// More seeds of the whole-node simulation, in a file of their own so that CI runs them beside
// sim-node.test.ts on the other core; and seeds found failing outside the suite's ranges, replayed.
import { expect, test } from 'vitest';
import { runSeeds } from './simulation.js';

const SEEDS = Number(process.env.SIM_NODE_SEEDS ?? 150);

/**
 * Seeds that once failed, each with what it found:
 *  - 61173: the watcher check compared two watchers with a follower 12 revisions behind them
 *    (its snapshot install undone by a power cut) and called what it had not applied yet
 *    missing from the cluster (watchers.ts; watchers.test.ts checks it on its own).
 */
const REGRESSION_SEEDS = [61173];

test(`whole-node simulation: ${SEEDS} more seeds (from 10,001)`, async () => {
  const failures = await runSeeds(10_001, SEEDS);
  expect(failures, failures.join('\n\n')).toEqual([]);
}, 900_000);

test(`whole-node simulation: seeds that once failed (${REGRESSION_SEEDS.join(', ')})`, async () => {
  const failures: string[] = [];
  for (const seed of REGRESSION_SEEDS) failures.push(...(await runSeeds(seed, 1)));
  expect(failures, failures.join('\n\n')).toEqual([]);
}, 120_000);
