// Archiving benchmark: puts/s of 64 put loops (256 B) on fresh 3-node process clusters without
// and with continuous archiving (serve --archive-dir), alternating, and the leader's archive lag
// sampled meanwhile. Not part of CI: it takes minutes.
//   npm run bench:archive [-- --concurrency 64 --seconds 20 --warmup-seconds 5 --rounds 2 --sample-ms 250]
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/archive.ts.
import { runArchiveBench } from '../src/bench/archive.js';
import { positiveIntArg } from '../src/bench/args.js';
import { textTable } from '../src/cli/common.js';

const arg = (name: string, fallback: number): number => positiveIntArg('bench-archive', name, fallback);

const r = await runArchiveBench({
  concurrency: arg('concurrency', 64),
  seconds: arg('seconds', 20),
  warmupSeconds: arg('warmup-seconds', 5),
  rounds: arg('rounds', 2),
  sampleMs: arg('sample-ms', 250),
  log: (line) => void process.stderr.write(`${line}\n`),
});
const t = textTable(['ROUND', 'ARCHIVING', 'PUTS/S', 'P50 MS', 'P99 MS', 'LAG P50 S', 'LAG P99 S', 'LAG MAX S', 'SAMPLES']);
r.rounds.forEach((x, i) => t.push([i + 1, x.archiving ? 'on' : 'off', x.puts.putsPerSecond, x.puts.ms.p50, x.puts.ms.p99, ...(x.archiving ? [x.lag.p50, x.lag.p99, x.lag.max, x.lag.samples] : ['', '', '', ''])]));
process.stdout.write(`${t.toString()}\n`);
process.stdout.write(`median puts/s off ${r.offPutsPerSecond}, on ${r.onPutsPerSecond} (on/off ${r.putsRatio}; bound >= 0.9); archive lag p99 ${r.lagP99Seconds} s (bound <= 2 s)\n`);
process.stdout.write(`${JSON.stringify(r)}\n`);
