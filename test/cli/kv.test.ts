// The key-value verbs against a fake node: what they send, print, and exit with.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeNode, deadEndpoint, fault, hdr } from '../client/fake-server.js';
import { raftdb } from './harness.js';

let n: FakeNode;
let ep: string[];
beforeEach(async () => {
  n = await FakeNode.start();
  ep = ['--endpoints', n.address];
});
afterEach(() => n.close());

const kv = (k: string, v: string, rev = 3): Record<string, unknown> => ({ key: Buffer.from(k), value: Buffer.from(v), createRevision: rev, modRevision: rev, version: 1 });

describe('put / get / del', () => {
  it('puts with a commit mode and prints the revision', async () => {
    n.handlers.set('Put', () => ({ header: hdr(5) }));
    const r = await raftdb(['put', 'k', 'v', '--mode', 'semi-sync', ...ep]);
    expect(r).toMatchObject({ code: 0, stdout: 'OK revision 5\n', stderr: '' });
    expect(n.requests('Put')[0]).toMatchObject({ commitMode: 'SEMI_SYNC', key: Buffer.from('k'), value: Buffer.from('v') });
  });

  it('prints the value, or JSON with --json', async () => {
    n.handlers.set('Get', () => ({ found: true, value: Buffer.from('hello'), modRevision: 4, createRevision: 2, version: 3, header: hdr(9) }));
    expect(await raftdb(['get', 'k', ...ep])).toMatchObject({ code: 0, stdout: 'hello\n' });
    const j = await raftdb(['get', 'k', '--json', '--consistency', 'serializable', ...ep]);
    expect(JSON.parse(j.stdout)).toMatchObject({ found: true, key: 'k', value: 'hello', modRevision: 4, version: 3 });
    expect(n.requests('Get')[1]!.consistency).toBe('SERIALIZABLE');
  });

  it('exits 1 with a message when the key is missing', async () => {
    n.handlers.set('Get', () => ({ found: false, header: hdr(9) }));
    expect(await raftdb(['get', 'nope', ...ep])).toEqual({ code: 1, stdout: '', stderr: 'raftdb: key not found: nope\n' });
  });

  it('deletes a prefix', async () => {
    n.handlers.set('Delete', () => ({ deleted: 4, header: hdr(6) }));
    expect(await raftdb(['del', 'p/', '--prefix', ...ep])).toMatchObject({ code: 0, stdout: 'deleted 4\n' });
    expect(n.requests('Delete')[0]).toMatchObject({ prefix: true, key: Buffer.from('p/') });
  });

  it('reads endpoints from RAFTDB_ENDPOINTS', async () => {
    n.handlers.set('Put', () => ({ header: hdr(1) }));
    const r = await raftdb(['put', 'k', 'v'], { env: { RAFTDB_ENDPOINTS: `${await deadEndpoint()},${n.address}` } });
    expect(r.code).toBe(0);
  });
});

