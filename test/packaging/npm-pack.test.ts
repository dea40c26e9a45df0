// The package works outside this repository: `npm pack` makes a tarball that installs globally
// (`raftdb` on the PATH) and into another project (`import { connect } from 'raftdb'`), and the
// README's quick start runs from there — a local cluster, a put and a get, from the CLI and from
// code. Needs the npm registry for the package's dependencies (CI has it).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer } from 'node:net';
import { nodePorts } from '../integration/fixtures/ports.js';

/** Whether 127.0.0.1:`port` can be bound now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port p with p, p+1 and p+2 free (dev gives its nodes consecutive ports). */
async function threeInARow(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const [p] = await nodePorts(1);
    if ((await canBind(p! + 1)) && (await canBind(p! + 2))) return p!;
  }
  throw new Error('no three consecutive free ports');
}

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];

describe('the npm package, installed outside the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-pack-'));
  let tarball = '';
  let dev: ChildProcess | null = null;

  beforeAll(async () => {
    // dist/ is built by `npm test` (pretest); --ignore-scripts skips prepack's second build.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, ...NPM_FLAGS], { cwd: ROOT });
    tarball = join(dir, stdout.trim().split('\n').at(-1)!);
  }, 120_000);
  afterAll(() => {
    dev?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('npm i -g puts raftdb on the PATH', async () => {
    const prefix = join(dir, 'global');
    await run('npm', ['install', '-g', '--prefix', prefix, tarball, ...NPM_FLAGS], { timeout: 300_000 });
    const { stdout } = await run(join(prefix, 'bin', 'raftdb'), ['--help']);
    expect(stdout).toMatch(/Usage: raftdb/);
  }, 300_000);

  test('another project imports it, and the quick start runs from there', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    await run('npm', ['install', tarball, ...NPM_FLAGS], { cwd: app, timeout: 300_000 });
    const base = await threeInARow();
    const httpBase = await threeInARow();
    const bin = join(app, 'node_modules', '.bin', 'raftdb');
    dev = spawn(bin, ['dev', '--dir', join(app, 'data'), '--base-port', String(base), '--http-base-port', String(httpBase)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    dev.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const ready = await new Promise<boolean>((ok) => {
      const t = setInterval(() => {
        if (/raftdb dev cluster ready/.test(out)) ok(true);
      }, 100);
      dev!.once('exit', () => ok(false));
      setTimeout(() => (clearInterval(t), ok(false)), 60_000);
    });
    expect(ready, out).toBe(true);
    const endpoints = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`).join(',');
    await run(bin, ['put', 'a', '1', '--endpoints', endpoints]);
    expect((await run(bin, ['get', 'a', '--endpoints', endpoints])).stdout).toBe('1\n');
    // The Maintenance service's proto and the backup code ship too: a backup and its verification from the installed package.
    await run(bin, ['backup', 'create', '--out', join(app, 'backups'), '--endpoints', endpoints, '--json']);
    expect(JSON.parse((await run(bin, ['backup', 'verify', join(app, 'backups'), '--json'])).stdout)).toMatchObject([{ ok: true }]);
    writeFileSync(
      join(app, 'main.js'),
      `import { connect } from 'raftdb';\nconst c = connect({ endpoints: process.argv[2].split(',') });\nawait c.put('from-code', 'yes');\nconsole.log(await c.getString('a'), await c.getString('from-code'));\nc.close();\n`,
    );
    expect((await run('node', ['main.js', endpoints], { cwd: app })).stdout).toBe('1 yes\n');
    dev.kill('SIGTERM');
    await new Promise((r) => dev!.once('exit', r));
    dev = null;
  }, 400_000);
});
