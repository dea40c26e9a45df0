// Shared test helpers for the state machine suites: temp dirs, entries, history records, a seeded PRNG, dumps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/common/rng.js';
import { EntryType, type Entry } from '../../src/raft/types.js';
import { type Command, encodeCommand } from '../../src/state/commands.js';
import type { HistoryRecord } from '../../src/state/history-log.js';
import type { StateMachine } from '../../src/state/state-machine.js';
import type { KeyValue } from '../../src/state/types.js';

/** UTF-8 bytes of a string. */
export const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** A fresh temp directory; remove it with cleanup(). */
export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'raftdb-state-'));
}

/** Remove a temp directory and everything in it. */
export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A Normal entry carrying `cmd`. */
export function entry(index: number, cmd: Command, term = 1): Entry {
  return { index, term, type: EntryType.Normal, data: encodeCommand(cmd) };
}

/** Watch history records of `count` revisions from `from`, each body `size` bytes of its revision % 251. */
export function historyRecords(from: number, count: number, size = 100): HistoryRecord[] {
  return Array.from({ length: count }, (_, i) => ({ revision: from + i, body: Buffer.alloc(size, (from + i) % 251) }));
}

/** A leader no-op entry. */
export function noop(index: number, term = 1): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(0) };
}

/** The project's seeded PRNG (src/common/rng.ts) with the helpers these tests use. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

/** Every kv of the store in key order (paged through range()). */
export async function dump(sm: StateMachine, revision?: number): Promise<KeyValue[]> {
  const out: KeyValue[] = [];
  let key: Uint8Array = new Uint8Array(0);
  for (;;) {
    const page = await sm.range({ key, rangeEnd: new Uint8Array([0]) }, { limit: 5000, revision });
    out.push(...page.kvs);
    if (!page.more) return out;
    key = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
  }
}

/** Replace byte arrays by hex strings so results compare with toEqual regardless of Buffer/Uint8Array. */
export function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return `0x${Buffer.from(x).toString('hex')}`;
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  }
  return x;
}
