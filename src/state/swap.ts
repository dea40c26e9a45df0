// Installing a restored snapshot directory in place of the live one, crash-safe. The steps are
// renames plus a marker file whose existence is the commit point:
//   (restore writes and verifies <dir>.restore-new, closes the live db)
//   1 mark     write <dir>.restore-swap (tmp + fsync + rename + fsync dir)
//   2 retire   rename <dir> -> <dir>.restore-old
//   3 install  rename <dir>.restore-new -> <dir>
//   4 cleanup  remove <dir>.restore-old
//   5 unmark   remove the marker
// Recovery at open: with a marker, redo steps 2-5 (each is idempotent) = the new state; without
// one, remove <dir>.restore-new (unverified or incomplete) = the old state. Either way complete.
// Every step goes through a StateFs (state-fs.ts): node:fs here, a twin in the simulation.
import { dirname } from 'node:path';
import { StateInvariantError } from './errors.js';
import { type StateFs, nodeStateFs } from './state-fs.js';

/** The sibling paths the swap uses for a state directory. */
export interface SwapPaths {
  dir: string;
  next: string;
  old: string;
  marker: string;
}

/** Paths of the swap for `dir`. */
export function swapPaths(dir: string): SwapPaths {
  return { dir, next: `${dir}.restore-new`, old: `${dir}.restore-old`, marker: `${dir}.restore-swap` };
}

/** One named step, exported so tests can stop after any of them to simulate a crash. */
export interface SwapStep {
  name: 'mark' | 'retire' | 'install' | 'cleanup' | 'unmark';
  run(p: SwapPaths, fs?: StateFs): Promise<void>;
}

/** The swap, in order; each step is safe to repeat after a crash. */
export const SWAP_STEPS: readonly SwapStep[] = [
  {
    name: 'mark',
    async run(p, fs = nodeStateFs) {
      if (!(await fs.exists(p.next))) throw new StateInvariantError(`no restored directory at ${p.next}`);
      await syncTree(fs, p.next);
      const tmp = `${p.marker}.tmp`;
      await fs.writeFile(tmp, JSON.stringify({ next: p.next, at: new Date().toISOString() }));
      await fs.sync(tmp);
      await fs.rename(tmp, p.marker);
      await fs.sync(dirname(p.dir));
    },
  },
  {
    name: 'retire',
    async run(p, fs = nodeStateFs) {
      // Only while the new directory is still waiting: after install, <dir> is the new state.
      if ((await fs.exists(p.next)) && (await fs.exists(p.dir))) {
        await fs.rm(p.old);
        await fs.rename(p.dir, p.old);
        await fs.sync(dirname(p.dir));
      }
    },
  },
  {
    name: 'install',
    async run(p, fs = nodeStateFs) {
      if (await fs.exists(p.next)) {
        await fs.rename(p.next, p.dir);
        await fs.sync(dirname(p.dir));
      } else if (!(await fs.exists(p.dir))) {
        throw new StateInvariantError(`swap marker present but neither ${p.next} nor ${p.dir} exists`);
      }
    },
  },
  {
    name: 'cleanup',
    async run(p, fs = nodeStateFs) {
      await fs.rm(p.old);
    },
  },
  {
    name: 'unmark',
    async run(p, fs = nodeStateFs) {
      await fs.rm(p.marker);
      await fs.rm(`${p.marker}.tmp`);
      await fs.sync(dirname(p.dir));
    },
  },
];

/** Run all steps of the swap (the live db must be closed). */
export async function runSwap(p: SwapPaths, fs: StateFs = nodeStateFs): Promise<void> {
  for (const step of SWAP_STEPS) await step.run(p, fs);
}

/** At open, finish or undo an interrupted swap so that `dir` holds one complete state. */
export async function recoverSwap(dir: string, fs: StateFs = nodeStateFs): Promise<void> {
  const p = swapPaths(dir);
  if (await fs.exists(p.marker)) {
    for (const step of SWAP_STEPS) if (step.name !== 'mark') await step.run(p, fs);
    return;
  }
  // No commit point: a restore was in progress or failed. Its directory is not trusted.
  await fs.rm(p.next);
  await fs.rm(`${p.marker}.tmp`);
  if (await fs.exists(p.old)) {
    if (!(await fs.exists(p.dir))) throw new StateInvariantError(`${p.old} exists without ${p.dir} or a swap marker`);
    await fs.rm(p.old);
  }
}

/** fsync every file of a (flat) LevelDB directory and the directory itself. */
async function syncTree(fs: StateFs, dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) await fs.sync(`${dir}/${name}`);
  await fs.sync(dir);
}
