// lowerOwnPriority (src/cli/priority.ts), for real, in a process of its own (a nice value cannot
// be raised again without privileges): every thread of the process ends up at the value — the
// threads that existed before (V8's, the thread pool's, a worker's) and a worker started after — and a
// value above the one asked for is never lowered. Runs the compiled module: `npm run build` first.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliMainPath } from '../../src/cluster/local-cluster.js';

const run = promisify(execFile);
const priorityModule = cliMainPath().replace(/main\.js$/, 'priority.js');

/** Starts a worker thread, lowers to `nice`, starts another, compresses on the thread pool, prints every thread's nice value. */
const script = (nice: number): string => `
  const { Worker } = await import('node:worker_threads');
  const { gzip } = await import('node:zlib');
  const { lowerOwnPriority, threadNiceValues } = await import(${JSON.stringify(priorityModule)});
  const worker = async () => {
    const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((r) => w.once('online', r));
  };
  await worker();
  const before = threadNiceValues().length;
  lowerOwnPriority(${nice});
  await worker();
  await Promise.all(Array.from({ length: 8 }, () => new Promise((r) => gzip(Buffer.alloc(1 << 20, 1), r))));
  console.log(JSON.stringify({ before, values: threadNiceValues() }));
  process.exit(0);
`;

async function niceValues(nice: number, startedAt = 0): Promise<{ before: number; values: number[] }> {
  const argv = ['--input-type=module', '-e', script(nice)];
  const { stdout } = startedAt > 0 ? await run('nice', ['-n', String(startedAt), process.execPath, ...argv]) : await run(process.execPath, argv);
  return JSON.parse(stdout);
}

describe.runIf(process.platform === 'linux')('lowerOwnPriority', () => {
  it('sets every thread, those started before and those started after', async () => {
    const r = await niceValues(19);
    // main, V8's platform threads, the thread pool, a worker; then the second worker's threads
    expect(r.values.length).toBeGreaterThan(r.before);
    expect(r.values.every((v) => v === 19)).toBe(true);
  });

  it('never raises a priority: a process started at nice 15 asked for 10 stays at 15', async () => {
    const r = await niceValues(10, 15);
    expect(r.values.every((v) => v === 15)).toBe(true);
  });
});
