// The compiled `raftdb` binary as a user runs it: shebang entry, exit codes, one-line errors,
// `dev` end to end (a process per node, ready line, clean stop on SIGTERM/SIGINT, restart from
// its data), the failover verbs and `bench` against its real node processes.
// CI does not build dist/, so the CLI is compiled here into a private directory under
// node_modules/.cache (inside the repo, so the proto/ directory is found by walking up).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { FakeNode, hdr } from '../client/fake-server.js';
import { consecutiveFreePorts } from '../integration/fixtures/ports.js';

const root = resolve(import.meta.dirname, '../..');
const outDir = join(root, 'node_modules', '.cache', `raftdb-cli-test-${process.pid}`);
const main = join(outDir, 'src', 'cli', 'main.js');
const run = promisify(execFile);

beforeAll(async () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--outDir', outDir, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022'];
  // Type errors (say, in a layer someone is changing) still emit JavaScript; `npm run typecheck`
  // is where they are reported, so only a missing output fails here.
  await run(process.execPath, [tsc, ...flags, '--skipLibCheck', '--esModuleInterop', '--types', 'node', join(root, 'src/cli/main.ts')], { cwd: root }).catch(
    (e: { stdout?: string }) => {
      if (!existsSync(main)) throw new Error(`cannot compile the CLI: ${e.stdout ?? String(e)}`);
    },
  );
}, 180_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function raftdb(args: string[], opts: { env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', ...opts.env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('raftdb binary', () => {
  it('prints help and exits 0', async () => {
    const r = await raftdb(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: raftdb/);
  });

  it('talks to a node and exits 0, or 1 with one line on a failure, or 2 on bad usage', async () => {
    const n = await FakeNode.start({ Get: () => ({ found: true, value: Buffer.from('v1'), header: hdr(2) }) });
    try {
      expect(await raftdb(['get', 'k', '--endpoints', n.address])).toEqual({ code: 0, stdout: 'v1\n', stderr: '' });
      const failed = await raftdb(['put', 'k', 'v', '--endpoints', n.address]);
      expect(failed).toEqual({ code: 1, stdout: '', stderr: 'raftdb: UNIMPLEMENTED: Put not scripted\n' });
      expect((await raftdb(['put', '--endpoints', n.address])).code).toBe(2);
    } finally {
      n.close();
    }
  });

  it('refuses a value whose bytes are not UTF-8 on the command line instead of storing it changed', async () => {
    // What `raftdb put bin $'a\xff\xfeb'` passes: raw bytes that Node turns into U+FFFD.
    const n = await FakeNode.start({ Put: () => ({ header: hdr(2) }) });
    try {
      const r = await run('sh', ['-c', `"${process.execPath}" "${main}" put bin "$(printf 'a\\377\\376b')" --endpoints ${n.address}`]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not valid UTF-8/);
      expect(n.calls).toHaveLength(0);
    } finally {
      n.close();
    }
  });
});

function startDev(
  dir: string,
  base: number,
  httpBase: number,
  extra: string[] = [],
): { child: ChildProcess; ready: Promise<string>; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [main, 'dev', '--dir', dir, '--base-port', String(base), '--http-base-port', String(httpBase), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let all = '';
  child.stderr!.on('data', (c: Buffer) => (all += c.toString()));
  const ready = new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      all += c.toString();
      if (/raftdb dev cluster ready: 3 nodes, leader n\d/.test(out)) ok(out);
    });
    child.once('exit', () => fail(new Error(`dev exited early: ${out}`)));
  });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, ready, exited, output: () => all };
}

/** switchover, mode, history and a multi-process bench against a real cluster. */
async function failoverVerbs(ep: string): Promise<void> {
  const sw = await raftdb(['switchover', '--json', '--endpoints', ep]);
  expect(sw.code).toBe(0);
  const moved = JSON.parse(sw.stdout);
  expect(moved).toMatchObject({ ok: true, state: 'done', id: expect.any(String) });
  expect(moved.to).not.toBe(moved.from);
  const refused = await raftdb(['switchover', '--to', 'n9', '--endpoints', ep]);
  expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^raftdb: switchover refused: no eligible candidate: n9 is not a voting member/) });

  expect((await raftdb(['mode', 'set', 'sync', '--endpoints', ep])).stdout).toBe('commit mode set to sync\n');
  expect(JSON.parse((await raftdb(['mode', 'get', '--json', '--endpoints', ep])).stdout)).toMatchObject({ configured: 'sync', role: 'leader' });
  expect((await raftdb(['mode', 'set', 'semi-sync', '--endpoints', ep])).code).toBe(0);

  const history = JSON.parse((await raftdb(['history', '--json', '--endpoints', ep])).stdout);
  expect(history.events.length).toBeGreaterThanOrEqual(1);
  expect(history.events[0]).toMatchObject({ reason: 'election', to: expect.stringMatching(/^n\d$/) });

  const bench = await raftdb(['bench', '--ops', '100', '--warmup', '0', '--processes', '2', '--mix', 'put=50,get=50', '--json', '--endpoints', ep]);
  expect(bench.code).toBe(0);
  expect(JSON.parse(bench.stdout)).toMatchObject({ ops: 100, errors: 0, config: { processes: 2 } });
}

