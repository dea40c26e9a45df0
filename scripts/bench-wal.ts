// WAL benchmark: appends/s and append-to-durable latency for 1, 16 and 256 concurrent appenders
// of 256-byte entries, fsyncs/s, next to the raw write+fdatasync rate of the same disk.
//   npm run bench:wal [-- --dir /path/on/the/disk --seconds 3]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Wal } from '../src/wal/index.js';

const ENTRY_BYTES = 256;
const CONCURRENCY = [1, 16, 256];
const MAX_SAMPLES = 4_000_000; // latency samples kept per run (bounded memory)

interface Result {
  appenders: number;
  appendsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  fsyncsPerSec: number;
  entriesPerFsync: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * Raw rate of 256-byte write + fdatasync on one file, preallocated as the WAL's segments are (so
 * a write does not also update the file's size): the ceiling for one appender.
 */
async function rawFdatasync(dir: string, seconds: number): Promise<number> {
  const fh = await fs.open(path.join(dir, 'raw.bin'), 'w');
  await fh.truncate(64 * 1024 * 1024);
  const buf = Buffer.alloc(ENTRY_BYTES + 16, 7);
  let n = 0;
  let pos = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await fh.write(buf, 0, buf.length, pos);
    pos += buf.length;
    await fh.datasync();
    n++;
  }
  await fh.close();
  return n / seconds;
}

async function runWal(dir: string, appenders: number, seconds: number): Promise<Result> {
  const wal = await Wal.open(path.join(dir, `wal-${appenders}`));
  const data = new Uint8Array(ENTRY_BYTES).fill(42);
  const samples = new Float64Array(MAX_SAMPLES);
  let count = 0;
  let next = wal.lastIndex() + 1;
  let stop = false;
  // The deadline is checked in the loop too: a lone appender's inline writes settle without a
  // turn of the event loop, so the timer below would fire only at the next segment roll.
  const deadline = performance.now() + seconds * 1000;
  const appender = async (): Promise<void> => {
    while (!stop && performance.now() < deadline) {
      const t0 = performance.now();
      await wal.append([{ index: next++, term: 1, type: 0, data }]);
      if (count < MAX_SAMPLES) samples[count] = performance.now() - t0;
      count++;
    }
  };
  const fsyncs0 = wal.stats().fsyncs;
  const t0 = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < appenders; i++) running.push(appender());
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(running);
  const elapsed = (performance.now() - t0) / 1000;
  const fsyncs = wal.stats().fsyncs - fsyncs0;
  await wal.close();
  const sorted = samples.subarray(0, Math.min(count, MAX_SAMPLES)).sort();
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  return {
    appenders,
    appendsPerSec: count / elapsed,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    fsyncsPerSec: fsyncs / elapsed,
    entriesPerFsync: count / Math.max(1, fsyncs),
  };
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '3'));
  const base = await fs.mkdtemp(path.join(arg('dir', os.tmpdir()), 'raftdb-bench-wal-'));
  try {
    const rawPerSec = await rawFdatasync(base, Math.min(2, seconds));
    const results: Result[] = [];
    for (const c of CONCURRENCY) results.push(await runWal(base, c, seconds));
    const speedup = results[results.length - 1]!.appendsPerSec / results[0]!.appendsPerSec;
    console.log(`raw write+fdatasync: ${rawPerSec.toFixed(0)}/s  (dir ${base})`);
    console.log('appenders  appends/s   p50 ms   p99 ms  fsyncs/s  entries/fsync');
    for (const r of results) {
      console.log(
        `${String(r.appenders).padStart(9)}  ${r.appendsPerSec.toFixed(0).padStart(9)}  ${r.p50Ms.toFixed(3).padStart(7)}` +
          `  ${r.p99Ms.toFixed(3).padStart(7)}  ${r.fsyncsPerSec.toFixed(0).padStart(8)}  ${r.entriesPerFsync.toFixed(1).padStart(13)}`,
      );
    }
    console.log(`256 appenders / 1 appender throughput: ${speedup.toFixed(1)}x (goal >= 20x)`);
    console.log(JSON.stringify({ entryBytes: ENTRY_BYTES, seconds, rawFdatasyncPerSec: rawPerSec, results, speedup }));
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}

await main();
