#!/usr/bin/env node
// `npm run fuzz -- [--runs N] [--seed S] [--path P] [FILTER]`: the fuzz suites (test/fuzz) with
// N cases per 1,000 of their CI default (FUZZ_RUNS), a seed (FUZZ_SEED; CI uses a fixed one) and,
// to replay one shrunk failure, the path fast-check printed with it (FUZZ_PATH). FILTER narrows
// to the tests whose name matches (vitest -t).
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const env = { ...process.env };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    const v = args[++i];
    if (v === undefined) {
      console.error(`fuzz: ${a} needs a value`);
      process.exit(2);
    }
    return v;
  };
  if (a === '--runs') env.FUZZ_RUNS = value();
  else if (a === '--seed') env.FUZZ_SEED = value();
  else if (a === '--path') env.FUZZ_PATH = value();
  else rest.push(a);
}
for (const [name, v] of [['--runs', env.FUZZ_RUNS], ['--seed', env.FUZZ_SEED]]) {
  if (v !== undefined && !/^\d+$/.test(v)) {
    console.error(`fuzz: ${name} must be a non-negative integer, not "${v}"`);
    process.exit(2);
  }
}
const filter = rest.length > 0 ? ['-t', rest.join(' ')] : [];
console.log(`fuzz: FUZZ_RUNS=${env.FUZZ_RUNS ?? '(CI default)'} FUZZ_SEED=${env.FUZZ_SEED ?? '(fixed)'}${env.FUZZ_PATH ? ` FUZZ_PATH=${env.FUZZ_PATH}` : ''}`);
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz', ...filter], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
