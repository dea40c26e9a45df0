// Shared helpers for the WAL tests: temp dirs, deterministic entries and a seeded PRNG.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../src/common/rng.js';
import type { Entry } from '../../src/raft/types.js';

/** A fresh directory under the OS temp dir. */
export async function tmpDir(prefix = 'raftdb-wal-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Removes a temp directory. */
export async function rmDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Deterministic payload for (index, term): variable length so records straddle pages. */
export function payload(index: number, term: number, maxLen = 300): Uint8Array {
  const len = (index * 7919 + term * 104729) % maxLen;
  const out = new Uint8Array(len);
  let x = (index * 2654435761 + term) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A normal entry whose bytes are derived from (index, term). */
export function entry(index: number, term: number): Entry {
  return { index, term, type: 0, data: payload(index, term) };
}

/** Entries [from, to] in `term`. */
export function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

/** The project's seeded PRNG (src/common/rng.ts), so every failing seed replays. */
export const prng = mulberry32;

/** Integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Compares entries by value (data may come back as Buffer). */
export function sameEntry(a: Entry, b: Entry): boolean {
  return (
    a.index === b.index &&
    a.term === b.term &&
    a.type === b.type &&
    Buffer.from(a.data).equals(Buffer.from(b.data)) &&
    JSON.stringify(a.conf) === JSON.stringify(b.conf)
  );
}

/** Sorted segment file names in `dir`. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}
