// `npm run sim -- --seeds 100000 [--start 1] [--nodes 3|5]` runs many seeds;
// `npm run sim -- --seed 42 --nodes 5 --trace` replays one with a trace of its faults;
// `--deferred` proposes half the writes with deferred replication (ASYNC writes);
// `--pauses` freezes nodes (mostly leaders) and lets every node's clock drift within ±5 %.
import { Command } from 'commander';
import { defaultOptions, Simulation } from './cluster.js';

const program = new Command()
  .option('--seeds <n>', 'how many seeds to run', '1000')
  .option('--start <n>', 'first seed', '1')
  .option('--seed <n>', 'replay exactly this seed')
  .option('--nodes <n>', 'cluster size (3 or 5; default alternates by seed)')
  .option('--trace', 'print the fault schedule of the run')
  .option('--deferred', 'propose half the writes with deferred replication (as ASYNC writes are)')
  .option('--pauses', 'freeze nodes, mostly leaders, as SIGSTOP does; clocks drift within the lease bound')
  .parse();
const o = program.opts<{ seeds: string; start: string; seed?: string; nodes?: string; trace?: boolean; deferred?: boolean; pauses?: boolean }>();

const first = Number(o.seed ?? o.start);
const count = o.seed ? 1 : Number(o.seeds);
if (!Number.isInteger(first) || !Number.isInteger(count) || count < 1) {
  console.error('error: --seeds, --start and --seed take whole numbers');
  process.exit(2);
}
let events = 0;
let failures = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const nodes = o.nodes ? Number(o.nodes) : seed % 2 === 0 ? 5 : 3;
  const opts = defaultOptions(seed, nodes);
  if (o.trace) opts.trace = (line) => console.log(line);
  if (o.deferred) opts.deferredReplication = true;
  if (o.pauses) opts.pauses = true;
  try {
    events += new Simulation(opts).run().events;
  } catch (e) {
    failures++;
    console.error(`seed ${seed} (${nodes} nodes) FAILED: ${(e as Error).message}`);
    console.error(`  replay: npm run sim -- --seed ${seed} --nodes ${nodes}${o.deferred ? ' --deferred' : ''}${o.pauses ? ' --pauses' : ''} --trace`);
  }
  if ((seed - first + 1) % 500 === 0) console.log(`${seed - first + 1} seeds, ${failures} failed`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`${count} seeds, ${failures} failed, ${events} events in ${secs.toFixed(1)} s (${Math.round(events / secs)} events/s)`);
process.exit(failures > 0 ? 1 : 0);
