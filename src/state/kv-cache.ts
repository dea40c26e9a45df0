// Recently used key-values of the applied state, so that hot keys skip LevelDB: every put reads
// the key's previous version (for its version, create revision and watch event), and that
// synchronous point read was the largest single cost of applying a put.
//
// The cache holds exactly what LevelDB holds: it is filled by those reads during an apply (the
// state cannot change under a synchronous read) and by the batch that was just written, and
// emptied when a snapshot replaces the state. Async reads never fill it: one could return a value
// that a batch written meanwhile had already replaced. Keys and values are copied in, into a
// buffer of the entry's own, so an entry keeps neither a received network buffer nor one of
// Node's shared pool slabs alive.
import type { KeyValue } from './types.js';

/**
 * Bytes counted per entry beyond its key and value: the Map slot and its string key, the KeyValue
 * object, two Buffer views, an ArrayBuffer and its backing store. Measured: 100,000 entries of a
 * 12-byte key and a 256-byte value took 569-674 B of RSS each (the count was 96 until 2026-12-06,
 * which let the 16 MiB cache take about 30 MiB with such entries).
 */
const ENTRY_OVERHEAD_BYTES = 320;

/** An LRU of key → KeyValue (or null: known absent), bounded in bytes. */
export class KvCache {
  private readonly entries = new Map<string, KeyValue | null>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The cached state of `key` (overlay form), or undefined when not cached. Marks it recently used. */
  get(key: string): KeyValue | null | undefined {
    const kv = this.entries.get(key);
    if (kv === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, kv);
    return kv;
  }

  /** Records the applied state of `key`; `kv` is copied. */
  set(key: string, kv: KeyValue | null): void {
    if (this.maxBytes <= 0) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= sizeOf(key, old);
      this.entries.delete(key);
    }
    const copy = kv === null ? null : ownCopy(kv);
    this.entries.set(key, copy);
    this.bytes += sizeOf(key, copy);
    while (this.bytes > this.maxBytes && this.entries.size > 0) {
      const [oldest, v] = this.entries.entries().next().value as [string, KeyValue | null];
      this.entries.delete(oldest);
      this.bytes -= sizeOf(oldest, v);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }
}

/**
 * A copy of `kv` whose key and value share one exact, unpooled buffer. Buffer.from copies a small
 * value into Node's shared 8 KiB pool slab, and a kept slice keeps the whole slab alive: with
 * 256 B values, the cache's 16 MiB kept 28 MiB of slabs (docs/performance.md, "Memory").
 */
function ownCopy(kv: KeyValue): KeyValue {
  const bytes = Buffer.allocUnsafeSlow(kv.key.length + kv.value.length);
  bytes.set(kv.key, 0);
  bytes.set(kv.value, kv.key.length);
  return { ...kv, key: bytes.subarray(0, kv.key.length), value: bytes.subarray(kv.key.length) };
}

function sizeOf(key: string, kv: KeyValue | null): number {
  return key.length + (kv === null ? 0 : kv.value.length) + ENTRY_OVERHEAD_BYTES;
}