describe('errors and exit codes', () => {
  it('reports a server error on one line, exit 1, no stack', async () => {
    n.handlers.set('Put', () => Promise.reject(fault(status.RESOURCE_EXHAUSTED, 'value: larger than 1048576 bytes')));
    const r = await raftdb(['put', 'k', 'v', ...ep]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'raftdb: RESOURCE_EXHAUSTED: value: larger than 1048576 bytes\n' });
  });

  it('exits 1 when no node can be reached', async () => {
    const r = await raftdb(['get', 'k', '--endpoints', await deadEndpoint(), '--timeout', '1000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raftdb: UNAVAILABLE: .*\(after \d+ attempts\)\n$/);
  });

  it.each([
    [['put']],
    [['put', 'k', 'v', '--mode', 'fast']],
    [['put', 'k', 'v', '--value-file', '/etc/hostname']],
    [['put', 'zz', 'v', '--hex']],
    [['put', 'k', 'a\uFFFDb']],
    [['get', 'k', 'z', '--prefix']],
    [['del', 'k', 'z', '--prefix']],
    [['get', 'k', '--consistency', 'eventual']],
    [['scan', '--limit', 'ten']],
    [['get', 'k', '--endpoints', 'localhost']],
    [['frobnicate']],
    [['get', 'k', '--no-such-flag']],
  ])('exits 2 on bad usage: %j', async (argv) => {
    const r = await raftdb(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^raftdb: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(n.calls).toHaveLength(0);
  });

  it('exits 0 for --help', async () => {
    const r = await raftdb(['scan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--endpoints');
    expect(r.stdout).toContain('--json');
  });
});

describe('scan', () => {
  it('pages through a prefix and honours --limit', async () => {
    const keys = ['p/1', 'p/2', 'p/3'];
    n.handlers.set('Range', (req) => {
      const from = (req.key as Buffer).toString();
      const rest = keys.filter((k) => k >= from && k.startsWith('p/'));
      const page = rest.slice(0, Number(req.limit));
      return { kvs: page.map((k) => kv(k, `v${k.at(-1)}`)), more: rest.length > page.length, header: hdr(8) };
    });
    expect(await raftdb(['scan', 'p/', ...ep])).toMatchObject({ code: 0, stdout: 'p/1\tv1\np/2\tv2\np/3\tv3\n' });
    const j = await raftdb(['scan', 'p/', '--limit', '2', '--json', ...ep]);
    const doc = JSON.parse(j.stdout) as { kvs: { key: string }[]; count: number };
    expect(doc.kvs.map((k) => k.key)).toEqual(['p/1', 'p/2']);
    expect(doc.count).toBe(2);
  });

  it('get with a range end or --rev reads a range; del takes a range end', async () => {
    n.handlers.set('Range', () => ({ kvs: [kv('a', '1'), kv('b', '2')], more: false, header: hdr(8) }));
    expect(await raftdb(['get', 'a', 'c', '--rev', '5', ...ep])).toMatchObject({ code: 0, stdout: 'a\t1\nb\t2\n' });
    expect(n.requests('Range')[0]).toMatchObject({ key: Buffer.from('a'), rangeEnd: Buffer.from('c'), revision: 5 });
    n.handlers.set('Delete', () => ({ deleted: 2, header: hdr(9) }));
    expect((await raftdb(['del', 'a', 'c', ...ep])).stdout).toBe('deleted 2\n');
    expect(n.requests('Delete')[0]).toMatchObject({ key: Buffer.from('a'), rangeEnd: Buffer.from('c') });
  });

  it('compact REV sends the revision and prints what the history keeps; without one it asks for the current revision', async () => {
    n.handlers.set('Compact', (req) => ({ compactRevision: Number((req as { revision: string | number }).revision) || 41, header: hdr(41) }));
    expect(await raftdb(['compact', '17', ...ep])).toMatchObject({ code: 0, stdout: 'compacted: history kept from revision 17\n' });
    expect(Number(n.requests('Compact')[0]!.revision)).toBe(17);
    expect(JSON.parse((await raftdb(['compact', '--json', ...ep])).stdout)).toEqual({ compactRevision: 41 });
    expect(Number(n.requests('Compact')[1]!.revision)).toBe(0);
    const bad = await raftdb(['compact', 'soon', ...ep]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/soon/);
    expect(n.requests('Compact')).toHaveLength(2);
  });
});

describe('keys and values in any bytes', () => {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

  it('every byte value 0-255 goes in through --hex and standard input, unchanged', async () => {
    n.handlers.set('Put', () => ({ header: hdr(2) }));
    expect((await raftdb(['put', every.toString('hex'), every.toString('hex'), '--hex', ...ep])).code).toBe(0);
    expect(n.requests('Put')[0]).toMatchObject({ key: every, value: every });
    expect((await raftdb(['put', 'bin', ...ep], { stdin: every })).code).toBe(0);
    expect(n.requests('Put')[1]).toMatchObject({ key: Buffer.from('bin'), value: every });
    expect((await raftdb(['put', every.toString('base64'), '-', '--base64', ...ep], { stdin: every.toString('base64') })).code).toBe(0);
    expect(n.requests('Put')[2]).toMatchObject({ key: every, value: every });
  });

  it('a 900 KB value through standard input and --value-file', async () => {
    n.handlers.set('Put', () => ({ header: hdr(3) }));
    const big = Buffer.alloc(900 * 1024, 0xa7);
    expect((await raftdb(['put', 'big', '-', ...ep], { stdin: big })).code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'raftdb-value-')), 'v.bin');
    writeFileSync(file, big);
    expect((await raftdb(['put', 'big2', '--value-file', file, ...ep])).code).toBe(0);
    expect(n.requests('Put').map((r) => (r.value as Buffer).equals(big))).toEqual([true, true]);
  });

  it('an argument the shell could not pass as UTF-8 is refused, never stored changed', async () => {
    const r = await raftdb(['put', 'bin', 'a\uFFFD\uFFFDb', ...ep]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/value is not valid UTF-8.*--hex or --base64, or the value on standard input/);
    expect(n.calls).toHaveLength(0);
  });

  it('values that are not UTF-8 print escaped, raw with --raw, and as hex with --hex', async () => {
    n.handlers.set('Get', () => ({ found: true, value: Buffer.from([0x61, 0xff, 0xfe, 0x5c, 0x0a, 0x62]), modRevision: 4, createRevision: 2, version: 1, header: hdr(9) }));
    expect((await raftdb(['get', 'k', ...ep])).stdout).toBe('a\\xff\\xfe\\x5c\\x0ab\n');
    expect((await raftdb(['get', 'k', '--raw', ...ep])).stdoutBytes).toEqual(Buffer.from([0x61, 0xff, 0xfe, 0x5c, 0x0a, 0x62, 0x0a]));
    expect((await raftdb(['get', '6b', '--hex', ...ep])).stdout).toBe('61fffe5c0a62\n');
    expect(n.requests('Get')[2]).toMatchObject({ key: Buffer.from('k') });
    const j = JSON.parse((await raftdb(['get', 'k', '--json', ...ep])).stdout);
    expect(Buffer.from(j.valueBase64, 'base64')).toEqual(Buffer.from([0x61, 0xff, 0xfe, 0x5c, 0x0a, 0x62]));
  });
});

describe('txn', () => {
  const spec = { compare: [{ key: 'a', target: 'version', op: '=', number: 0 }], success: [{ put: { key: 'a', value: '1' } }], failure: [{ get: { key: 'a' } }] };

  it('runs a spec from a file', async () => {
    n.handlers.set('Txn', () => ({ succeeded: true, responses: [{ put: { header: hdr(4) } }], header: hdr(4) }));
    const file = join(mkdtempSync(join(tmpdir(), 'raftdb-txn-')), 'spec.json');
    writeFileSync(file, JSON.stringify(spec));
    expect(await raftdb(['txn', file, ...ep])).toMatchObject({ code: 0, stdout: 'SUCCESS revision 4\nput OK\n' });
    expect(n.requests('Txn')[0]).toMatchObject({ compare: [{ target: 'VERSION', op: 'EQUAL', number: 0 }] });
  });

  it('runs a spec from stdin with --json', async () => {
    n.handlers.set('Txn', () => ({ succeeded: false, responses: [{ range: { kvs: [kv('a', 'x')], more: false, header: hdr(4) } }], header: hdr(4) }));
    const r = await raftdb(['txn', '--json', ...ep], { stdin: JSON.stringify(spec) });
    expect(JSON.parse(r.stdout)).toEqual({ succeeded: false, revision: 4, responses: [{ type: 'range', kvs: [expect.objectContaining({ key: 'a', value: 'x' })], more: false }] });
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['{"compare":[{"key":"a","target":"size"}]}', /compare\[0\]\.target must be one of/],
    ['{"success":[{"put":{"key":"a"}}]}', /success\[0\]\.put\.value must be a string/],
    ['{"success":[{"put":{"key":"a","value":"b"},"get":{"key":"a"}}]}', /exactly one of/],
    ['{"then":[]}', /unknown field "then"/],
  ])('refuses a bad spec with exit 2: %s', async (text, message) => {
    const r = await raftdb(['txn', '-', ...ep], { stdin: text });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(n.calls).toHaveLength(0);
  });
});
