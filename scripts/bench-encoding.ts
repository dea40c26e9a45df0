// Micro-benchmark of the leader's four encodings of a put (issue 18): the put command, the kv
// record, the watch record and the append message (once per follower), each with msgpackr's
// pack (the encoders before issue 18, on one shared Packr as the state machine had) and with the
// project's encoder (exact framing, src/common/msgpack-writer.ts), for 256 B, 4 KiB and 64 KiB
// values, next to a plain copy of the value (the floor).
//   npm run bench:encoding [-- --ms 100 --rounds 5 --retain 0]
import { performance } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import type { AppendRequest, Entry } from '../src/raft/types.js';
import { encodeCommand, type Command } from '../src/state/commands.js';
import { encodeKv } from '../src/state/kv-records.js';
import type { WatchEvent } from '../src/state/types.js';
import { encodeWatchRecord } from '../src/state/watch-log.js';
import { encodeMessage } from '../src/transport/codec.js';

const VALUE_BYTES = [256, 4096, 65536];
const ENTRIES_PER_APPEND = 16;

// The Packr options of src/state/codec.ts and src/transport/codec.ts (the encoders before).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

// The last `retain` results stay referenced, as a leader keeps its recent entries (log, WAL cache)
// and queued messages: what an encoder's buffers cost the garbage collector then counts too.
const retain = Number(arg('retain', '0'));
const kept: unknown[] = new Array(retain);
let keptAt = 0;

function call(fn: () => unknown): void {
  const out = fn();
  if (retain > 0) {
    kept[keptAt] = out;
    keptAt = (keptAt + 1) % retain;
  }
}

/** CPU µs (user + system, so other processes on a shared host count less) per call of `fn` over ~`ms` ms. */
function cpuUs(ms: number, fn: () => unknown): number {
  let n = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) call(fn);
    n += 50;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

/** Median of `rounds` alternating runs of each function (after a warm-up of each). */
function compare(ms: number, rounds: number, fns: (() => unknown)[]): number[] {
  for (const fn of fns) cpuUs(ms, fn);
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => samples[i]!.push(cpuUs(ms, fn)));
  return samples.map((xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
}

function shapes(valueBytes: number): { command: Command; event: WatchEvent; append: AppendRequest; value: Buffer } {
  const key = Buffer.from('bench/key/000000012345');
  const value = Buffer.alloc(valueBytes, 7);
  const command: Command = { type: 'put', key, value, req: { clientId: 'c0ffee00-1234-4bcd-8123-0123456789ab', seq: 81234, at: 1_765_000_000_000 } };
  const kv = { key, value, createRevision: 70_001, modRevision: 123_456, version: 12 };
  const event: WatchEvent = { type: 'put', kv, prevKv: { ...kv, modRevision: 120_000, version: 11 }, index: 0 };
  const data = Buffer.from(encodeCommand(command));
  const entries: Entry[] = [];
  for (let i = 0; i < ENTRIES_PER_APPEND; i++) entries.push({ index: 200_000 + i, term: 7, type: 0, data });
  const append: AppendRequest = { type: 'append', to: 'n2', prevIndex: 199_999, prevTerm: 7, entries, commit: 199_990, from: 'n1', term: 7 };
  return { command, event, append, value };
}

function tuple(e: WatchEvent): unknown[] {
  const p = e.prevKv;
  return [[0, e.kv.key, e.kv.value, e.kv.createRevision, e.kv.version, p ? [p.value, p.createRevision, p.modRevision, p.version] : null]];
}

function main(): void {
  const ms = Number(arg('ms', '100'));
  const rounds = Number(arg('rounds', '5'));
  console.log(`CPU µs per call (median of ${rounds} alternating runs of ~${ms} ms, the last ${retain} results kept; append = ${ENTRIES_PER_APPEND} entries)`);
  console.log('value     encoder          msgpackr   project   copy of value');
  for (const bytes of VALUE_BYTES) {
    const s = shapes(bytes);
    const kvTuple = [s.event.kv.createRevision, s.event.kv.modRevision, s.event.kv.version, s.value];
    const rows: [string, () => unknown, () => unknown][] = [
      ['put command', () => packr.pack(s.command), () => encodeCommand(s.command)],
      ['kv record', () => packr.pack(kvTuple), () => encodeKv(s.event.kv)],
      ['watch record', () => packr.pack(tuple(s.event)), () => encodeWatchRecord([s.event], 0, 1)],
      ['append message', () => packr.pack(s.append), () => encodeMessage(s.append)],
    ];
    for (const [name, before, after] of rows) {
      const [b, a, copy] = compare(ms, rounds, [before, after, () => Buffer.from(s.value)]);
      console.log(`${String(bytes).padStart(6)} B  ${name.padEnd(15)} ${b!.toFixed(2).padStart(9)} ${a!.toFixed(2).padStart(9)} ${copy!.toFixed(2).padStart(9)}`);
    }
  }
}

main();
