import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against its mutants of src/raft and src/wal (stryker.config.mjs): the
// unit tests of those layers. Tests that run the code in a child process (test/wal/crash)
// compile their own copy and never see a mutant; the seeded simulations (test/sim, test/sim-node)
// cover nearly every line, so with per-test coverage each mutant would run them all (minutes
// each): they are left out too, and the score is the unit tests' alone.
export default defineConfig({
  test: {
    include: ['test/raft/**/*.test.ts', 'test/wal/**/*.test.ts'],
    exclude: ['test/wal/crash.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
