// Backup benchmark: a 3-node process cluster loaded with ~1 GiB, then tar czf of a member's state
// directory (the member stopped) against `raftdb backup create` of the cluster (both gzip -6),
// client put latency without and during a backup (the old defaults, niced only, paced only, the
// defaults), and the restore and verify of that backup. Not part of CI: it takes minutes and a
// few GiB of disk.
//   npm run bench:backup [-- --mib 1024 --value-kib 16 --concurrency 16 --load-seconds 20]
//                        [--only old,niced,paced,defaults] [--yield-delay-ms N]
// --only runs those variants (in that order); --yield-delay-ms N adds the defaults with the
// members at --backup-yield-delay-ms N.
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/backup.ts.
import { runBackupBench, type UnderLoadVariant } from '../src/bench/backup.js';
import { positiveIntArg } from '../src/bench/args.js';
import { textTable } from '../src/cli/common.js';

const arg = (name: string, fallback: number): number => positiveIntArg('bench-backup', name, fallback);

// The backup under load, four ways: the old defaults (its process at the priority it was started
// with, members streaming flat out); niced only; members pacing only; the defaults (both). The
// members are restarted with the serve flags of a variant when they change.
const all: UnderLoadVariant[] = [
  { name: 'old defaults: --nice 0, members --backup-yield-delay-ms 0', args: ['--nice', '0'], nice: 0, serveArgs: ['--backup-yield-delay-ms', '0'] },
  { name: 'niced only: members --backup-yield-delay-ms 0', args: [], nice: 0, serveArgs: ['--backup-yield-delay-ms', '0'] },
  { name: 'pacing only: --nice 0', args: ['--nice', '0'], nice: 0 },
  { name: 'defaults', args: [], nice: 0 },
];
const keys = ['old', 'niced', 'paced', 'defaults'];
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? keys : (process.argv[onlyAt + 1] ?? '').split(',');
if (only.some((k) => !keys.includes(k))) {
  process.stderr.write(`bench-backup: --only takes a list of ${keys.join(', ')}\n`);
  process.exit(2);
}
const variants = only.map((k) => all[keys.indexOf(k)]!);
const yieldMs = arg('yield-delay-ms', 0);
if (yieldMs > 0) variants.push({ name: `defaults, members --backup-yield-delay-ms ${yieldMs}`, args: [], nice: 0, serveArgs: ['--backup-yield-delay-ms', String(yieldMs)] });

const r = await runBackupBench({
  totalMiB: arg('mib', 1024),
  valueBytes: arg('value-kib', 16) * 1024,
  concurrency: arg('concurrency', 16),
  loadSeconds: arg('load-seconds', 20),
  variants,
  log: (line) => void process.stderr.write(`${line}\n`),
});
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const steps = textTable(['STEP', 'SECONDS', 'IN MIB', 'OUT MIB', 'MB/S (DATA)']);
for (const [name, st] of [['tar czf state dir (member stopped)', r.tar], ['backup create (idle)', r.backup], ['restore', r.restore], ['backup verify', r.verify]] as const) {
  steps.push([name, st.seconds, mib(st.inBytes), mib(st.outBytes), st.mbPerSecond]);
}
const puts = textTable(['PUTS', 'BACKUP S', 'PAUSED S', 'PER S', 'P50 MS', 'P99 MS', 'MAX MS', 'P99 / BASELINE']);
puts.push(['no backup (before)', '', '', r.putsBefore.putsPerSecond, r.putsBefore.ms.p50, r.putsBefore.ms.p99, r.putsBefore.ms.max, '']);
for (const u of r.underLoad) puts.push([`during a backup, ${u.variant.name}`, u.backup.seconds, u.paced?.pausedSeconds ?? '', u.puts.putsPerSecond, u.puts.ms.p50, u.puts.ms.p99, u.puts.ms.max, `${u.p99Ratio}x`]);
puts.push(['no backup (after)', '', '', r.putsAfter.putsPerSecond, r.putsAfter.ms.p50, r.putsAfter.ms.p99, r.putsAfter.ms.max, '']);
process.stdout.write(`${steps.toString()}\n${puts.toString()}\nbackup/tar time ${r.backupVsTar}x\n`);
process.stdout.write(`${JSON.stringify(r)}\n`);
