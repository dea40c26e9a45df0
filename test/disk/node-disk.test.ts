// The real disk maps each OpenMode to the open(2) flags the WAL's durability rests on. The flags
// are read back from the kernel (/proc/self/fdinfo), not from our own code: the power-cut tests
// check the WAL's calls on the in-memory disk, this checks that nodeDisk passes them on.
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeDisk } from '../../src/disk/node-disk.js';
import type { OpenMode } from '../../src/disk/disk.js';
import { rmDir, tmpDir } from '../wal/helpers.js';

const O_ACCMODE = 0o3; // the access-mode bits of open(2)'s flags (not exported by node:fs)

let dir: string;
beforeEach(async () => {
  dir = await tmpDir('raftdb-disk-');
});
afterEach(async () => {
  await rmDir(dir);
});

/** The open flags the kernel holds for a file opened through nodeDisk with `mode`. */
async function kernelFlags(mode: OpenMode): Promise<number> {
  const file = path.join(dir, 'f');
  const handle = await nodeDisk.open(file, { ...mode, create: true });
  try {
    const fds = await fs.readdir('/proc/self/fd');
    for (const fd of fds) {
      const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
      if (target !== file) continue;
      const info = await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
      return parseInt(/^flags:\s+([0-7]+)/m.exec(info)![1]!, 8);
    }
    throw new Error('the file is not open');
  } finally {
    await handle.close();
  }
}

describe.runIf(process.platform === 'linux')('nodeDisk', () => {
  it('opens with O_DSYNC exactly when asked (the WAL tail and state.bin rely on it)', async () => {
    expect((await kernelFlags({ write: true, dsync: true })) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect((await kernelFlags({ write: true })) & constants.O_DSYNC).toBe(0);
  });

  it('opens read-write only when asked', async () => {
    expect((await kernelFlags({ write: true })) & O_ACCMODE).toBe(constants.O_RDWR);
    expect((await kernelFlags({})) & O_ACCMODE).toBe(constants.O_RDONLY);
  });

  it('creates missing parents, syncs a directory, and reports a missing file as ENOENT', async () => {
    const deep = path.join(dir, 'a', 'b');
    await nodeDisk.mkdirp(deep);
    await nodeDisk.syncDir(deep);
    await expect(nodeDisk.open(path.join(deep, 'none'), {})).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await nodeDisk.readdir(deep)).toEqual([]);
  });
});
