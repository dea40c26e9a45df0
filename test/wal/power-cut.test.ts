// Power loss at every step of every kind of WAL write, on the in-memory disk: acknowledged
// entries, hard state, snapshots, truncations and compactions survive a cut after any file
// operation (and a cut that tears the write it lands in). See power-cut-harness.ts for the checks
// and docs/testing.md for which test protects which sync.
import { describe, expect, it } from 'vitest';
import type { ConfState } from '../../src/raft/types.js';
import { entry, prng, randInt, range } from './helpers.js';
import { cutAtEveryStep, type Scenario } from './power-cut-harness.js';

const conf: ConfState = { voters: ['n1', 'n2', 'n3'], votersOutgoing: [], learners: [], learnersNext: [] };
const SMALL = 2048; // segment size: about ten entries, so scenarios roll segments

const inlineAppends: Scenario = async (rec) => {
  // Every other one as a leader's (afterOutput: the write waits one event-loop turn first).
  for (let i = 1; i <= 12; i++) await rec.append([entry(i, 1)], i % 2 === 0);
  expect(rec.wal.stats().inlineWrites).toBe(12);
};

const poolAppends: Scenario = async (rec) => {
  for (let i = 1; i <= 24; i += 3) await rec.append(range(i, i + 2, 1));
  expect(rec.wal.stats().inlineWrites).toBe(0);
};

const groupCommit: Scenario = async (rec) => {
  let next = 1;
  for (let round = 0; round < 3; round++) {
    const calls = [];
    for (let k = 0; k < 8; k++, next++) calls.push(rec.append([entry(next, 1)]));
    await Promise.all(calls);
  }
  expect(rec.wal.stats().batches).toBeLessThan(24);
};

const segmentRolls: Scenario = async (rec) => {
  for (let i = 1; i <= 40; i += 4) await rec.append(range(i, i + 3, 1));
  expect(rec.wal.stats().segments).toBeGreaterThan(3);
};

const conflictingSuffix: Scenario = async (rec) => {
  for (let i = 1; i <= 30; i += 5) await rec.append(range(i, i + 4, 1));
  await rec.append([entry(12, 2)]); // a follower taking the leader's log: 12..30 go
  expect(rec.wal.stats().segments).toBe(2);
  await rec.append(range(13, 15, 2));
};

const explicitTruncation: Scenario = async (rec) => {
  for (let i = 1; i <= 30; i += 10) await rec.append(range(i, i + 9, 1));
  await rec.truncate(8);
  await rec.append(range(8, 9, 2));
};

const hardStateSaves: Scenario = async (rec) => {
  await rec.hardState({ term: 1, vote: 'n1', commit: 0 });
  await rec.append(range(1, 3, 1));
  // A save and an append in one batch: the state file first, then the log.
  await Promise.all([rec.hardState({ term: 2, vote: 'n2', commit: 3 }), rec.append(range(4, 5, 2))]);
  await rec.hardState({ term: 3, vote: null, commit: 5 });
  await rec.hardState({ term: 3, vote: 'n3', commit: 5 });
};

const compaction: Scenario = async (rec) => {
  for (let i = 1; i <= 40; i += 4) await rec.append(range(i, i + 3, 1));
  await rec.snapshot({ index: 30, term: 1, conf });
  await rec.compact(30);
  expect(rec.wal.firstIndex()).toBeGreaterThan(20); // segments removed
  await rec.append(range(41, 44, 1));
};

const snapshotInstall: Scenario = async (rec) => {
  await rec.append(range(1, 25, 1));
  await rec.snapshot({ index: 60, term: 3, conf }); // beyond the log: it is emptied
  await rec.append(range(61, 63, 3));
};

const reopenExtendsShortTail: Scenario = async (rec) => {
  await rec.append(range(1, 6, 1));
  await rec.reopen({ segmentBytes: 2 * SMALL }); // the tail is shorter than a segment: preallocated again
  await rec.append(range(7, 20, 1));
};

/**
 * A seeded mix of every call: appends (alone and concurrent), overwrites, truncations, hard-state
 * saves, snapshot points with compaction and snapshot installs. Deterministic per seed, so each
 * run takes the same file operations up to the cut.
 */
