// The whole-node simulation with bit rot (bit-rot.ts): a bit flips in a sealed WAL segment of a
// member that is down; the member must refuse to start with WalCorruptionError naming the file
// (or, when the bit hit no record, start and serve nothing changed), and the run's checks hold.
// `npm run sim:node -- --seeds N --bit-flips` runs more.
import { expect, test } from 'vitest';
import { defaultRun, replayCommand, runSimulation } from './simulation.js';

const SEEDS = Number(process.env.SIM_NODE_BIT_ROT_SEEDS ?? 8);

test(`whole-node simulation with bit rot: ${SEEDS} seeds (from 20,001), every flipped start refused or harmless`, async () => {
  const failures: string[] = [];
  let refused = 0;
  for (let seed = 20_001; seed < 20_001 + SEEDS; seed++) {
    const run = { ...defaultRun(seed), bitFlips: true };
    const r = await runSimulation(run);
    refused += r.bitRot?.refused ?? 0;
    if (!r.ok) failures.push(`seed ${seed}: ${r.problems.join('\n')}\n  replay: ${replayCommand(run)}`);
  }
  expect(failures, failures.join('\n\n')).toEqual([]);
  expect(refused, 'no start was refused: the seeds flipped nothing').toBeGreaterThan(0);
}, 300_000);
