// Data and measurements for snapshot transfers (npm run bench:snapshot and the process tests that
// add a learner to a loaded cluster): deterministic values that do not compress, a digest of a
// node's whole key range to compare with what was written, and a sampler of a process's RSS.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RaftdbClient } from '../client/index.js';

/** Key `i` under `prefix`, zero-padded so that key order is index order. */
export function keyOf(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(8, '0')}`;
}

/** The value of key `i`: `bytes` pseudo-random bytes (xorshift32 seeded by i), the same every time. */
export function valueOf(i: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = (i + 1) * 2654435761 >>> 0 || 1;
  for (let off = 0; off < bytes; off += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (off + 4 <= bytes) out.writeUInt32LE(x, off);
    else for (let j = off; j < bytes; j++) out[j] = (x >>> (8 * (j - off))) & 0xff;
  }
  return out;
}

/** What `loadValues` wrote, as a digest comparable with `rangeDigest`. */
export interface ContentDigest {
  keys: number;
  bytes: number;
  sha256: string;
}

/** Puts keys 0..count-1 with `concurrency` writes in flight (the client pipelines them). */
export async function loadValues(
  client: RaftdbClient,
  o: { prefix: string; count: number; valueBytes: number; concurrency: number; onProgress?: (done: number) => void },
): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.count) {
        const i = next++;
        await client.put(keyOf(o.prefix, i), valueOf(i, o.valueBytes));
        o.onProgress?.(++done);
      }
    }),
  );
}

/** The digest of keys 0..count-1 as `loadValues` writes them. */
export function expectedDigest(prefix: string, count: number, valueBytes: number): ContentDigest {
  const h = createHash('sha256');
  for (let i = 0; i < count; i++) {
    h.update(keyOf(prefix, i));
    h.update(valueOf(i, valueBytes));
  }
  return { keys: count, bytes: count * valueBytes, sha256: h.digest('hex') };
}

/**
 * The digest of every key under `prefix` as the client's node serves it (SERIALIZABLE: the
 * node's own state, which is what a learner holds), read `pageSize` keys at a time.
 */
export async function rangeDigest(client: RaftdbClient, prefix: string, pageSize: number): Promise<ContentDigest> {
  const h = createHash('sha256');
  let keys = 0;
  let bytes = 0;
  for await (const page of client.rangeAll({ key: prefix, prefix: true, pageSize, consistency: 'serializable', timeoutMs: 30_000 })) {
    for (const kv of page.kvs) {
      h.update(kv.key);
      h.update(kv.value);
      keys++;
      bytes += kv.value.length;
    }
  }
  return { keys, bytes, sha256: h.digest('hex') };
}

/** A process's resident memory, from /proc/PID/status, in bytes. */
export interface Rss {
  rss: number;
  /** Anonymous memory (the heap, buffers): what the process allocated itself. */
  anon: number;
  /** File-backed pages mapped in (e.g. LevelDB's memory-mapped table files). */
  file: number;
}

/** The process's RSS now, or null if it is gone. */
export function readRss(pid: number): Rss | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ESRCH') throw err; // the process is gone
    return null;
  }
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
}

/** Samples a process's RSS every `intervalMs` until stopped; keeps the maximum of each figure. */
export class RssSampler {
  readonly max: Rss = { rss: 0, anon: 0, file: 0 };
  samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 25,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one sample now (also done by the timer). */
  sample(): void {
    const r = readRss(this.pid);
    if (!r) return;
    this.samples++;
    this.max.rss = Math.max(this.max.rss, r.rss);
    this.max.anon = Math.max(this.max.anon, r.anon);
    this.max.file = Math.max(this.max.file, r.file);
  }

  /** Stops sampling after a last sample; returns the maxima. */
  stop(): Rss {
    clearInterval(this.timer);
    this.sample();
    return { ...this.max };
  }
}

/** Mebibytes with one decimal, for reports. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
