// `npm run mutate [-- --only a,c] [--json]`: applies each deliberate bug of scripts/mutations.ts
// to a copy of the working tree, builds it, runs the tests named for it and reports whether the
// suite caught it (a test failed) or the mutant survived. Exit code 1 when any survived or could
// not be applied: a guarantee no test protects is a bug in the suite.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS, type Mutation } from './mutations.js';

/** What happened to one mutant. */
export interface MutantOutcome {
  id: string;
  title: string;
  /** caught: a named test failed; survived: all passed; broken: the mutant did not apply or build. */
  verdict: 'caught' | 'survived' | 'broken';
  /** Test files that failed (when caught), or the reason (when broken). */
  detail: string;
  seconds: number;
}

/** The repository root (scripts/ compiles to dist/scripts, so look for package.json upwards). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') dir = path.dirname(dir);
  return dir;
}

/** Applies `m` to `text`; throws when `find` does not occur exactly once (the list went stale). */
export function applyMutation(m: Mutation, text: string): string {
  const at = text.indexOf(m.find);
  if (at < 0) throw new Error(`mutation ${m.id}: its text is no longer in ${m.file}`);
  if (text.indexOf(m.find, at + 1) >= 0) throw new Error(`mutation ${m.id}: its text occurs more than once in ${m.file}`);
  return text.slice(0, at) + m.replace + text.slice(at + m.find.length);
}

/** Copies the files git knows (tracked and untracked, not ignored) into `dest`, node_modules linked. */
function copyTree(root: string, dest: string): void {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const rel of listed.stdout.split('\0')) {
    if (rel === '' || !fs.existsSync(path.join(root, rel))) continue;
    fs.mkdirSync(path.join(dest, path.dirname(rel)), { recursive: true });
    fs.copyFileSync(path.join(root, rel), path.join(dest, rel));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'));
}

/** Builds and tests one mutant in a fresh copy; the copy is removed afterwards. */
function runMutant(root: string, m: Mutation): MutantOutcome {
  const t0 = Date.now();
  const done = (verdict: MutantOutcome['verdict'], detail: string): MutantOutcome => ({ id: m.id, title: m.title, verdict, detail, seconds: Math.round((Date.now() - t0) / 1000) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `raftdb-mutant-${m.id}-`));
  try {
    copyTree(root, dir);
    const file = path.join(dir, m.file);
    fs.writeFileSync(file, applyMutation(m, fs.readFileSync(file, 'utf8')));
    // Process tests run the built CLI, so the mutant must be compiled like the real thing.
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    if (build.status !== 0) return done('broken', `does not compile: ${(build.stdout + build.stderr).trim().split('\n')[0]}`);
    const report = path.join(dir, 'mutant-results.json');
    const run = spawnSync('npx', ['vitest', 'run', ...m.tests, '--reporter=json', `--outputFile=${report}`], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
      timeout: 20 * 60 * 1000,
    });
    if (!fs.existsSync(report)) return done('broken', `vitest wrote no report (exit ${run.status ?? run.signal})`);
    const results = JSON.parse(fs.readFileSync(report, 'utf8')) as { numFailedTests: number; numTotalTests: number; testResults: { name: string; status: string }[] };
    if (results.numTotalTests === 0) return done('broken', 'no tests ran');
    const failed = results.testResults.filter((r) => r.status === 'failed').map((r) => path.relative(dir, r.name));
    return failed.length > 0 ? done('caught', failed.join(', ')) : done('survived', `${results.numTotalTests} tests passed`);
  } catch (err) {
    return done('broken', (err as Error).message);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : null;
  const json = args.includes('--json');
  const chosen = MUTATIONS.filter((m) => only === null || only.has(m.id));
  if (chosen.length === 0) {
    console.error(`no mutation matches --only ${[...(only ?? [])].join(',')}; ids: ${MUTATIONS.map((m) => m.id).join(', ')}`);
    process.exit(2);
  }
  const root = repoRoot();
  const outcomes: MutantOutcome[] = [];
  for (const m of chosen) {
    if (!json) process.stdout.write(`mutant ${m.id}: ${m.title} ... `);
    const o = runMutant(root, m);
    outcomes.push(o);
    if (!json) console.log(`${o.verdict.toUpperCase()} (${o.seconds} s) ${o.detail}`);
  }
  if (json) console.log(JSON.stringify(outcomes, null, 2));
  const bad = outcomes.filter((o) => o.verdict !== 'caught');
  if (!json) console.log(`${outcomes.length - bad.length} of ${outcomes.length} mutants caught`);
  process.exit(bad.length > 0 ? 1 : 0);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
