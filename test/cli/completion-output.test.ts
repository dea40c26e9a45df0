// `completion bash|zsh` checked by bash itself, the -w renderers, and the quorum diagnosis text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, diagnosisText } from '../../src/client/diagnose.js';
import { RaftdbError } from '../../src/client/errors.js';
import { renderFields, renderTable, sniffFormat } from '../../src/cli/output.js';
import { raftdb } from './harness.js';

/** Completes the words as bash would at the last one, with the script loaded. */
function complete(script: string, words: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'raftdb-compl-')), 'raftdb.bash');
  writeFileSync(file, script);
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _raftdb_complete; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return out.toString().split('\n').filter(Boolean);
}

describe('completion', () => {
  it('prints a bash script that bash accepts and that completes verbs, sub-verbs and flags', async () => {
    const r = await raftdb(['completion', 'bash']);
    expect(r.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'raftdb-compl-')), 'raftdb.bash');
    writeFileSync(file, r.stdout);
    execFileSync('bash', ['-n', file]); // throws on a syntax error
    expect(complete(r.stdout, ['raftdb', 'wa'])).toEqual(['watch']);
    expect(complete(r.stdout, ['raftdb', 'endpoint', 'he'])).toEqual(['health']);
    expect(complete(r.stdout, ['raftdb', 'get', '--endpoints', 'x', '--sort'])).toEqual(['--sort-by']);
    expect(complete(r.stdout, ['raftdb', 'dev', 'ctl', ''])).toEqual([]);
    expect(complete(r.stdout, ['raftdb', 'member', ''])).toEqual(['list', 'add', 'promote', 'remove']);
  });

  it('prints a zsh script through bashcompinit, and refuses other shells', async () => {
    const z = await raftdb(['completion', 'zsh']);
    expect(z.stdout).toMatch(/^#compdef raftdb\n.*bashcompinit/s);
    expect((await raftdb(['completion', 'fish'])).code).toBe(2);
  });
});

describe('-w renderers', () => {
  it('finds the format in the arguments before parsing', () => {
    expect(sniffFormat(['get', 'k', '--json'])).toBe('json');
    expect(sniffFormat(['get', '-w', 'table'])).toBe('table');
    expect(sniffFormat(['get', '--write-out=fields'])).toBe('fields');
    expect(sniffFormat(['get', '--', '--json'])).toBe('simple');
  });

  it('renders a list of records as a table and anything as fields', () => {
    const doc = { kvs: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }], count: 2 };
    const t = renderTable(doc);
    expect(t).toMatch(/│ KEY │ VALUE │/);
    expect(t).toMatch(/│ b\s+│ 2\s+│/);
    expect(t).toContain('count: 2\n');
    expect(renderFields(doc)).toBe('"kvs[0].key" : "a"\n"kvs[0].value" : "1"\n"kvs[1].key" : "b"\n"kvs[1].value" : "2"\n"count" : 2\n');
    expect(renderTable({ a: 1, b: { c: 'x' } })).toMatch(/│ b\.c\s+│ x\s+│/);
    // history's document has two lists: a titled table each, not FIELD | VALUE rows.
    const history = renderTable({ events: [{ term: 3, to: 'n2' }], quorumLosses: [{ durationMs: 6049 }, { durationMs: 12 }] });
    expect(history).toMatch(/^events:\n/);
    expect(history).toMatch(/│ TERM │ TO │/);
    expect(history).toMatch(/quorumLosses:\n[^]*│ DURATIONMS │/);
    expect(history).not.toContain('FIELD');
  });
});

describe('the diagnosis of a call that found no leader', () => {
  const refused = new RaftdbError(14, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7001');
  const n3 = { id: 'n3', term: 9, leader: '', voters: ['n1', 'n2', 'n3'], lastLeader: 'n2', lastLeaderTerm: 7 };

  it('says quorum lost with the reachable members and the last leader', () => {
    const d = diagnose([{ endpoint: 'a', error: refused }, { endpoint: 'b', error: refused }, { endpoint: 'c', status: n3 }]);
    expect(diagnosisText(d)).toBe('quorum lost: 1 of 3 members reachable (n3); last leader n2 at term 7');
  });

  it('says no leader (an election) when a majority answers, and names what is unreachable when nothing does', () => {
    const n1 = { ...n3, id: 'n1', lastLeader: '', lastLeaderTerm: 0 };
    expect(diagnosisText(diagnose([{ endpoint: 'a', status: n1 }, { endpoint: 'c', status: n3 }]))).toBe('no leader: 2 of 3 members reachable (n1, n3), electing at term 9; last leader n2 at term 7');
    expect(diagnosisText(diagnose([{ endpoint: '127.0.0.1:7001', error: refused }]))).toBe('no endpoint reachable: 127.0.0.1:7001 (connection refused)');
  });
});
