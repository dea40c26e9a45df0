// close() leaves no open handles: a child process that used the transport exits on its own.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
let out = '';
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

/** Compiles the fixture (and what it imports) to plain ESM next to links to proto/ and node_modules/. */
async function compileFixture(): Promise<string> {
  out = await mkdtemp(join(tmpdir(), 'raftdb-transport-exit-'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--outDir', out, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--strict'];
  await promisify(execFile)(process.execPath, [tsc, ...args, join(root, 'test/transport/fixtures/exit-child.ts')]);
  await symlink(join(root, 'proto'), join(out, 'proto'));
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'));
  await writeFile(join(out, 'package.json'), '{"type":"module"}');
  return join(out, 'test/transport/fixtures/exit-child.js');
}

describe('transport close', () => {
  it('leaves no open handles: the process exits by itself', async () => {
    const script = await compileFixture();
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect({ code, stdout, stderr }).toStrictEqual({ code: 0, stdout: 'closed\n', stderr: '' });
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
