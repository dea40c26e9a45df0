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
import { open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateInvariantError } from './errors.js';

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
  run(p: SwapPaths): Promise<void>;
}

/** The swap, in order; each step is safe to repeat after a crash. */
export const SWAP_STEPS: readonly SwapStep[] = [
  {
    name: 'mark',
    async run(p) {
      if (!(await exists(p.next))) throw new StateInvariantError(`no restored directory at ${p.next}`);
      await syncTree(p.next);
      const tmp = `${p.marker}.tmp`;
      await writeFile(tmp, JSON.stringify({ next: p.next, at: new Date().toISOString() }));
      await syncPath(tmp);
      await rename(tmp, p.marker);
      await syncPath(dirname(p.dir));
    },
  },
  {
    name: 'retire',
    async run(p) {
      // Only while the new directory is still waiting: after install, <dir> is the new state.
      if ((await exists(p.next)) && (await exists(p.dir))) {
        await rm(p.old, { recursive: true, force: true });
        await rename(p.dir, p.old);
        await syncPath(dirname(p.dir));
      }
    },
  },
  {
    name: 'install',
    async run(p) {
      if (await exists(p.next)) {
        await rename(p.next, p.dir);
        await syncPath(dirname(p.dir));
      } else if (!(await exists(p.dir))) {
        throw new StateInvariantError(`swap marker present but neither ${p.next} nor ${p.dir} exists`);
      }
    },
  },
  {
    name: 'cleanup',
    async run(p) {
      await rm(p.old, { recursive: true, force: true });
    },
  },
  {
    name: 'unmark',
    async run(p) {
      await rm(p.marker, { force: true });
      await rm(`${p.marker}.tmp`, { force: true });
      await syncPath(dirname(p.dir));
    },
  },
];

/** Run all steps of the swap (the live db must be closed). */
export async function runSwap(p: SwapPaths): Promise<void> {
  for (const step of SWAP_STEPS) await step.run(p);
}

/** At open, finish or undo an interrupted swap so that `dir` holds one complete state. */
export async function recoverSwap(dir: string): Promise<void> {
  const p = swapPaths(dir);
  if (await exists(p.marker)) {
    for (const step of SWAP_STEPS) if (step.name !== 'mark') await step.run(p);
    return;
  }
  // No commit point: a restore was in progress or failed. Its directory is not trusted.
  await rm(p.next, { recursive: true, force: true });
  await rm(`${p.marker}.tmp`, { force: true });
  if (await exists(p.old)) {
    if (!(await exists(p.dir))) throw new StateInvariantError(`${p.old} exists without ${p.dir} or a swap marker`);
    await rm(p.old, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** fsync a file or directory, so a rename or a new file survives power loss. */
async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync every file of a (flat) LevelDB directory and the directory itself. */
async function syncTree(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await syncPath(`${dir}/${name}`);
  await syncPath(dir);
}
