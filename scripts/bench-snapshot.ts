// Snapshot benchmark: a 3-node process cluster loaded with ~1 GiB of 64 KiB values (log
// compacted), then a learner added that must catch up by snapshot. Reports the transfer time and
// MB/s, and the leader's RSS before and during the send (VmRSS, and its anonymous and file-backed
// parts), and the p50/p99 of a trickle of 256 B puts (4 writers, to the leader) for
// --probe-seconds before MemberAdd and during the catch-up (--probe-seconds 0: no probe).
// Not part of CI: it takes minutes and a few GiB of disk.
//   npm run bench:snapshot [-- --mib 1024 --value-kib 64 --snapshot-entries 500 --concurrency 16
//                              --state-max-open-files N --no-verify --probe-seconds 10
//                              --learner-nice 19 --snapshot-rate BYTES_PER_SEC --heap-growing-percent N --cpu-prof DIR
//                              --node-args '--trace-gc ...' --log-dir DIR]
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/snapshot.ts.
import { textTable } from '../src/cli/common.js';
import { runSnapshotBench } from '../src/bench/snapshot.js';
import { mib, type Rss } from '../src/bench/snapshot-load.js';

function arg(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`bench-snapshot: --${name} needs an integer of at least ${min}\n`);
    process.exit(2);
  }
  return n;
}

const rssRow = (what: string, r: Rss): (string | number)[] => [what, mib(r.rss), mib(r.anon), mib(r.file)];

const r = await runSnapshotBench({
  totalMiB: arg('mib', 1024),
  valueBytes: arg('value-kib', 64) * 1024,
  snapshotEntries: arg('snapshot-entries', 500),
  concurrency: arg('concurrency', 16),
  ...(process.argv.includes('--state-max-open-files') ? { stateMaxOpenFiles: arg('state-max-open-files', 1000) } : {}),
  verify: !process.argv.includes('--no-verify'),
  learnerNice: process.argv.includes('--learner-nice') ? Math.min(19, arg('learner-nice', 19)) : 0,
  probeBaselineSeconds: process.argv.includes('--probe-seconds') && process.argv[process.argv.indexOf('--probe-seconds') + 1] === '0' ? 0 : arg('probe-seconds', 10),
  ...(process.argv.includes('--snapshot-rate') ? { snapshotSendBytesPerSec: arg('snapshot-rate', 0, 0) } : {}),
  ...(process.argv.includes('--heap-growing-percent') ? { snapshotSendHeapGrowingPercent: arg('heap-growing-percent', 0, 0) } : {}),
  ...(process.argv.includes('--cpu-prof') ? { cpuProfDir: process.argv[process.argv.indexOf('--cpu-prof') + 1]! } : {}),
  ...(process.argv.includes('--node-args') ? { nodeArgs: process.argv[process.argv.indexOf('--node-args') + 1]!.split(' ').filter(Boolean) } : {}),
  ...(process.argv.includes('--log-dir') ? { logDir: process.argv[process.argv.indexOf('--log-dir') + 1]! } : {}),
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
