// `npm run sim:node -- --seeds 1000 [--start 1] [--nodes 3|5]` runs many seeds of the whole-node
// simulation; `npm run sim:node -- --seed 42 --nodes 5 --trace` replays one with its fault schedule.
import { Command } from 'commander';
import { defaultRun, replayCommand, runSimulation } from './simulation.js';

const program = new Command()
  .option('--seeds <n>', 'how many seeds to run', '100')
  .option('--start <n>', 'first seed', '1')
  .option('--seed <n>', 'replay exactly this seed')
  .option('--nodes <n>', 'cluster size (3 or 5; default alternates by seed)')
  .option('--duration <ms>', 'virtual milliseconds of load and faults per seed')
  .option('--no-faults', 'run without faults (the workload alone)')
  .option('--trace', 'print the fault schedule of the run')
  .option('--bit-flips', 'flip bits in sealed WAL segments of members that are down (they must refuse to start)')
  .parse();
const o = program.opts<{ seeds: string; start: string; seed?: string; nodes?: string; duration?: string; faults: boolean; trace?: boolean; bitFlips?: boolean }>();

const first = Number(o.seed ?? o.start);
const count = o.seed ? 1 : Number(o.seeds);
if (!Number.isInteger(first) || !Number.isInteger(count) || count < 1 || (o.nodes && o.nodes !== '3' && o.nodes !== '5')) {
  console.error('error: --seeds, --start and --seed take whole numbers; --nodes is 3 or 5');
  process.exit(2);
}
let failures = 0;
let ops = 0;
const rot = { refused: 0, harmless: 0 };
let failbacks = 0;
let asyncChecked = 0;
let pipelined = 0;
const t0 = Date.now();
for (let seed = first; seed < first + count; seed++) {
  const run = defaultRun(seed);
  if (o.nodes) run.nodes = Number(o.nodes) as 3 | 5;
  if (o.duration) run.durationMs = Number(o.duration);
  run.faults = o.faults;
  if (o.bitFlips) run.bitFlips = true;
  if (o.trace) run.trace = (line) => console.log(line);
  const r = await runSimulation(run);
  ops += r.operations.ok + r.operations.failed + r.operations.unknown;
  if (r.bitRot) for (const k of ['refused', 'harmless'] as const) rot[k] += r.bitRot[k];
  failbacks += r.failbacks;
  asyncChecked += r.asyncChecked;
  pipelined += r.pipelineAttempts.answered;
  if (!r.ok) {
    failures++;
    console.error(`seed ${seed} (${run.nodes} nodes) FAILED:\n  ${r.problems.join('\n  ')}`);
    console.error(`  replay: ${replayCommand(run)}`);
  } else if (o.seed) {
    console.log(`seed ${seed}: ok (${r.operations.ok} ok, ${r.operations.failed} failed, ${r.operations.unknown} unknown; ${r.faults} faults)`);
    console.log(`  pipeline attempts: ${r.pipelineAttempts.answered} answered, ${r.pipelineAttempts.failed} failed; ${r.failbacks} failbacks`);
    for (const [why, n] of r.unknownReasons.slice(0, 5)) console.log(`  ${n} unknown: ${why}`);
  }
  if ((seed - first + 1) % 50 === 0) console.log(`${seed - first + 1} seeds, ${failures} failed`);
}
const secs = (Date.now() - t0) / 1000;
console.log(`${count} seeds, ${failures} failed, ${ops} client operations (${pipelined} attempts answered on pipelines; ${failbacks} failbacks; ${asyncChecked} ASYNC writes checked on their leader's disk) in ${secs.toFixed(1)} s`);
if (o.bitFlips) console.log(`bit rot: ${rot.refused} starts refused as they must be, ${rot.harmless} flips outside every record (started)`);
process.exit(failures > 0 ? 1 : 0);
