// HashKV (src/state/hash-kv.ts): equal for equal keyspaces however the entries were batched,
// different for any difference in key, value, create/mod revision or version, unchanged by
// records that are not key-values, the same at a past revision as it was then, and the same
// after a snapshot restore and when computed while a snapshot is streamed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { CompactedError, FutureRevisionError, InvalidArgumentError } from '../../src/state/errors.js';
import { KvHasher, MAX_HASH_OVERLAY_KEYS } from '../../src/state/hash-kv.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, dump, entry, prng, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

/** A seeded mix of puts, deletes, range deletes, txns and meta records over 40 keys. */
function commands(seed: number, count: number): Command[] {
  const r = prng(seed);
  const key = (): Buffer => b(`k${String(r.int(40)).padStart(2, '0')}`);
  const out: Command[] = [];
  for (let i = 0; i < count; i++) {
    const x = r.int(20);
    if (x < 12) out.push({ type: 'put', key: key(), value: b(`v${seed}-${i}`) });
    else if (x < 15) out.push({ type: 'delete', key: key() });
    else if (x === 15) out.push({ type: 'deleteRange', key: b('k1'), rangeEnd: b('k2') });
    else if (x < 19) out.push({ type: 'txn', compare: [], success: [{ type: 'put', key: key(), value: b(`t${i}`) }, { type: 'put', key: key(), value: b(`u${i}`) }], failure: [] });
    else out.push({ type: 'setMeta', name: 'other', value: { i } });
  }
  return out;
}

/** Applies `cmds` in batches of `batch` entries; returns the hash after each revision reached. */
async function applyAll(sm: StateMachine, cmds: Command[], batch: number): Promise<Map<number, string>> {
  const byRevision = new Map<number, string>();
  for (let i = 0; i < cmds.length; i += batch) {
    const first = sm.appliedIndex() + 1;
    await sm.apply(cmds.slice(i, i + batch).map((c, j) => entry(first + j, c)));
    byRevision.set(sm.revision(), (await sm.hashKv()).hash);
  }
  return byRevision;
}