function randomMix(seed: number): Scenario {
  return async (rec) => {
    const rand = prng(seed);
    let term = 1;
    let commit = 0;
    const floor = (): number => Math.max(commit, rec.wal.snapshot()?.index ?? 0) + 1;
    const next = (): number => rec.wal.lastIndex() + 1;
    for (let step = 0; step < 24; step++) {
      const r = rand();
      const last = rec.wal.lastIndex();
      if (r < 0.35) {
        await rec.append(range(next(), next() + randInt(rand, 0, 5), term));
      } else if (r < 0.5) {
        const calls = [];
        for (let k = randInt(rand, 2, 5); k > 0; k--) calls.push(rec.append([entry(next(), term)]));
        await Promise.all(calls);
      } else if (r < 0.62 && last >= floor()) {
        term++; // a new leader's entries replace an uncommitted suffix
        await rec.hardState({ term, vote: 'n2', commit });
        const from = randInt(rand, floor(), last);
        await rec.append(range(from, from + randInt(rand, 0, 2), term));
      } else if (r < 0.68 && last >= floor()) {
        await rec.truncate(randInt(rand, floor(), last));
      } else if (r < 0.8) {
        commit = Math.max(commit, randInt(rand, commit, last));
        await rec.hardState({ term, vote: rec.wal.hardState().vote, commit });
      } else if (r < 0.94 && commit > (rec.wal.snapshot()?.index ?? 0)) {
        await rec.snapshot({ index: commit, term: rec.wal.term(commit), conf });
        await rec.compact(commit);
      } else if (r >= 0.94) {
        term++; // a snapshot from the leader beyond the log
        commit = last + randInt(rand, 1, 4);
        await rec.hardState({ term, vote: null, commit: rec.wal.hardState().commit });
        await rec.snapshot({ index: commit, term, conf });
      }
    }
  };
}

describe('power cut at every file operation of a random mix of calls', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: acknowledged calls survive, with unsynced changes lost, kept at random, or torn`, async () => {
      const wal = { segmentBytes: 1024 }; // a few entries per segment: rolls, removals
      expect(await cutAtEveryStep(randomMix(seed), { wal })).toBeGreaterThan(20);
      await cutAtEveryStep(randomMix(seed), { wal, keepSome: true, seeds: 2 });
      await cutAtEveryStep(randomMix(seed), { wal, tear: true });
    });
  }
});

describe('power cut at every file operation', () => {
  const cases: [string, Scenario, { inlineMaxEntries?: number }][] = [
    ['appends on the inline path', inlineAppends, { inlineMaxEntries: 1 }],
    ['appends on the thread pool', poolAppends, { inlineMaxEntries: 0 }],
    ['group commit of concurrent appends', groupCommit, {}],
    ['segment rolls (new preallocated segments)', segmentRolls, {}],
    ['overwriting a conflicting suffix', conflictingSuffix, {}],
    ['truncateSuffix then new entries', explicitTruncation, {}],
    ['hard-state saves, alone and with appends', hardStateSaves, {}],
    ['compaction after a snapshot point', compaction, {}],
    ['snapshot install emptying the log', snapshotInstall, {}],
    ['reopen preallocating a short tail', reopenExtendsShortTail, {}],
  ];
  for (const [name, scenario, wal] of cases) {
    it(`${name}: acknowledged calls survive`, async () => {
      const steps = await cutAtEveryStep(scenario, { wal: { segmentBytes: SMALL, ...wal } });
      expect(steps).toBeGreaterThan(5);
    });
  }
  for (const [name, scenario, wal] of cases) {
    it(`${name}, unsynced changes kept or lost at random: acknowledged calls survive`, async () => {
      await cutAtEveryStep(scenario, { wal: { segmentBytes: SMALL, ...wal }, keepSome: true, seeds: 4 });
    });
  }
  for (const [name, scenario, wal] of cases.slice(0, 5)) {
    it(`${name}, the write torn where the power fails: recovery cuts it, nothing acknowledged lost`, async () => {
      await cutAtEveryStep(scenario, { wal: { segmentBytes: SMALL, ...wal }, tear: true });
    });
  }
});
