// What a node leaves on disk is its own user's alone: the data directory and every directory in
// it 0700, every file 0600 (WAL segments, state file, LevelDB, snapshots). A data directory that
// every user may write to is refused at start, naming the directory and what to do.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logTailsOnFailure, MAIN, ProcessCluster } from './process-cluster.js';

const run = promisify(execFile);

/** Every path under `dir` with its permission bits, as 'relative/path 0600'. */
function modes(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const path = join(rel, name);
    const st = statSync(join(dir, path));
    out.push(`${path}${st.isDirectory() ? '/' : ''} ${(st.mode & 0o777).toString(8).padStart(4, '0')}`);
    if (st.isDirectory()) out.push(...modes(dir, path));
  }
  return out;
}

describe('files on disk, one node process', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 1, snapshotEntries: 50 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('the data directory is 0700 and everything in it 0700 (directories) or 0600 (files)', async () => {
    const c = cluster!;
    const client = c.client();
    for (let i = 0; i < 200; i++) await client.put(`f/${i}`, 'v'); // past a snapshot and compaction
    const dir = c.nodes.get('n1')!.dataDir;
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const all = modes(dir);
    expect(all.length).toBeGreaterThan(5);
    expect(all.filter((m) => !(m.endsWith('/ 0700') || (!m.includes('/ ') && m.endsWith(' 0600'))))).toEqual([]);
  });

  test('a data directory every user may write to is refused', async () => {
    const dir = join(cluster!.dir, 'open-to-all');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const err = await run(process.execPath, [MAIN, 'serve', '--id', 'x', '--listen', '127.0.0.1:1', '--http', 'none', '--data-dir', dir], { timeout: 20_000 }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(`data directory ${dir} is writable by every user (mode 0777): refusing to start; make it private with chmod 700 ${dir}`);
  });
});
