// Disk benchmark: a 3-node process cluster loaded with 64 KiB values; each node's state/ and wal/
// after the load, after a defragment alone, and after a compact and a defragment, against the
// live data (docs/performance.md, "Disk"). Not part of CI: it takes minutes and disk.
//   npm run bench:disk [-- --mib 256 --value-kib 64 --rounds 1 --concurrency 16] [-- serve flags after --serve]
// e.g. `npm run bench:disk -- --mib 64 --rounds 2 --serve --watch-history-max-bytes 16777216`.
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/disk.ts.
import { positiveIntArg } from '../src/bench/args.js';
import { runDiskBench, type DirBytes } from '../src/bench/disk.js';
import { textTable } from '../src/cli/common.js';

const MiB = 1024 * 1024;
const own = process.argv.includes('--serve') ? process.argv.slice(0, process.argv.indexOf('--serve')) : process.argv;
const arg = (name: string, fallback: number): number => positiveIntArg('bench-disk', name, fallback, own);
const r = await runDiskBench({
  liveMiB: arg('mib', 256),
  valueBytes: arg('value-kib', 64) * 1024,
  rounds: arg('rounds', 1),
  concurrency: arg('concurrency', 16),
  serveArgs: process.argv.includes('--serve') ? process.argv.slice(process.argv.indexOf('--serve') + 1) : [],
  log: (line) => void process.stderr.write(`${line}\n`),
});
const cell = (b: DirBytes): string => `${(b.apparent / MiB).toFixed(1)} / ${(b.allocated / MiB).toFixed(1)}`;
const table = textTable(['PHASE', 'NODE', 'STATE MIB (LENGTH / ALLOCATED)', 'WAL MIB', 'WHOLE DIR MIB', 'X LIVE (ALLOCATED)']);
for (const p of r.phases) {
  for (const n of p.nodes) table.push([p.phase, n.id, cell(n.state), cell(n.wal), cell(n.total), (n.total.allocated / r.liveBytes).toFixed(2)]);
}
process.stdout.write(`live data: ${(r.liveBytes / MiB).toFixed(1)} MiB\n${table.toString()}\n${JSON.stringify(r)}\n`);
