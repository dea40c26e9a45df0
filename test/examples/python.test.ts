// Our API from another language: examples/python/raftdb_example.py, plain grpcio with stubs
// generated from proto/ by the example's own generate.sh, against a 3-node cluster of processes,
// asking a follower. Python and pip are required, not optional (CI has them; scripts/ci-prepare.sh
// installs python3-venv where it is missing): a missing interpreter fails with the instruction.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logTailsOnFailure, ProcessCluster } from '../integration/process-cluster.js';

const run = promisify(execFile);
const EXAMPLE = resolve(import.meta.dirname, '../../examples/python');
/** One virtualenv per machine, reused by later runs (grpcio's wheel takes a while to fetch). */
const VENV = process.env.RAFTDB_PYTHON_VENV ?? join(tmpdir(), 'raftdb-python-venv');
const PY = join(VENV, 'bin', 'python');

/** A virtualenv with grpcio and grpcio-tools; created on first use. */
function ensureVenv(): void {
  const has = existsSync(PY) && spawnSync(PY, ['-c', 'import grpc, grpc_tools'], { stdio: 'ignore' }).status === 0;
  if (has) return;
  const venv = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' });
  if (venv.status !== 0) throw new Error(`python3 -m venv failed (${venv.stderr?.trim() || venv.error?.message}): install python3 and python3-venv`);
  const pip = spawnSync(join(VENV, 'bin', 'pip'), ['install', '--retries', '1', '--timeout', '20', '-q', '-r', join(EXAMPLE, 'requirements.txt')], { encoding: 'utf8' });
  if (pip.status !== 0) throw new Error(`pip install of ${join(EXAMPLE, 'requirements.txt')} failed: ${pip.stderr.slice(-2000)}`);
}

describe('the Python example against 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    ensureVenv();
    await run('bash', [join(EXAMPLE, 'generate.sh')], { env: { ...process.env, PYTHON: PY } });
    cluster = await ProcessCluster.start({ nodes: 3 });
  }, 300_000);
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('put, get, bytes, compare-and-set, a watch over a 3-key txn and an exactly-once retry, through a follower', async () => {
    const leader = await cluster!.leader();
    const follower = [...cluster!.nodes.keys()].find((id) => id !== leader.id)!;
    const { stdout } = await run(PY, [join(EXAMPLE, 'raftdb_example.py'), '--endpoint', cluster!.endpoints([follower])[0]!], { timeout: 60_000 });
    console.log(`[python] ${stdout.trim().split('\n').join(' | ')}`);
    expect(stdout).not.toContain('FAIL');
    expect(stdout.trim().split('\n').at(-1)).toBe('all steps passed');
    expect(stdout.match(/^ok /gm)?.length).toBe(9);
  });
});
