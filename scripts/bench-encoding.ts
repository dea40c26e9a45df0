// Micro-benchmark of the leader's four encodings of a put (issue 18): the put command, the kv
// record, the watch record and the append message (once per follower), each with msgpackr's
// pack (the encoders before issue 18, on one shared Packr as the state machine had) and with the
// project's encoder (exact framing, src/common/msgpack-writer.ts), for 256 B, 4 KiB and 64 KiB
// values, next to a plain copy of the value (the floor).
//   npm run bench:encoding [-- --ms 300]
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

/** Mean µs per call of `fn` over about `ms` milliseconds (after a warm-up of the same length). */
function timeUs(ms: number, fn: () => unknown): number {
  let sink = 0;
  for (const end = performance.now() + ms; performance.now() < end; ) for (let i = 0; i < 50; i++) sink ^= fn() === null ? 1 : 0;
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) sink ^= fn() === null ? 1 : 0;
    n += 50;
  }
  if (sink === 42) console.log(''); // keeps the calls from being optimised away
  return ((performance.now() - start) * 1000) / n;
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
  const ms = Number(arg('ms', '300'));
  console.log(`µs per call (mean over ~${ms} ms; append = ${ENTRIES_PER_APPEND} entries, µs per entry in brackets)`);
  console.log('value     encoder          msgpackr   project   copy of value');
  for (const bytes of VALUE_BYTES) {
    const s = shapes(bytes);
    const copy = timeUs(ms, () => Buffer.from(s.value));
    const kvTuple = [s.event.kv.createRevision, s.event.kv.modRevision, s.event.kv.version, s.value];
    const rows: [string, () => unknown, () => unknown, number][] = [
      ['put command', () => packr.pack(s.command), () => encodeCommand(s.command), 1],
      ['kv record', () => packr.pack(kvTuple), () => encodeKv(s.event.kv), 1],
      ['watch record', () => packr.pack(tuple(s.event)), () => encodeWatchRecord([s.event], 0, 1), 1],
      ['append message', () => packr.pack(s.append), () => encodeMessage(s.append), ENTRIES_PER_APPEND],
    ];
    for (const [name, before, after, per] of rows) {
      const b = timeUs(ms, before);
      const a = timeUs(ms, after);
      const perEntry = per > 1 ? ` [${(b / per).toFixed(2)} → ${(a / per).toFixed(2)}]` : '';
      console.log(`${String(bytes).padStart(6)} B  ${name.padEnd(15)} ${b.toFixed(2).padStart(9)} ${a.toFixed(2).padStart(9)} ${copy.toFixed(2).padStart(9)}${perEntry}`);
    }
  }
}

main();
