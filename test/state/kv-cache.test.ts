// The key-value cache in front of LevelDB: bounded in bytes with least-recently-used eviction,
// remembers absent keys, and copies what it stores.
import { describe, expect, it } from 'vitest';
import { KvCache } from '../../src/state/kv-cache.js';
import type { KeyValue } from '../../src/state/types.js';

const kv = (key: string, value: string, version = 1): KeyValue => ({ key: Buffer.from(key), value: Buffer.from(value), createRevision: 1, modRevision: version, version });

describe('KvCache', () => {
  it('evicts the least recently used entries once over its byte bound', () => {
    const c = new KvCache(3 * (1 + 100 + 320)); // three 1-byte keys with 100-byte values
    for (const k of ['a', 'b', 'c']) c.set(k, kv(k, 'x'.repeat(100)));
    expect(c.get('a')).toBeDefined(); // a is now the most recently used
    c.set('d', kv('d', 'x'.repeat(100)));
    expect(c.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => c.get(k)?.key.toString())).toEqual(['a', 'c', 'd']);
    expect(c.byteSize).toBeLessThanOrEqual(3 * 421);
  });

  it('remembers a key known to be absent, and replaces an entry on update', () => {
    const c = new KvCache(1 << 20);
    c.set('gone', null);
    expect(c.get('gone')).toBeNull();
    expect(c.get('never')).toBeUndefined();
    c.set('k', kv('k', 'v1'));
    c.set('k', kv('k', 'v2', 2));
    expect(c.size).toBe(2);
    expect(c.get('k')!.version).toBe(2);
  });

  it('stores copies: a value in a reused network buffer cannot change under it', () => {
    const c = new KvCache(1 << 20);
    const wire = Buffer.from('value');
    c.set('k', { key: Buffer.from('k'), value: wire, createRevision: 1, modRevision: 1, version: 1 });
    wire.fill(0);
    expect(Buffer.from(c.get('k')!.value).toString()).toBe('value');
  });

  it('keeps no shared buffer alive: each entry owns exactly its key and value bytes', () => {
    // Buffer.from copies a small value into Node's 8 KiB pool slab, shared with every other small
    // Buffer made meanwhile; a cached slice kept that whole slab alive (30 MiB of slabs for a
    // 16 MiB cache of 256-byte values in a loaded node).
    const c = new KvCache(1 << 20);
    for (const bytes of [0, 5, 256, 3000, 70_000]) {
      Buffer.from('some other small buffer made meanwhile');
      const key = `k${bytes}`;
      c.set(key, kv(key, 'v'.repeat(bytes)));
      const got = c.get(key)!;
      expect(got.key.buffer).toBe(got.value.buffer);
      expect(got.key.buffer.byteLength).toBe(key.length + bytes);
      expect(Buffer.from(got.key).toString()).toBe(key);
      expect(Buffer.from(got.value).toString()).toBe('v'.repeat(bytes));
    }
  });

  it('a zero bound caches nothing', () => {
    const c = new KvCache(0);
    c.set('k', kv('k', 'v'));
    expect(c.get('k')).toBeUndefined();
  });
});