describe('raftdb bench --start-cluster', () => {
  it('measures a fresh local cluster and prints the report as JSON', async () => {
    const r = await raftdb(['bench', '--ops', '200', '--start-cluster', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^bench: 3-node cluster in .*raftdb-bench-/);
    const rep = JSON.parse(r.stdout);
    const latency = { p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number), max: expect.any(Number), mean: expect.any(Number) };
    expect(rep).toMatchObject({ ops: 200, opsPerSec: expect.any(Number), errors: 0, elapsedS: expect.any(Number), latencyMs: latency, errorsByCode: {} });
    expect(rep.byOp).toEqual({ put: { ops: 200, opsPerSec: expect.any(Number), errors: 0, latencyMs: latency } });
    expect(rep.config).toMatchObject({ concurrency: 64, connections: 1, valueSize: 256, keys: 10000, mix: { put: 100, get: 0 }, consistency: 'linearizable', mode: 'default' });
  }, 120_000);
});

describe('raftdb dev', () => {
  it('starts a cluster, stops cleanly on a signal, and resumes from its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftdb-dev-'));
    const base = await consecutiveFreePorts(3);
    const httpBase = await consecutiveFreePorts(3);
    const endpoints = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`);
    try {
      const first = startDev(dir, base, httpBase);
      const out = await first.ready;
      expect(out).toContain(`endpoints: ${endpoints.join(',')}`);
      // Each node is a process of its own.
      const pids = [...out.matchAll(/^n\d .* pid (\d+)$/gm)].map((m) => Number(m[1]));
      expect(new Set([...pids, first.child.pid]).size).toBe(4);
      const c = connect({ endpoints, timeoutMs: 10_000 });
      await c.put('survives', 'restart');
      c.close();
      await failoverVerbs(endpoints.join(','));
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = startDev(dir, base, httpBase);
      await second.ready;
      const c2 = connect({ endpoints, timeoutMs: 10_000 });
      expect(await c2.getString('survives')).toBe('restart');
      c2.close();
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      // Stopping the whole cluster is routine: no warning (the leader has nobody to hand over to).
      expect(second.output()).not.toMatch(/"level":(40|50|60)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('raftdb dev --tls', () => {
  it('makes certificates once, serves TLS only, and CLI verbs work with RAFTDB_CACERT/CERT/KEY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftdb-dev-tls-'));
    const base = await consecutiveFreePorts(3);
    const httpBase = await consecutiveFreePorts(3);
    const ep = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`).join(',');
    try {
      const dev = startDev(dir, base, httpBase, ['--tls']);
      const out = await dev.ready;
      const certs = join(dir, 'certs');
      expect(out).toContain(`TLS on: export RAFTDB_CACERT=${join(certs, 'ca.crt')}`);
      expect(out).toContain(`http https://127.0.0.1:${httpBase}`);
      const env = { RAFTDB_CACERT: join(certs, 'ca.crt'), RAFTDB_CERT: join(certs, 'client.crt'), RAFTDB_KEY: join(certs, 'client.key') };
      expect((await raftdb(['put', 'secure', 'yes', '--endpoints', ep], { env })).code).toBe(0);
      expect((await raftdb(['get', 'secure', '--endpoints', ep], { env })).stdout).toBe('yes\n');
      const plain = await raftdb(['get', 'secure', '--endpoints', ep, '--timeout', '1500']);
      expect(plain.code).toBe(1);
      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('raftdb dev ctl', () => {
  it('kills, starts and refuses from a second command, and says what it does on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftdb-devctl-'));
    const base = await consecutiveFreePorts(3);
    const httpBase = await consecutiveFreePorts(3);
    const ep = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`).join(',');
    try {
      const dev = startDev(dir, base, httpBase);
      expect(await dev.ready).toContain(`control: raftdb dev ctl stop|start|kill <node> --dir ${dir}`);
      const killed = await raftdb(['dev', 'ctl', 'kill', 'n2', '--dir', dir]);
      expect(killed).toMatchObject({ code: 0, stdout: 'n2 killed (SIGKILL: a crash)\n' });
      const down = await raftdb(['status', '--endpoints', ep, '--timeout', '3000']);
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/n2\s+│ 127\.0\.0\.1:\d+\s+│ unreachable \(connection refused\)/);
      expect((await raftdb(['dev', 'ctl', 'start', 'n2', '--dir', dir])).stdout).toMatch(/^n2 started \(pid \d+\), serving on 127\.0\.0\.1:\d+\n$/);
      let up = await raftdb(['status', '--endpoints', ep, '--timeout', '3000']);
      for (let i = 0; i < 40 && up.code !== 0; i++) up = await raftdb(['status', '--endpoints', ep, '--timeout', '3000']);
      expect(up.code).toBe(0);
      expect(await raftdb(['dev', 'ctl', 'stop', 'n9', '--dir', dir])).toMatchObject({ code: 1, stderr: 'raftdb: no node n9 (nodes: n1, n2, n3)\n' });
      dev.child.kill('SIGINT');
      expect(await dev.exited).toBe(0);
      expect(dev.output()).toMatch(/raftdb dev: stopping n1, n2, n3 \(SIGTERM: clean stop; Ctrl-C again kills them\)/);
      expect(dev.output()).toMatch(/raftdb dev: every node stopped; data kept in /);
      const gone = await raftdb(['dev', 'ctl', 'kill', 'n2', '--dir', dir]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/no raftdb dev is running with --dir/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
