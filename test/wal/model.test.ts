// Random sequences of appends (some overwriting a conflicting tail), truncations, hard-state
// saves, snapshots with compaction, snapshot installs and reopens, compared after every step
// against a plain in-memory model. Replay a failure with WAL_SEED=<seed>.
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry, HardState, SnapshotMeta } from '../../src/raft/types.js';
import { Wal, type WalOptions } from '../../src/wal/index.js';
import { entry, prng, randInt, rmDir, sameEntry, tmpDir } from './helpers.js';

const conf = { voters: ['n1'], votersOutgoing: [], learners: [], learnersNext: [] };
const OPTIONS: WalOptions = { segmentBytes: 4096, cacheBytes: 2048 };
const OPS_PER_SEED = 300;
const seeds = process.env.WAL_SEED ? [Number(process.env.WAL_SEED)] : [1, 2, 3, 4, 5];
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rmDir(d);
});

/** The log as plain data: what the WAL must agree with. */
class Model {
  first = 1;
  prevTerm = 0;
  log: Entry[] = [];
  hs: HardState = { term: 0, vote: null, commit: 0 };
  snap: SnapshotMeta | null = null;

  get last(): number {
    return this.first + this.log.length - 1;
  }
  term(i: number): number {
    if (this.snap && i === this.snap.index) return this.snap.term;
    return i === this.first - 1 ? this.prevTerm : this.log[i - this.first]!.term;
  }
  /** Lowest index that may still be removed (Raft never removes committed entries). */
  get floor(): number {
    return Math.max(this.hs.commit, this.snap?.index ?? 0) + 1;
  }
  append(es: Entry[]): void {
    this.log.length = es[0]!.index - this.first;
    this.log.push(...es);
  }
  truncate(from: number): void {
    if (from <= this.last) this.log.length = from - this.first;
  }
  compactTo(first: number): void {
    if (first <= this.first) return;
    this.prevTerm = this.term(first - 1);
    this.log = this.log.slice(first - this.first);
    this.first = first;
  }
  reset(meta: SnapshotMeta): void {
    this.first = meta.index + 1;
    this.prevTerm = meta.term;
    this.log = [];
  }
}

async function check(wal: Wal, m: Model, rand: () => number): Promise<void> {
  expect(wal.firstIndex()).toBe(m.first);
  expect(wal.lastIndex()).toBe(m.last);
  expect(wal.hardState()).toEqual(m.hs);
  expect(wal.snapshot()).toEqual(m.snap);
  for (let k = 0; k < 5; k++) {
    const i = randInt(rand, m.first - 1, m.last);
    expect(wal.term(i)).toBe(m.term(i));
  }
  if (m.last >= m.first) {
    const lo = randInt(rand, m.first, m.last);
    const hi = randInt(rand, lo, m.last + 1);
    const got = await wal.entries(lo, hi);
    expect(got.length).toBe(hi - lo);
    for (let i = 0; i < got.length; i++) expect(sameEntry(got[i]!, m.log[lo - m.first + i]!)).toBe(true);
  }
}

async function runSeed(seed: number): Promise<void> {
  const rand = prng(seed);
  const dir = await tmpDir();
  dirs.push(dir);
  const m = new Model();
  let wal = await Wal.open(dir, OPTIONS);
  let term = 1;
  const seen = { overwrites: 0, compactions: 0, installs: 0, reopens: 0 };
  for (let step = 0; step < OPS_PER_SEED; step++) {
    const r = rand();
    if (r < 0.35) {
      // Append, sometimes starting inside the log as a follower overwriting a stale leader's tail.
      let from = m.last + 1;
      if (rand() < 0.2 && m.last >= m.floor) {
        from = randInt(rand, Math.max(m.floor, m.first), m.last);
        term++;
        seen.overwrites++;
      }
      const es: Entry[] = [];
      for (let i = 0, n = randInt(rand, 1, 20); i < n; i++) es.push(entry(from + i, term));
      await wal.append(es);
      m.append(es);
    } else if (r < 0.5) {
      // Concurrent appenders: each call is admitted in order and group-committed.
      const calls: Promise<void>[] = [];
      for (let i = 0, n = randInt(rand, 2, 30); i < n; i++) {
        const e = entry(m.last + 1, term);
        calls.push(wal.append([e]));
        m.append([e]);
      }
      await Promise.all(calls);
    } else if (r < 0.56) {
      const from = randInt(rand, Math.max(m.floor, m.first), m.last + 1);
      await wal.truncateSuffix(from);
      m.truncate(from);
    } else if (r < 0.68) {
      if (rand() < 0.3) term++;
      const vote = term === m.hs.term ? m.hs.vote : rand() < 0.5 ? 'n1' : null;
      const commit = randInt(rand, m.hs.commit, Math.max(m.hs.commit, m.last));
      m.hs = { term, vote, commit };
      await wal.saveHardState(m.hs);
    } else if (r < 0.76) {
      // Snapshot at a committed index, then compact up to it.
      const lo = Math.max(m.snap?.index ?? 0, m.first);
      if (m.hs.commit >= lo) {
        const index = randInt(rand, lo, m.hs.commit);
        const meta = { index, term: m.term(index), conf };
        await wal.saveSnapshotMeta(meta);
        m.snap = meta;
        await wal.compactPrefix(randInt(rand, m.snap.index - 5 > 0 ? m.snap.index - 5 : 0, index));
        expect(wal.firstIndex()).toBeGreaterThanOrEqual(m.first);
        if (wal.firstIndex() > m.first) seen.compactions++;
        m.compactTo(wal.firstIndex());
      }
    } else if (r < 0.79) {
      // InstallSnapshot from a leader far ahead: the whole log goes.
      term++;
      const meta = { index: m.last + randInt(rand, 1, 40), term, conf };
      m.hs = { term, vote: null, commit: meta.index };
      await wal.saveHardState(m.hs);
      await wal.saveSnapshotMeta(meta);
      m.snap = meta;
      m.reset(meta);
      seen.installs++;
    } else if (r < 0.86) {
      await wal.close();
      wal = await Wal.open(dir, OPTIONS);
      seen.reopens++;
      expect(wal.repairs).toEqual([]);
      const rs = await wal.recover();
      const after = Math.max(m.first, (m.snap?.index ?? 0) + 1);
      expect(rs.entries.length).toBe(Math.max(0, m.last - after + 1));
    }
    await check(wal, m, rand);
  }
  await wal.close();
  // The sequence must have exercised every path it exists for.
  for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
}

describe('Wal against an in-memory model', () => {
  for (const seed of seeds) {
    it(`seed ${seed}: ${OPS_PER_SEED} random operations with reopens`, async () => {
      await runSeed(seed);
    });
  }
});
