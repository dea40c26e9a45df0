// What the WAL's tail cache really holds against what it counts. Each entry is counted as its data
// plus ENTRY_OVERHEAD_BYTES; the count was 48 B while an entry costs about 250 B more in objects
// (the Entry, its Buffer view, the ArrayBuffer of a leader's own payload, the array slot), so a
// "16 MiB" cache of 256 B values held about 27 MiB. Measured here as the growth of the V8 heap and
// the ArrayBuffers after a full collection, in the two shapes the cache gets entries in.
import { describe, expect, it } from 'vitest';
import { EntryType, type Entry } from '../../src/raft/types.js';
import { encodeCommand } from '../../src/state/commands.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';
import { EntryCache } from '../../src/wal/cache.js';
import { gc } from '../gc.js';

const MiB = 1024 * 1024;
const CACHE_BYTES = 16 * MiB;
/** Entries pushed: about three times what the cache keeps of 256 B values, so that most are evicted. */
const PUSHED = 150_000;
const APPEND_ENTRIES = 64;

/** The V8 heap and the ArrayBuffers still reachable. */
function heldBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A put of a 12 B key and a 256 B value, as the leader proposes it (its own exact buffer). */
function putCommand(i: number): Uint8Array {
  return encodeCommand({ type: 'put', key: Buffer.from(`key-${String(i).padStart(8, '0')}`), value: Buffer.alloc(256, i) });
}

/** The leader's entries: each payload owns an ArrayBuffer of exactly its bytes (packOwned). */
function leaderEntries(first: number, count: number): Entry[] {
  const out: Entry[] = [];
  for (let i = first; i < first + count; i++) out.push({ index: i, term: 1, type: EntryType.Normal, data: putCommand(i) });
  return out;
}

/** A follower's entries: decoded from a received append, each payload a view into the batch. */
function followerEntries(first: number, count: number): Entry[] {
  const wire = encodeMessage({ type: 'append', from: 'n1', to: 'n2', term: 1, prevIndex: first - 1, prevTerm: 1, commit: 0, entries: leaderEntries(first, count) });
  const received = Buffer.allocUnsafeSlow(wire.length); // gRPC hands each message over in a buffer of its own
  wire.copy(received);
  const msg = decodeMessage(received);
  if (msg.type !== 'append') throw new Error('not an append');
  return msg.entries;
}

/** Pushes PUSHED entries into a cache of CACHE_BYTES, every one durable, evicting as the WAL does. */
function fill(make: (first: number, count: number) => Entry[], pushed: number): EntryCache {
  const cache = new EntryCache(1);
  for (let first = 1; first <= pushed; first += APPEND_ENTRIES) {
    for (const e of make(first, APPEND_ENTRIES)) cache.push(e);
    cache.evict(first + APPEND_ENTRIES - 1, CACHE_BYTES);
  }
  return cache;
}

describe('WAL tail cache memory', () => {
  for (const [shape, make] of [
    ['leader', leaderEntries],
    ['follower', followerEntries],
  ] as const) {
    it(`a ${CACHE_BYTES / MiB} MiB cache of a ${shape}'s 256 B puts holds at most 1.25x that`, () => {
      fill(make, 4 * APPEND_ENTRIES); // compiles the paths measured, outside the measurement
      const before = heldBytes();
      const cache = fill(make, PUSHED);
      const grown = heldBytes() - before;
      console.log(`${shape}: ${cache.length} entries counted ${(cache.sizeBytes / MiB).toFixed(1)} MiB, hold ${(grown / MiB).toFixed(1)} MiB (${(grown / cache.length).toFixed(0)} B each)`);
      expect(cache.length).toBeLessThan(PUSHED / 2); // most were evicted: the bound was reached
      expect(cache.sizeBytes).toBeLessThanOrEqual(CACHE_BYTES);
      expect(grown).toBeGreaterThan(0.75 * CACHE_BYTES); // the measurement sees the cache
      expect(grown).toBeLessThanOrEqual(1.25 * CACHE_BYTES);
    });
  }
});
