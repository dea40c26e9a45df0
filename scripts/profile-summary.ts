// Summarises V8 CPU profiles (node --cpu-prof; `npm run bench:vs-etcd -- --cpu-prof DIR`):
//   node dist/scripts/profile-summary.js FILE.cpuprofile... [--top 40] [--svg OUT.svg --title T]
//                                                           [--folded OUT.txt]
// Prints self time by package and by function, total time by function; --svg writes a flame graph, --folded the folded
// stacks. Logic: src/bench/cpu-profile.ts, src/bench/flame-graph.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { foldedStacks, frameName, packageOf, selfTimeBy, totalTimeBy, type CpuProfile, type TimeTable } from '../src/bench/cpu-profile.js';
import { flameGraphSvg } from '../src/bench/flame-graph.js';

const program = new Command('profile-summary')
  .argument('<files...>', '.cpuprofile files')
  .option('--top <n>', 'functions to list', (v) => Number(v), 40)
  .option('--svg <file>', 'write a flame graph of the (first) profile')
  .option('--title <text>', 'the flame graph title', 'CPU profile')
  .option('--folded <file>', 'write the folded stacks of the (first) profile');
program.parse();
const o = program.opts<{ top: number; svg?: string; title: string; folded?: string }>();

const print = (heading: string, t: { total: number; rows: TimeTable }, top: number): void => {
  process.stdout.write(`${heading} (total ${(t.total / 1000).toFixed(0)} ms)\n`);
  for (const r of t.rows.slice(0, top)) process.stdout.write(`${((100 * r.us) / t.total).toFixed(1).padStart(6)}%  ${(r.us / 1000).toFixed(0).padStart(7)} ms  ${r.name}\n`);
};

for (const [i, file] of program.args.entries()) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`== ${file}\n`);
  print('self time by package', selfTimeBy(p, packageOf), 25);
  print('self time by function', selfTimeBy(p, frameName), o.top);
  print('total time (self and callees) by function, idle left out', totalTimeBy(p, frameName), o.top);
  if (i > 0) continue;
  const folded = foldedStacks(p);
  if (o.folded) writeFileSync(o.folded, `${folded.join('\n')}\n`);
  if (o.svg) writeFileSync(o.svg, flameGraphSvg(folded, o.title));
}
