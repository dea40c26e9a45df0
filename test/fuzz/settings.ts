// Shared settings of the fuzz suites (fast-check): how many cases and which seed. CI runs the
// defaults (some thousands of cases in about a minute); `npm run fuzz -- --runs N [--seed S]`
// sets FUZZ_RUNS / FUZZ_SEED for a longer hunt or a replay. A failing property prints its seed
// and path: `npm run fuzz -- --seed S --path P` replays it, shrunk.
import fc from 'fast-check';

/** Cases for a property whose CI default is `ciRuns` (FUZZ_RUNS scales every suite alike). */
export function runs(ciRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(n) && n > 0 ? Math.max(1, Math.round((n * ciRuns) / 1000)) : ciRuns;
}

/** fast-check parameters: the seed (fixed in CI, so a run is reproducible) and the replay path. */
export function params(ciRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED === undefined ? 15_15_15 : Number(process.env.FUZZ_SEED);
  const path = process.env.FUZZ_PATH;
  return { numRuns: runs(ciRuns), seed, ...(path ? { path } : {}), endOnFailure: false };
}
