import { defaultOptions, Simulation, type SimOptions } from './cluster.js';

/** Runs seeds [first, first+count) on `nodes`-node clusters; returns one line per failing seed. */
export function runSeeds(first: number, count: number, nodes: number, extra: Partial<SimOptions> = {}): { failures: string[]; events: number } {
  const failures: string[] = [];
  let events = 0;
  for (let seed = first; seed < first + count; seed++) {
    try {
      events += new Simulation({ ...defaultOptions(seed, nodes), ...extra }).run().events;
    } catch (e) {
      const flags = `${extra.deferredReplication ? ' --deferred' : ''}${extra.pauses ? ' --pauses' : ''}`;
      failures.push(`seed ${seed}: ${(e as Error).message}\n  replay: npm run sim -- --seed ${seed} --nodes ${nodes}${flags} --trace`);
    }
  }
  return { failures, events };
}
