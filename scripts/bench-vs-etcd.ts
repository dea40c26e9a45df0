// raftdb against etcd on this machine, with the same generic unary gRPC client:
//   npm run bench:vs-etcd [-- --ops put,get,sget --clients 1,64,256 --values 256,4096 --spread all,leader,pipeline[,follower]
//                            --warmup 6 --seconds 5 --keys 10000 --systems etcd,raftdb,echo --json FILE
//                            --cpu-prof DIR]
// Installs Debian's etcd-server when missing. Prints a table per cell, a table of ratios (with
// the ceiling: what servers that answer at once reach with the same generator), and
// the whole result as one line of JSON (or into --json FILE). Logic: src/bench/vs-etcd/.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { textTable } from '../src/cli/common.js';
import { ratios, runVsEtcd, type VsEtcdOptions } from '../src/bench/vs-etcd/run.js';

const ints = (v: string): number[] => {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new InvalidArgumentError('expected positive integers, comma-separated');
  return xs;
};
const oneOf = <T extends string>(allowed: readonly T[]) => (v: string): T[] => {
  const xs = v.split(',').map((s) => s.trim()) as T[];
  for (const x of xs) if (!allowed.includes(x)) throw new InvalidArgumentError(`expected some of ${allowed.join(', ')}`);
  return xs;
};

const program = new Command('bench-vs-etcd')
  .option('--systems <list>', 'etcd,raftdb,echo (echo: servers that answer at once, the load generator\'s ceiling)', oneOf(['etcd', 'raftdb', 'echo'] as const), ['etcd', 'raftdb', 'echo'])
  .option('--ops <list>', 'put,get,sget (get: linearizable, sget: serializable)', oneOf(['put', 'get', 'sget'] as const), ['put', 'get', 'sget'])
  .option('--clients <list>', 'concurrent clients per cell', ints, [1, 64, 256])
  .option('--values <list>', 'value sizes in bytes', ints, [256, 4096])
  .option('--spread <list>', 'all (every endpoint), leader (leader only), follower (one follower only), pipeline (raftdb only: its own client on Pipeline streams, against etcd\'s all)', oneOf(['all', 'leader', 'follower', 'pipeline'] as const), ['all', 'leader', 'pipeline'])
  .option('--warmup <s>', 'seconds of load before each measured window', (v) => ints(v)[0]!, 6)
  .option('--seconds <s>', 'measured seconds per cell', (v) => ints(v)[0]!, 5)
  .option('--keys <n>', 'keys written before the run and drawn from', (v) => ints(v)[0]!, 10_000)
  .option('--json <file>', 'write the result as JSON to FILE')
  .option('--cpu-prof <dir>', "write a V8 CPU profile of each raftdb node into DIR (node's --cpu-prof)");
program.parse();
const f = program.opts<{ systems: VsEtcdOptions['systems']; ops: VsEtcdOptions['ops']; clients: number[]; values: number[]; spread: VsEtcdOptions['spreads']; warmup: number; seconds: number; keys: number; json?: string; cpuProf?: string }>();

const opts: VsEtcdOptions = { systems: f.systems, ops: f.ops, clients: f.clients, valueBytes: f.values, spreads: f.spread, warmupS: f.warmup, measureS: f.seconds, keys: f.keys, ...(f.cpuProf ? { cpuProfDir: f.cpuProf } : {}) };
const rows = await runVsEtcd(opts, (line) => process.stderr.write(`${line}\n`));
const cells = textTable(['SYSTEM', 'OP', 'VALUE B', 'CLIENTS', 'ENDPOINTS', 'OPS/S', 'P50 MS', 'P99 MS', 'SERVER CPU µs/OP', 'CLIENT CPU µs/OP', 'ERRORS']);
for (const r of rows) cells.push([r.system, r.op, r.valueBytes, r.clients, r.spread, Math.round(r.opsPerSec), r.latencyMs.p50, r.latencyMs.p99, Math.round(r.serverCpuUsPerOp), Math.round(r.clientCpuUsPerOp), r.errors]);
const ratioTable = textTable(['OP', 'VALUE B', 'CLIENTS', 'ENDPOINTS', 'THROUGHPUT raftdb/etcd', 'SERVER CPU PER OP raftdb/etcd', 'CEILING echo/etcd']);
const rs = ratios(rows);
for (const r of rs) ratioTable.push([r.op, r.valueBytes, r.clients, r.spread, r.throughput.toFixed(2), r.cpuPerOp.toFixed(2), r.ceiling === null ? '-' : r.ceiling.toFixed(2)]);
process.stdout.write(`${new Date().toISOString()} on ${process.platform}, ${(await import('node:os')).cpus().length} CPUs\n${cells.toString()}\n${ratioTable.toString()}\n`);
const result = { at: new Date().toISOString(), options: opts, rows, ratios: rs };
if (f.json) writeFileSync(f.json, `${JSON.stringify(result, null, 2)}\n`);
else process.stdout.write(`${JSON.stringify(result)}\n`);
