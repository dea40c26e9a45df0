// The leader's garbage collections during a snapshot transfer, from the logs of
//   npm run bench:snapshot -- --node-args '--trace-gc' --log-dir DIR
// The leader is the node that logged `sending snapshot`; the window runs from that line to the
// learner's `received and verified snapshot`. --trace-gc stamps milliseconds since the process
// started, the log lines wall-clock time: the trace lines just before and after `sending
// snapshot` place one on the other (to within their gap, printed). Counts mark-compacts and
// scavenges in the window, and the mark-compact rate of the 8 s before it (the probe's own).
//   node dist/scripts/gc-during-snapshot.js DIR MIB_SENT
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Gc {
  ms: number;
  kind: string;
  pauseMs: number;
}
type Line = { gc: Gc } | { log: { time?: number; msg?: string } };

const GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Minor Mark-Sweep)[^,]*, ([\d.]+) \/ [\d.]+ ms/;

function parse(path: string): Line[] {
  const out: Line[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = GC_LINE.exec(line);
    if (m) out.push({ gc: { ms: Number(m[1]), kind: m[2]!, pauseMs: Number(m[3]) } });
    else if (line.startsWith('{')) {
      try {
        out.push({ log: JSON.parse(line) as { time?: number; msg?: string } });
      } catch {
        // a line cut by the process's exit
      }
    }
  }
  return out;
}

const [dir, mibArg] = process.argv.slice(2);
const mib = Number(mibArg);
if (!dir || !(mib > 0)) {
  process.stderr.write('usage: gc-during-snapshot DIR MIB_SENT\n');
  process.exit(2);
}
const nodes = new Map(readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => [f.slice(0, -4), parse(join(dir, f))]));
const isLog = (l: Line, msg: string): l is { log: { time: number; msg: string } } => 'log' in l && l.log.msg === msg && typeof l.log.time === 'number';
const leader = [...nodes].find(([, lines]) => lines.some((l) => isLog(l, 'sending snapshot')));
if (!leader) throw new Error(`no "sending snapshot" in ${dir}`);
const lines = leader[1];
const sendAt = lines.findIndex((l) => isLog(l, 'sending snapshot'));
const t0 = (lines[sendAt] as { log: { time: number } }).log.time;
const ends = [...nodes.values()].flat().filter((l) => isLog(l, 'received and verified snapshot')).map((l) => (l as { log: { time: number } }).log.time);
const t1 = Math.min(...ends.filter((t) => t > t0));
const gcs = lines.flatMap((l) => ('gc' in l ? [l.gc] : []));
const before = lines.slice(0, sendAt).reverse().find((l) => 'gc' in l) as { gc: Gc } | undefined;
const after = lines.slice(sendAt).find((l) => 'gc' in l) as { gc: Gc } | undefined;
if (!before || !after) throw new Error('no --trace-gc lines around "sending snapshot" (run with --node-args --trace-gc)');
const offset = (t0 - after.gc.ms + (t0 - before.gc.ms)) / 2;
const [w0, w1] = [t0 - offset, t1 - offset];
const inWindow = gcs.filter((g) => g.ms >= w0 && g.ms <= w1);
const mc = inWindow.filter((g) => g.kind.startsWith('Mark-Compact'));
const sc = inWindow.filter((g) => !g.kind.startsWith('Mark-Compact'));
const prior = gcs.filter((g) => g.ms >= w0 - 8000 && g.ms < w0 && g.kind.startsWith('Mark-Compact'));
const seconds = (t1 - t0) / 1000;
const sum = (g: Gc[]): number => Math.round(g.reduce((s, x) => s + x.pauseMs, 0));
const max = (g: Gc[]): number => Math.max(0, ...g.map((x) => x.pauseMs));
process.stdout.write(
  [
    `leader ${leader[0]}: transfer ${seconds.toFixed(1)} s (trace placed to within ${after.gc.ms - before.gc.ms} ms)`,
    `mark-compacts ${mc.length}: ${(mc.length / mib).toFixed(3)} per MiB, ${(mc.length / seconds).toFixed(1)} per s, pauses ${sum(mc)} ms in all, ${max(mc).toFixed(1)} ms at most`,
    `scavenges ${sc.length}: ${(sc.length / mib).toFixed(3)} per MiB, pauses ${sum(sc)} ms in all`,
    `the 8 s before: ${prior.length} mark-compacts (${(prior.length / 8).toFixed(2)} per s)`,
  ].join('\n') + '\n',
);
