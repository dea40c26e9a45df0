// Failover benchmark: write unavailability and client errors over repeated kill -9 of the leader
// and repeated switchovers, and put latency per commit mode, on a fresh 3-node process cluster.
//   npm run bench:failover [-- --kills 20 --switchovers 20 --writers 16 --mode-puts 500]
// Prints a table, then the whole result as one line of JSON. The logic is in src/bench/failover.ts.
import { textTable } from '../src/cli/common.js';
import { type EventSummary, type FailoverBenchResult, runFailoverBench } from '../src/bench/failover.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`bench-failover: --${name} needs a non-negative integer\n`);
    process.exit(2);
  }
  return n;
}

function eventRow(name: string, s: EventSummary): (string | number)[] {
  const server = s.serverUnavailableMs ? `${s.serverUnavailableMs.median} / ${s.serverUnavailableMs.max}` : '-';
  const notes = s.runs.filter((r) => r.note).length;
  return [name, s.runs.length, s.unavailableMs.median, s.unavailableMs.max, s.errors.total, s.errors.max, server, notes];
}

function text(r: FailoverBenchResult): string {
  const events = textTable(['EVENT', 'RUNS', 'UNAVAILABLE MEDIAN MS', 'UNAVAILABLE MAX MS', 'CLIENT ERRORS', 'MAX ERRORS/RUN', 'SERVER MS MEDIAN / MAX', 'NOTES']);
  events.push(eventRow('kill -9 leader', r.kill), eventRow('switchover', r.switchover));
  const modes = textTable(['COMMIT MODE', 'PUTS (1 WRITER)', 'P50 MS', 'P99 MS', 'ERRORS']);
  for (const [m, l] of Object.entries(r.modes)) modes.push([m, l.puts, l.p50Ms, l.p99Ms, l.errors]);
  return `${r.writers} concurrent writers; unavailability = longest gap between successful write completions\n${events.toString()}\n${modes.toString()}\n`;
}

const result = await runFailoverBench({
  kills: arg('kills', 20),
  switchovers: arg('switchovers', 20),
  writers: Math.max(1, arg('writers', 16)),
  modePuts: Math.max(1, arg('mode-puts', 500)),
  log: (line) => void process.stderr.write(`${line}\n`),
});
process.stdout.write(text(result));
process.stdout.write(`${JSON.stringify(result)}\n`);
