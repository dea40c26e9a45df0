// Lint rules that catch what tsc does not: promises nobody awaits or handles (an error in one
// vanishes, or a caller races it) and code nobody uses. Typed linting: the rules read tsc's types.
// `npm run lint`; `npm test` runs it first (pretest).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['vitest.config.ts', 'vitest.stryker.config.ts', '.stryker-tmp*/**', 'reports/**', 'dist/**', 'node_modules/**', 'examples/**', 'deploy/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': 'error',
    },
  },
  // The layers (docs/architecture.md, "Layers: which folder may import which"): a lower layer
  // never imports a higher one. Type-only imports count too: they couple the layers just the same.
  {
    // The bottom: every layer may import it, so it imports no other folder and no gRPC (the
    // failover controller's errors come from here and must not bring gRPC with them).
    files: ['src/common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          // The generated wire types of raftdb.v1 (src/proto/generated) import nothing of src: they sit
          // below common, which takes the wire's enum spellings from them (vocabulary.ts).
          { regex: '^\\.\\./(?!proto/generated/raftdb/v1/)', message: 'src/common is the bottom layer: it imports no other folder of src but the generated wire types.' },
          { regex: '^@grpc/', message: 'src/common knows nothing of gRPC (src/server maps its status codes to gRPC).' },
        ],
      }],
    },
  },
  {
    files: ['src/raft/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./(?!common/)', message: 'src/raft is the pure Raft core: it imports only src/raft and src/common.' },
          { regex: '^(?!\\.)', message: 'src/raft is the pure Raft core: no packages, no I/O.' },
        ],
      }],
    },
  },
  {
    files: ['src/failover/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./(?!common/|raft/|state/)', message: 'the failover controller reaches the node through its ports (src/failover/ports.ts); its gRPC adapter lives in src/server.' },
          { regex: '^@grpc/', message: 'the failover controller knows nothing of gRPC: raise src/common/errors.ts errors; src/server maps them to statuses.' },
        ],
      }],
    },
  },
  {
    files: ['src/bench/**/*.ts', 'src/drill/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(\\.\\./)+cli/', message: 'benchmarks and drills do not import the CLI: what they share with it lives in src/cluster (local clusters) or src/client.' },
        ],
      }],
    },
  },
);
