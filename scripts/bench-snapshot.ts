// Snapshot benchmark: a 3-node process cluster loaded with ~1 GiB of 64 KiB values (log
// compacted), then a learner added that must catch up by snapshot. Reports the transfer time and
// MB/s, and the leader's RSS before and during the send (VmRSS, and its anonymous and file-backed
// parts), and the p50/p99 of a trickle of 256 B puts (4 writers, to the leader) for
// --probe-seconds before MemberAdd and during the catch-up (--probe-seconds 0: no probe).
// Not part of CI: it takes minutes and a few GiB of disk.
//   npm run bench:snapshot [-- --help] [-- --mib 1024 --value-kib 64 --snapshot-entries 500 --concurrency 16
//                              --state-max-open-files N --no-verify --probe-seconds 10
//                              --learner-nice 19 --learner-dir /dev/shm --snapshot-rate BYTES_PER_SEC --snapshot-yield on|off --heap-growing-percent N --cpu-prof DIR
//                              --node-args '--trace-gc ...' --log-dir DIR]
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/snapshot.ts.
import { Command, InvalidArgumentError } from 'commander';
import { textTable } from '../src/cli/common.js';
import { runSnapshotBench } from '../src/bench/snapshot.js';
import { mib, type Rss } from '../src/bench/snapshot-load.js';

/** An integer of at least `min`, for commander. */
const intAtLeast = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`needs an integer of at least ${min}`);
  return n;
};

const program = new Command('bench-snapshot')
  .description('a learner catching up a 3-node process cluster by snapshot: transfer, memory, and a put probe before and during it')
  .option('--mib <n>', 'MiB of values loaded', intAtLeast(1), 1024)
  .option('--value-kib <n>', 'KiB per value', intAtLeast(1), 64)
  .option('--snapshot-entries <n>', "the nodes' --snapshot-entries (the log is compacted: the learner needs a snapshot)", intAtLeast(1), 500)
  .option('--concurrency <n>', 'Pipeline writers loading the values', intAtLeast(1), 16)
  .option('--state-max-open-files <n>', "the nodes' --state-max-open-files", intAtLeast(1))
  .option('--no-verify', "skip reading the learner's contents back")
  .option('--probe-seconds <s>', 'seconds of the put probe before MemberAdd (0: no probe)', intAtLeast(0), 10)
  .option('--learner-nice <n>', "the learner process's nice value (at most 19)", intAtLeast(1))
  .option('--learner-dir <dir>', "put the learner's data directory under DIR, e.g. /dev/shm: a disk of its own, as on another machine")
  .option('--snapshot-rate <bytes>', "the nodes' --snapshot-send-max-bytes-per-sec (0: no limit)", intAtLeast(0))
  .option('--snapshot-yield <on|off>', "the nodes' --snapshot-send-yield (default: the nodes' own, on)")
  .option('--heap-growing-percent <n>', "the nodes' --snapshot-send-heap-growing-percent", intAtLeast(0))
  .option('--cpu-prof <dir>', "write a V8 CPU profile of each node into DIR (node's --cpu-prof)")
  .option('--node-args <args>', 'more node flags for every node, space-separated')
  .option('--log-dir <dir>', "keep the nodes' logs in DIR");
program.parse();
const f = program.opts<{
  mib: number;
  valueKib: number;
  snapshotEntries: number;
  concurrency: number;
  stateMaxOpenFiles?: number;
  verify: boolean;
  probeSeconds: number;
  learnerNice?: number;
  learnerDir?: string;
  snapshotRate?: number;
  snapshotYield?: string;
  heapGrowingPercent?: number;
  cpuProf?: string;
  nodeArgs?: string;
  logDir?: string;
}>();

const rssRow = (what: string, r: Rss): (string | number)[] => [what, mib(r.rss), mib(r.anon), mib(r.file)];

const r = await runSnapshotBench({
  totalMiB: f.mib,
  valueBytes: f.valueKib * 1024,
  snapshotEntries: f.snapshotEntries,
  concurrency: f.concurrency,
  ...(f.stateMaxOpenFiles === undefined ? {} : { stateMaxOpenFiles: f.stateMaxOpenFiles }),
  verify: f.verify,
  learnerNice: f.learnerNice === undefined ? 0 : Math.min(19, f.learnerNice),
  ...(f.learnerDir === undefined ? {} : { learnerParentDir: f.learnerDir }),
  probeBaselineSeconds: f.probeSeconds,
  ...(f.snapshotRate === undefined ? {} : { snapshotSendBytesPerSec: f.snapshotRate }),
  ...(f.snapshotYield === undefined ? {} : { snapshotSendYield: f.snapshotYield }),
  ...(f.heapGrowingPercent === undefined ? {} : { snapshotSendHeapGrowingPercent: f.heapGrowingPercent }),
  ...(f.cpuProf === undefined ? {} : { cpuProfDir: f.cpuProf }),
  ...(f.nodeArgs === undefined ? {} : { nodeArgs: f.nodeArgs.split(' ').filter(Boolean) }),
  ...(f.logDir === undefined ? {} : { logDir: f.logDir }),
  log: (line) => void process.stderr.write(`${line}\n`),
});
const transfer = textTable(['DATA MIB', 'VALUES', 'SNAPSHOT MIB', 'TRANSFER S', 'MB/S', 'CAUGHT UP S', 'CONTENTS']);
transfer.push([r.dataMiB, r.values, mib(r.snapshotBytes), r.transferSeconds.toFixed(1), r.mbPerSecond, r.catchUpSeconds.toFixed(1), r.contentsMatch === null ? 'not checked' : r.contentsMatch ? 'equal' : 'DIFFERENT']);
const memory = textTable(['PROCESS', 'VMRSS MIB', 'ANON MIB', 'FILE MIB']);
memory.push(...r.loadRssPeaks.map((peak, i) => rssRow(`n${i + 1} peak while loading`, peak)));
memory.push(rssRow('leader before', r.leaderRssBefore), rssRow('leader peak while sending', r.leaderRssPeak), rssRow('learner before', r.learnerRssBefore), rssRow('learner peak', r.learnerRssPeak));
process.stdout.write(`${transfer.toString()}\n${memory.toString()}\n`);
if (r.probe) {
  const probe = textTable(['PUT PROBE', 'PUTS', 'P50 MS', 'P99 MS', 'MAX MS']);
  probe.push(['before MemberAdd', r.probe.before.puts, r.probe.before.p50, r.probe.before.p99, r.probe.before.max]);
  probe.push(['during the catch-up', r.probe.during.puts, r.probe.during.p50, r.probe.during.p99, r.probe.during.max]);
  process.stdout.write(`${probe.toString()}\np99 during / before: ${r.probe.p99Ratio}x; ${r.probe.failures} probe puts failed\n`);
}
process.stdout.write(`${JSON.stringify(r)}\n`);
