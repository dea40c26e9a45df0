// Our API from Go: examples/go/main.go, plain grpc-go with stubs generated from proto/ by the
// example's own generate.sh, built offline with Debian's Go packages (examples/go/run.sh), against
// a 3-node cluster of processes, asking a follower. The toolchain is required, not optional
// (scripts/ci-prepare.sh installs it): a missing one fails with the instruction.
import { execFile, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { logTailsOnFailure, ProcessCluster } from '../integration/process-cluster.js';

const run = promisify(execFile);
const EXAMPLE = resolve(import.meta.dirname, '../../examples/go');
/** Go's build cache and the GOPATH tree, reused by later runs. */
const WORK = process.env.RAFTDB_GO_WORK ?? join(tmpdir(), 'raftdb-go-example');

describe('the Go example against 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    for (const tool of ['go', 'protoc', 'protoc-gen-go', 'protoc-gen-go-grpc']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
        throw new Error(`${tool} is missing: apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev protobuf-compiler protoc-gen-go protoc-gen-go-grpc (scripts/ci-prepare.sh does)`);
      }
    }
    await run('bash', [join(EXAMPLE, 'generate.sh')]);
    // Build before the cluster starts (the first build compiles grpc-go: a minute on 2 cores).
    await run('bash', [join(EXAMPLE, 'run.sh'), '--help'], { env: { ...process.env, RAFTDB_GO_WORK: WORK }, timeout: 600_000 }).catch((err: { stderr?: string; code?: number }) => {
      // `--help` exits 2 by Go's flag package convention; anything else is a build failure.
      if (err.code !== 2) throw err;
    });
    cluster = await ProcessCluster.start({ nodes: 3 });
  }, 660_000);
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('put, get, bytes, compare-and-set, a watch over a 3-key txn and an exactly-once retry, through a follower', async () => {
    const leader = await cluster!.leader();
    const follower = [...cluster!.nodes.keys()].find((id) => id !== leader.id)!;
    const { stdout } = await run('bash', [join(EXAMPLE, 'run.sh'), '--endpoint', cluster!.endpoints([follower])[0]!], { env: { ...process.env, RAFTDB_GO_WORK: WORK }, timeout: 120_000 });
    console.log(`[go] ${stdout.trim().split('\n').join(' | ')}`);
    expect(stdout).not.toContain('FAIL');
    expect(stdout.trim().split('\n').at(-1)).toBe('all steps passed');
    expect(stdout.match(/^ok /gm)?.length).toBe(9);
  });
});
