// Backup benchmark: a 3-node process cluster loaded with ~1 GiB, then tar czf of a member's state
// directory (the member stopped) against `raftdb backup create` of the cluster (both gzip -6),
// client put latency without and during a backup (as is, rate-limited, niced, both), and the
// restore and verify of that backup. Not part of CI: it
// takes minutes and a few GiB of disk.
//   npm run bench:backup [-- --mib 1024 --value-kib 16 --concurrency 16 --load-seconds 20 --rate-limit 12]
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/backup.ts.
import { runBackupBench } from '../src/bench/backup.js';
import { positiveIntArg } from '../src/bench/args.js';
import { textTable } from '../src/cli/common.js';

const arg = (name: string, fallback: number): number => positiveIntArg('bench-backup', name, fallback);

const r = await runBackupBench({
  totalMiB: arg('mib', 1024),
  valueBytes: arg('value-kib', 16) * 1024,
  concurrency: arg('concurrency', 16),
  loadSeconds: arg('load-seconds', 20),
  // The backup under load, four ways: as is; rate-limited; its process niced; both.
  variants: [
    { name: 'plain', args: [], nice: 0 },
    { name: `--rate-limit ${arg('rate-limit', 12)}`, args: ['--rate-limit', String(arg('rate-limit', 12))], nice: 0 },
    { name: 'nice -n 19', args: [], nice: 19 },
    { name: `nice -n 19, --rate-limit ${arg('rate-limit', 12)}`, args: ['--rate-limit', String(arg('rate-limit', 12))], nice: 19 },
  ],
  log: (line) => void process.stderr.write(`${line}\n`),
});
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const steps = textTable(['STEP', 'SECONDS', 'IN MIB', 'OUT MIB', 'MB/S (DATA)']);
for (const [name, st] of [['tar czf state dir (member stopped)', r.tar], ['backup create (idle)', r.backup], ['restore', r.restore], ['backup verify', r.verify]] as const) {
  steps.push([name, st.seconds, mib(st.inBytes), mib(st.outBytes), st.mbPerSecond]);
}
const puts = textTable(['PUTS', 'BACKUP S', 'PER S', 'P50 MS', 'P99 MS', 'MAX MS', 'P99 / BASELINE']);
puts.push(['no backup (before)', '', r.putsBefore.putsPerSecond, r.putsBefore.ms.p50, r.putsBefore.ms.p99, r.putsBefore.ms.max, '']);
for (const u of r.underLoad) puts.push([`during a backup, ${u.variant.name}`, u.backup.seconds, u.puts.putsPerSecond, u.puts.ms.p50, u.puts.ms.p99, u.puts.ms.max, `${u.p99Ratio}x`]);
puts.push(['no backup (after)', '', r.putsAfter.putsPerSecond, r.putsAfter.ms.p50, r.putsAfter.ms.p99, r.putsAfter.ms.max, '']);
process.stdout.write(`${steps.toString()}\n${puts.toString()}\nbackup/tar time ${r.backupVsTar}x\n`);
process.stdout.write(`${JSON.stringify(r)}\n`);
