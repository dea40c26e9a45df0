// The etcdctl-style verbs against a real 3-process cluster, run as the compiled binary: get's
// shaping flags, -w formats, watch across a node restart and Ctrl-C, endpoint health/status and
// status exit codes as members go down, the quorum-lost message, --timeout as the whole budget,
// and a removed member exiting on its own. (npm test builds dist/ first.)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, ProcessCluster, logTailsOnFailure } from '../integration/process-cluster.js';

let cluster: ProcessCluster;
let endpoints: string;
logTailsOnFailure(() => cluster);

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
  endpoints = cluster.endpoints().join(',');
}, 120_000);
afterAll(async () => cluster?.close());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the binary; `--endpoints` is added unless given. */
function raftdb(args: string[], opts: { stdin?: string } = {}): Promise<Run> {
  const argv = args.includes('--endpoints') ? args : [...args, '--endpoints', endpoints];
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...argv], { env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - t0 });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  });
}

/** A long-running `raftdb watch` and its output lines as they come. */
function startWatch(args: string[]): { child: ChildProcess; lines: string[]; next(n: number, timeoutMs?: number): Promise<string[]> } {
  const child = spawn(process.execPath, [MAIN, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  return {
    child,
    lines,
    async next(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (lines.length < n) {
        if (Date.now() > until) throw new Error(`watch printed ${lines.length} of ${n} lines: ${lines.join(' | ')} (stderr: ${stderr})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return lines.slice(0, n);
    },
  };
}

describe('get: server-side shaping', () => {
  it('sorts, limits, prints keys only and counts', async () => {
    // Values in the reverse order of keys, so a sort by value is visibly not key order.
    for (const [k, v] of [['s/a', '3'], ['s/b', '2'], ['s/c', '1']]) expect((await raftdb(['put', k!, v!])).code).toBe(0);
    expect((await raftdb(['get', 's/', '--prefix', '--sort-by', 'VALUE'])).stdout).toBe('s/c\t1\ns/b\t2\ns/a\t3\n');
    expect((await raftdb(['get', 's/', '--prefix', '--order', 'DESCEND', '--limit', '2'])).stdout).toBe('s/c\t1\ns/b\t2\n');
    expect((await raftdb(['get', 's/', '--prefix', '--sort-by', 'MODIFY', '--order', 'DESCEND', '--keys-only'])).stdout).toBe('s/c\ns/b\ns/a\n');
    expect((await raftdb(['get', 's/', '--prefix', '--keys-only'])).stdout).toBe('s/a\ns/b\ns/c\n');
    expect((await raftdb(['get', 's/', '--prefix', '--count-only'])).stdout).toBe('3\n');
    const counted = JSON.parse((await raftdb(['get', 's/', '--prefix', '--count-only', '-w', 'json'])).stdout) as { count: number };
    expect(counted.count).toBe(3);
    const keys = JSON.parse((await raftdb(['get', 's/', '--prefix', '--keys-only', '--json'])).stdout) as { kvs: Record<string, unknown>[] };
    expect(keys.kvs.map((kv) => kv.key)).toEqual(['s/a', 's/b', 's/c']);
    expect(keys.kvs[0]).not.toHaveProperty('value');
  }, 60_000);
});

describe('-w formats', () => {
  it('prints simple, json, table and fields, and an error document with -w json', async () => {
    expect((await raftdb(['put', 'fmt', 'v1'])).code).toBe(0);
    expect((await raftdb(['get', 'fmt', '-w', 'simple'])).stdout).toBe('v1\n');
    expect(JSON.parse((await raftdb(['get', 'fmt', '-w', 'json'])).stdout)).toMatchObject({ found: true, key: 'fmt', value: 'v1' });
    const table = (await raftdb(['get', 'fmt', '-w', 'table'])).stdout;
    expect(table).toMatch(/│ key\s+│ fmt\s+│/);
    expect(table).toMatch(/│ value\s+│ v1\s+│/);
    const fields = (await raftdb(['get', 'fmt', '-w', 'fields'])).stdout;
    expect(fields).toContain('"key" : "fmt"\n');
    expect(fields).toContain('"header.revision" : ');
    const ranged = (await raftdb(['get', 's/', '--prefix', '-w', 'table'])).stdout;
    expect(ranged).toMatch(/│ KEY\s+│ VALUE\s+│ CREATEREVISION/);
    expect(ranged).toContain('count: 3');
    const missing = await raftdb(['get', 'nope', '-w', 'json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ found: false, key: 'nope', error: { code: 'NOT_FOUND', exitCode: 1 } });
    const usage = await raftdb(['get', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
  }, 60_000);
});

describe('watch', () => {
  it('prints N changes in order, resumes after its node restarts, and ends with exit 0 on Ctrl-C', async () => {
    // Both watches start at the revision after this put, however long the CLI takes to start
    // (waiting 1.5 s for them to pin their start failed under load: CLI start-up alone 0.6-1.2 s).
    const from = (JSON.parse((await raftdb(['put', 'w-start', 'x', '--json'])).stdout) as { revision: number }).revision + 1;
    // The watch streams from the first endpoint: n1.
    const w = startWatch(['w/', '--prefix', '--rev', String(from), '-w', 'json', '--endpoints', endpoints]);
    // Given n1 alone, this one can only go on once n1 is back: the CLI retries until stopped.
    const alone = startWatch(['w/', '--prefix', '--rev', String(from), '--endpoints', cluster.endpoints(['n1'])[0]!]);
    const client = cluster.client();
    for (let i = 0; i < 5; i++) await client.put(`w/${i}`, `a${i}`);
    await w.next(5);
    await cluster.kill9('n1');
    for (let i = 5; i < 10; i++) await client.put(`w/${i}`, `b${i}`);
    // Longer than 8 attempts' back-off (about 3.5 s): a watch that gave up after a count would end here.
    await new Promise((r) => setTimeout(r, 6000));
    await cluster.restart('n1');
    for (let i = 10; i < 12; i++) await client.put(`w/${i}`, `c${i}`);
    const lines = await w.next(12, 40_000);
    const events = lines.map((l) => JSON.parse(l) as { type: string; revision: number; kv: { key: string } });
    expect(events.map((e) => e.kv.key)).toEqual(Array.from({ length: 12 }, (_, i) => `w/${i}`));
    for (let i = 1; i < events.length; i++) expect(events[i]!.revision).toBeGreaterThan(events[i - 1]!.revision);
    const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
    w.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(w.lines.length).toBe(12); // nothing repeated after the resume
    const plain = await alone.next(12, 40_000);
    expect(plain).toEqual(Array.from({ length: 12 }, (_, i) => `PUT\tw/${i}\t${i < 5 ? 'a' : i < 10 ? 'b' : 'c'}${i}`));
    const aloneExited = new Promise<number | null>((r) => alone.child.once('exit', (code) => r(code)));
    alone.child.kill('SIGTERM');
    expect(await aloneExited).toBe(0);
    expect(alone.lines.length).toBe(12);
  }, 120_000);
});

describe('watch --rev --prev-kv', () => {
  it('replays past changes from a revision with the values they replaced', async () => {
    const first = JSON.parse((await raftdb(['put', 'pv', 'one', '--json'])).stdout) as { revision: number };
    expect((await raftdb(['put', 'pv', 'two'])).code).toBe(0);
    expect((await raftdb(['del', 'pv'])).code).toBe(0);
    const w = startWatch(['pv', '--rev', String(first.revision), '--prev-kv', '--endpoints', endpoints]);
    expect(await w.next(3)).toEqual(['PUT\tpv\tone\t', 'PUT\tpv\ttwo\tone', 'DELETE\tpv\ttwo']);
    w.child.kill('SIGINT');
  }, 60_000);
});

describe('membership: a removed member exits', () => {
  it('exits with code 4 and says why once a membership change removes it', async () => {
    await cluster.addNode('n4', { join: true });
    const n4 = cluster.endpoints(['n4'])[0]!;
    const added = await raftdb(['member', 'add', 'n4', n4, '--learner', '-w', 'json']);
    expect(added.code).toBe(0);
    // The answer names the new member with the address just given (it printed a blank one).
    expect((JSON.parse(added.stdout) as { members: { id: string; address: string }[] }).members.find((m) => m.id === 'n4')?.address).toBe(n4);
    const exit = cluster.exited('n4');
    const st = await raftdb(['status', '-w', 'json', '--timeout', '3000']);
    const n4row = (JSON.parse(st.stdout) as { members: { id: string; role: string }[] }).members.find((m) => m.id === 'n4');
    expect(n4row?.role).toBe('learner');
    expect((await raftdb(['member', 'remove', 'n4'])).code).toBe(0);
    expect(await exit).toBe(4);
    expect(cluster.logTail('n4', 40)).toMatch(/this member was removed from the cluster/);
  }, 90_000);
});

describe('membership: a member removed while it was down', () => {
  it('exits with code 4 when it restarts and a majority refuses it', async () => {
    await cluster.addNode('n5', { join: true });
    expect((await raftdb(['member', 'add', 'n5', cluster.endpoints(['n5'])[0]!])).code).toBe(0);
    // Down only once it knows it is a voter (a node stopped before it learned of its own addition
    // is not a member by its own configuration, and never campaigns).
    const until = Date.now() + 30_000;
    while (!(await cluster.status('n5'))?.voters.includes('n5')) {
      if (Date.now() > until) throw new Error('n5 never saw itself a voter');
      await new Promise((r) => setTimeout(r, 100));
    }
    await cluster.sigterm('n5');
    expect((await raftdb(['member', 'remove', 'n5'])).code).toBe(0);
    // It knows no leader after its restart (nobody replicates to it): its campaign is refused by
    // every member as a non-member's, and that majority is what tells it.
    await cluster.restart('n5', { wait: false });
    expect(await cluster.exited('n5')).toBe(4);
    expect(cluster.logTail('n5', 40)).toMatch(/this member was removed from the cluster/);
  }, 120_000);
});

describe('health and status as members go down', () => {
  it('is healthy with every member up', async () => {
    const h = await raftdb(['endpoint', 'health', '--cluster']);
    expect(h.code).toBe(0);
    expect(h.stdout.match(/is healthy/g)).toHaveLength(3);
    const s = await raftdb(['endpoint', 'status', '-w', 'json']);
    expect(s.code).toBe(0);
    expect((JSON.parse(s.stdout) as { isLeader: boolean }[]).filter((r) => r.isLeader)).toHaveLength(1);
    const st = await raftdb(['status']);
    expect(st.code).toBe(0);
  }, 60_000);

  it('with one member down: status and endpoint health exit 1, --ok-if-degraded 0', async () => {
    await cluster.kill9('n1');
    await cluster.leader(20_000, ['n1']);
    const st = await raftdb(['status', '--endpoints', cluster.endpoints(['n2']).join(',')]);
    expect(st.code).toBe(1);
    // Found through MemberList although only n2 was given, and dead in one short cell.
    expect(st.stdout).toMatch(/n1\s+│ 127\.0\.0\.1:\d+\s+│ unreachable \(connection refused\)/);
    expect((await raftdb(['status', '--ok-if-degraded'])).code).toBe(0);
    expect((await raftdb(['top', '--once'])).code).toBe(1);
    expect((await raftdb(['top', '--once', '--ok-if-degraded'])).code).toBe(0);
    const h = await raftdb(['endpoint', 'health', '--cluster', '--endpoints', cluster.endpoints(['n2']).join(',')]);
    expect(h.code).toBe(1);
    expect(h.stdout).toMatch(new RegExp(`${cluster.endpoints(['n1'])[0]} is unhealthy: connection refused`));
  }, 60_000);

  it('with two of three down: the quorum-lost message, exit codes, and -w json errors', async () => {
    const survivor = (await cluster.leader(5000, ['n1'])).id === 'n2' ? 'n3' : 'n2';
    const lastLeader = survivor === 'n2' ? 'n3' : 'n2';
    await cluster.kill9(lastLeader);
    const put = await raftdb(['put', 'k', 'v', '--timeout', '3000']);
    expect(put.code).toBe(1);
    expect(put.stderr, put.stderr).toMatch(new RegExp(`quorum lost: 1 of 3 members reachable \\(${survivor}\\); last leader ${lastLeader} at term \\d+`));
    const json = await raftdb(['put', 'k', 'v', '--timeout', '3000', '--json']);
    // UNAVAILABLE, or DEADLINE_EXCEEDED when the budget ran out during a write's attempt (its outcome is then unknown).
    expect(JSON.parse(json.stdout), json.stdout).toMatchObject({ error: { code: expect.stringMatching(/^(UNAVAILABLE|DEADLINE_EXCEEDED)$/), diagnosis: { cause: 'quorum-lost', reachable: [survivor], lastLeader } } });
    expect((await raftdb(['status'])).code).toBe(1);
    expect((await raftdb(['status', '--ok-if-degraded'])).code).toBe(1); // no quorum: degraded is not enough
    expect((await raftdb(['endpoint', 'health'])).code).toBe(1);
  }, 60_000);

  it('with every node down, --timeout bounds the whole call within 20%', async () => {
    await cluster.kill9('n1');
    for (const id of ['n2', 'n3']) await cluster.kill9(id);
    for (const timeoutMs of [8000, 3000]) {
      // A process's own start (module loading, ~0.3-1.5 s on this shared machine) is not the
      // request: `--version` loads the same modules, and its time is taken off.
      const startMs = (await raftdb(['--version'])).elapsedMs;
      const r = await raftdb(['put', 'k', 'v', '--timeout', String(timeoutMs)]);
      const requestMs = r.elapsedMs - startMs;
      console.log(`[timeout] --timeout ${timeoutMs}: exited after ${r.elapsedMs} ms, ${requestMs} ms without the process start: ${r.stderr.trim()}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no endpoint reachable: .*\(connection refused\)/);
      expect(requestMs).toBeGreaterThanOrEqual(timeoutMs * 0.8);
      expect(requestMs).toBeLessThanOrEqual(timeoutMs * 1.2);
    }
  }, 60_000);
});
