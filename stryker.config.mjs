// StrykerJS mutation testing of the Raft core and the WAL (issue 17): `npm run mutate:stryker`
// (`-- --mutate src/wal/record.ts` for one file). Each mutant is a small change to the code
// (an operator, a condition, a removed call); a mutant no test fails on "survived" and points at
// a guarantee no test holds. The score and the survivors are in docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  mutate: ['src/raft/**/*.ts', 'src/wal/**/*.ts', '!src/**/index.ts', '!src/**/types.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignoreStatic: true,
};