describe('HashKV', () => {
  it('is equal for the same commands applied in different batches, and at every past revision as it was then', async () => {
    const a = await StateMachine.open(`${dir}/a`);
    const c = await StateMachine.open(`${dir}/c`);
    const cmds = commands(7, 600);
    const seen = await applyAll(a, cmds, 1);
    await applyAll(c, cmds, 37);
    const now = await a.hashKv();
    expect(now.revision).toBe(a.revision());
    expect(now.keys).toBe((await dump(a)).length);
    expect((await c.hashKv()).hash).toBe(now.hash);
    // Rebuilt from the watch history: every revision reached, including ones where keys were
    // created, deleted and recreated since.
    expect(seen.size).toBeGreaterThan(300);
    for (const [revision, hash] of seen) {
      expect((await a.hashKv(revision)).hash, `revision ${revision}`).toBe(hash);
      expect((await c.hashKv(revision)).hash, `revision ${revision} on c`).toBe(hash);
    }
    await a.close();
    await c.close();
  });

  it('differs when a value, a version or a revision differs, not when only meta records do', async () => {
    const hashOf = async (name: string, cmds: Command[]): Promise<string> => {
      const sm = await StateMachine.open(`${dir}/${name}`);
      await sm.apply(cmds.map((c, i) => entry(i + 1, c)));
      const h = (await sm.hashKv()).hash;
      await sm.close();
      return h;
    };
    const put = (k: string, v: string): Command => ({ type: 'put', key: b(k), value: b(v) });
    const base = await hashOf('base', [put('a', '1'), put('b', '2')]);
    expect(await hashOf('meta', [put('a', '1'), { type: 'setMeta', name: 'x', value: 1 }, put('b', '2')])).toBe(base);
    expect(await hashOf('value', [put('a', '1'), put('b', '3')])).not.toBe(base);
    // Same keys and values; b has version 2 (and another mod revision).
    expect(await hashOf('version', [put('a', '1'), put('b', '2'), put('b', '2')])).not.toBe(base);
    // Same keys, values and versions; other revisions (a written after b).
    expect(await hashOf('order', [put('b', '2'), put('a', '1')])).not.toBe(base);
    // b written twice in one txn: the same revisions as the base, version 2.
    const twice: Command = { type: 'txn', compare: [], success: [{ type: 'put', key: b('b'), value: b('2') }, { type: 'put', key: b('b'), value: b('2') }], failure: [] };
    expect(await hashOf('txn-version', [put('a', '1'), twice])).not.toBe(base);
  });

  it('covers each field of a key-value on its own, and where the key ends and the value begins', () => {
    const kv = { key: b('ab'), value: b('c'), createRevision: 3, modRevision: 5, version: 2 };
    const hash = (x: typeof kv): string => {
      const h = new KvHasher();
      h.add(x);
      return h.digest().hash;
    };
    const base = hash(kv);
    expect(hash({ ...kv })).toBe(base);
    for (const changed of [
      { ...kv, key: b('ac') },
      { ...kv, value: b('d') },
      { ...kv, createRevision: 4 },
      { ...kv, modRevision: 6 },
      { ...kv, version: 3 },
      { ...kv, key: b('a'), value: b('bc') },
    ]) {
      expect(hash(changed), JSON.stringify(changed)).not.toBe(base);
    }
    const h = new KvHasher();
    h.add(kv);
    expect(() => h.add(kv)).toThrow(/out of order/);
  });

  it('is the same after a snapshot restore, and as computed while the snapshot streams', async () => {
    const a = await StateMachine.open(`${dir}/a`);
    await applyAll(a, commands(11, 400), 50);
    const hasher = new KvHasher();
    const stream = await a.createSnapshot({ hasher });
    const chunks: Uint8Array[] = [];
    for await (const ch of stream) chunks.push(ch);
    const want = await a.hashKv();
    expect(hasher.digest()).toEqual({ hash: want.hash, keys: want.keys });
    const c = await StateMachine.open(`${dir}/c`);
    await c.restoreSnapshot((async function* () {
      yield* chunks;
    })());
    const got = await c.hashKv();
    expect(got.hash).toBe(want.hash);
    // After a restore the history is empty: the restored revision is the oldest it can hash.
    expect(got.compactRevision).toBe(a.revision());
    await a.close();
    await c.close();
  });

  it('refuses a revision outside what the member can hash', async () => {
    const a = await StateMachine.open(`${dir}/a`, { watchHistoryRevisions: 10 });
    await applyAll(a, commands(3, 100), 1);
    const rev = a.revision();
    await expect(a.hashKv(rev + 1)).rejects.toBeInstanceOf(FutureRevisionError);
    const oldest = (await a.hashKv()).compactRevision;
    expect(oldest).toBe(rev - 10);
    await expect(a.hashKv(oldest)).resolves.toMatchObject({ revision: oldest });
    await expect(a.hashKv(oldest - 1)).rejects.toBeInstanceOf(CompactedError);
    await expect(a.hashKv(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await a.close();
  });

  it('refuses a past revision that would hold more than MAX_HASH_OVERLAY_KEYS keys in memory', async () => {
    const a = await StateMachine.open(`${dir}/a`);
    await a.apply([entry(1, { type: 'put', key: b('first'), value: b('x') })]);
    // One txn can change 128 keys: enough of them to pass the bound.
    const perTxn = 128;
    const txns = Math.ceil((MAX_HASH_OVERLAY_KEYS + 1) / perTxn);
    let index = 2;
    for (let t = 0; t < txns; t += 500) {
      const batch = [];
      for (let i = t; i < Math.min(txns, t + 500); i++) {
        const success = Array.from({ length: perTxn }, (_, j) => ({ type: 'put' as const, key: b(`k${i * perTxn + j}`), value: b('v') }));
        batch.push(entry(index++, { type: 'txn', compare: [], success, failure: [] }));
      }
      await a.apply(batch);
    }
    await expect(a.hashKv(1)).rejects.toThrow(/keys changed since revision 1/);
    await expect(a.hashKv()).resolves.toMatchObject({ keys: txns * perTxn + 1 });
    await a.close();
  });
});
