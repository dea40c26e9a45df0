// Crash safety under SIGKILL: a child applies batches and reports them; it is killed at random
// points, and after each kill the reopened state must hold exactly a prefix of whole batches
// (no half batch, no double apply) at or beyond the last reported index, and its watch history
// (its own files, appended before LevelDB's batch) every change up to that point, exactly once.
import { execFile, spawn } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateMachine } from '../../src/state/state-machine.js';
import { cleanup, dump, plain, prng, tempDir } from './helpers.js';
import { killCommand } from './kill-entries.js';
import type { WatchEvent } from '../../src/state/types.js';
import { KvModel } from './model.js';

const repo = resolve(import.meta.dirname, '../..');
let build: string;

beforeAll(async () => {
  // Compile only this layer (and what it imports) into a private dir: other engineers' files
  // and a shared dist/ are none of this test's business. node_modules is linked for 'level'.
  build = await tempDir();
  await symlink(join(repo, 'node_modules'), join(build, 'node_modules'));
  await writeFile(join(build, 'package.json'), '{"type":"module"}');
  const files = ['src/state/index.ts', 'test/state/kill-entries.ts'].map((f) => join(repo, f));
  const flags = ['--outDir', build, '--rootDir', repo, '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  flags.push('--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node');
  await promisify(execFile)(join(repo, 'node_modules/.bin/tsc'), [...flags, ...files], { cwd: repo });
});
afterAll(async () => {
  await cleanup(build);
});

interface Round {
  opened: number | null;
  lastReported: number;
  batchEnds: Set<number>;
}

/** Run the child until `killAfterMs` after it opened (or earlier), SIGKILL it, report what it said. */
function runChild(dir: string, seed: number, killAfterMs: number): Promise<Round> {
  const round: Round = { opened: null, lastReported: 0, batchEnds: new Set() };
  const child = spawn(process.execPath, [join(repo, 'test/state/kill-child.mjs'), join(build, 'src/state/index.js'), dir, String(seed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [what, a, z] = line.split(' ');
      if (what === 'open') {
        round.opened = Number(a);
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      } else if (what === 'applying') round.batchEnds.add(Number(z));
      else if (what === 'applied') round.lastReported = Number(a);
    }
  });
  // Sometimes kill during startup/open, before the child says anything.
  if (killAfterMs < 15) setTimeout(() => child.kill('SIGKILL'), killAfterMs * 10);
  return new Promise((done, fail) => {
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? done(round) : fail(new Error(`child exited ${code}: ${stderr}`))));
  });
}

/** Every change of the watch history, paged through changesSince (it throws if revision 1 was dropped). */
async function history(sm: StateMachine): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for (let from = 1; from <= sm.revision(); ) {
    const page = await sm.changesSince(from, undefined, 1000);
    out.push(...page.events);
    from = page.nextRevision;
  }
  return out;
}

describe('SIGKILL during apply', () => {
  it('always recovers to a prefix of whole batches at or beyond the last reported index', async () => {
    const dir = await tempDir();
    const r = prng(4242);
    const model = new KvModel();
    let modelIndex = 0;
    let applied = 0;
    let kills = 0;
    const started = Date.now();
    while (kills < 60 && Date.now() - started < 50_000) {
      const round = await runChild(`${dir}/db`, r.int(1 << 30), r.int(120));
      kills++;
      const sm = await StateMachine.open(`${dir}/db`);
      const now = sm.appliedIndex();
      expect(now).toBeGreaterThanOrEqual(Math.max(round.lastReported, applied));
      // A whole batch or nothing: the index is the one we had or the end of an announced batch.
      expect(now === applied || round.batchEnds.has(now)).toBe(true);
      for (; modelIndex < now; modelIndex++) {
        const cmd = killCommand(modelIndex + 1);
        if (cmd) model.apply(cmd);
      }
      expect(sm.revision()).toBe(model.revision);
      expect(plain(await dump(sm))).toEqual(plain(model.range(new Uint8Array(0), new Uint8Array([0]))));
      expect(plain(await history(sm))).toEqual(plain(model.events));
      applied = now;
      await sm.close();
    }
    expect(kills).toBeGreaterThanOrEqual(50);
    expect(applied).toBeGreaterThan(500);
    await cleanup(dir);
  });
});
