import { defineConfig } from 'vitest/config';

// Tests are behavioural; the slow suites (simulation, multi-process, containers) get long timeouts
// rather than timed assertions, because this machine's timings are noisy.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.ci/results.json' },
  },
});
