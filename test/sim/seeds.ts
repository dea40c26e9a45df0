import { defaultOptions, Simulation } from './cluster.js';

/** Runs seeds [first, first+count) on `nodes`-node clusters; returns one line per failing seed. */
export function runSeeds(first: number, count: number, nodes: number): { failures: string[]; events: number } {
  const failures: string[] = [];
  let events = 0;
  for (let seed = first; seed < first + count; seed++) {
    try {
      events += new Simulation(defaultOptions(seed, nodes)).run().events;
    } catch (e) {
      failures.push(`seed ${seed}: ${(e as Error).message}\n  replay: npm run sim -- --seed ${seed} --nodes ${nodes} --trace`);
    }
  }
  return { failures, events };
}
