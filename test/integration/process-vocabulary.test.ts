// One vocabulary (issue 19 item 6): on a real cluster of processes with a learner, every surface
// a person reads spells commit modes and roles one way (src/common/vocabulary.ts): the CLI's
// JSON of status, mode get and history, /api/status, the /metrics label values and the
// dashboard as the browser renders it. The proto enum names (SEMI_SYNC) stay on the wire.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient } from '../../src/client/index.js';
import { COMMIT_MODE_NAMES, ROLE_NAMES } from '../../src/common/vocabulary.js';
import { raftdb } from '../cli/harness.js';
import { parseExposition } from '../metrics/fixtures.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const CHROMIUM = process.env.RAFTDB_CHROMIUM ?? '/usr/bin/chromium';
const MODES: readonly string[] = ['default', ...COMMIT_MODE_NAMES];
const ROLES: readonly string[] = [...ROLE_NAMES, 'unreachable'];
/** Any other spelling of a mode or a role, as a whole word (proto enums, the core's camelCase, upper case). */
const FOREIGN = /\b(SEMI_SYNC|SYNC|ASYNC|DEFAULT|semi_sync|preCandidate|PreCandidate|LEADER|FOLLOWER|CANDIDATE|LEARNER|Leader|Follower|Learner)\b/;

/** Every mode and role a JSON document carries, and where: keys named for them, and ackedWritesByMode's keys. */
function vocabularyIn(doc: unknown, path = '$'): { path: string; kind: 'mode' | 'role'; value: string }[] {
  const out: { path: string; kind: 'mode' | 'role'; value: string }[] = [];
  if (Array.isArray(doc)) doc.forEach((d, i) => out.push(...vocabularyIn(d, `${path}[${i}]`)));
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const p = `${path}.${k}`;
      if (k === 'role' && typeof v === 'string') out.push({ path: p, kind: 'role', value: v });
      if (/^(commitMode|effectiveCommitMode|configured|effective|mode)$/.test(k) && typeof v === 'string') out.push({ path: p, kind: 'mode', value: v });
      if (k === 'ackedWritesByMode' && v && typeof v === 'object') for (const m of Object.keys(v)) out.push({ path: `${p}{key}`, kind: 'mode', value: m });
      out.push(...vocabularyIn(v, p));
    }
  }
  return out;
}

/** What in `doc` is not spelled from the one vocabulary. */
function misspelled(doc: unknown): string[] {
  const bad = vocabularyIn(doc)
    .filter((x) => !(x.kind === 'mode' ? MODES : ROLES).includes(x.value))
    .map((x) => `${x.path} = ${JSON.stringify(x.value)}`);
  const foreign = FOREIGN.exec(JSON.stringify(doc));
  if (foreign) bad.push(`foreign spelling ${foreign[0]} in ${JSON.stringify(doc).slice(Math.max(0, foreign.index - 80), foreign.index + 40)}`);
  return bad;
}

describe('one vocabulary on every surface (3 voters and a learner, processes)', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  let endpoints: string;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, nodeArgs: (id, dir) => ['--audit-log', join(dir, `${id}.audit.jsonl`)] });
    client = cluster.client();
    const n4 = await cluster.addNode('n4', { join: true });
    await client.cluster.memberAdd({ id: 'n4', address: n4.address, learner: true });
    // One write per mode, so that every per-mode counter has a key to spell.
    for (const mode of COMMIT_MODE_NAMES) await client.put(`vocab/${mode}`, 'v', { commitMode: mode });
    endpoints = [...cluster.nodes.values()].map((n) => n.address).join(',');
    // An audited admin change that names a mode.
    expect((await raftdb(['mode', 'set', 'semi-sync', '--endpoints', endpoints])).code).toBe(0);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  test('the checker catches the proto and core spellings', () => {
    expect(misspelled({ role: 'preCandidate' })).toHaveLength(2);
    expect(misspelled({ status: { commitMode: 'SEMI_SYNC' } })).toHaveLength(2);
    expect(misspelled({ ackedWritesByMode: { SYNC: 1 } })).toHaveLength(2);
    expect(misspelled({ role: 'learner', commitMode: 'semi-sync', ackedWritesByMode: { async: 1 } })).toEqual([]);
  });

  test('CLI JSON: status, mode get, history', async () => {
    const status = await raftdb(['status', '-w', 'json', '--endpoints', endpoints]);
    expect(status.stderr).toBe('');
    const doc = JSON.parse(status.stdout) as { members: { id: string; role: string; status: { ackedWritesByMode: Record<string, number> } | null }[] };
    expect(misspelled(doc)).toEqual([]);
    expect(doc.members.find((m) => m.id === 'n4')?.role).toBe('learner');
    const leader = doc.members.find((m) => m.role === 'leader')!;
    expect(Object.keys(leader.status!.ackedWritesByMode).sort()).toEqual([...COMMIT_MODE_NAMES].sort());

    const mode = await raftdb(['mode', 'get', '-w', 'json', '--endpoints', endpoints]);
    expect(mode.code).toBe(0);
    expect(misspelled(JSON.parse(mode.stdout))).toEqual([]);
    expect(JSON.parse(mode.stdout)).toMatchObject({ configured: 'semi-sync', effective: 'semi-sync' });

    const history = await raftdb(['history', '-w', 'json', '--endpoints', endpoints]);
    expect(history.code).toBe(0);
    expect(misspelled(JSON.parse(history.stdout))).toEqual([]);
  });

  test('log lines and the audit log', async () => {
    const c = cluster!;
    let audited = 0;
    for (const n of c.nodes.values()) {
      const lines = [n.logFile, join(c.dir, `${n.id}.audit.jsonl`)].filter((f) => existsSync(f)).flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
      const docs = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(docs.length).toBeGreaterThan(0);
      for (const d of docs) expect(misspelled(d), `${n.id}: ${JSON.stringify(d).slice(0, 200)}`).toEqual([]);
      audited += docs.filter((d) => d.method === 'SetCommitMode' && d.subject === 'semi-sync').length;
      // Every role change was logged in the one vocabulary.
      expect(docs.filter((d) => d.msg === 'raft state changed').length).toBeGreaterThan(0);
    }
    expect(audited).toBe(1);
  });

  test('/api/status and /metrics', async () => {
    const leader = await cluster!.leader();
    const http = cluster!.nodes.get(leader.id)!.http;
    const api = (await (await fetch(`http://${http}/api/status`)).json()) as { id: string; status: { role: string; commitMode: string; ackedWritesByMode: Record<string, number> } | null }[];
    expect(misspelled(api)).toEqual([]);
    expect(api.find((m) => m.id === 'n4')?.status?.role).toBe('learner');
    expect(api.find((m) => m.id === leader.id)?.status).toMatchObject({ role: 'leader', commitMode: 'semi-sync' });
    expect(Object.keys(api.find((m) => m.id === leader.id)!.status!.ackedWritesByMode).sort()).toEqual([...COMMIT_MODE_NAMES].sort());

    for (const id of [leader.id, 'n4']) {
      const samples = parseExposition(await (await fetch(`http://${cluster!.nodes.get(id)!.http}/metrics`)).text());
      const values = (label: string) => [...new Set(samples.filter((s) => s.name.startsWith('raftdb_') && s.labels[label] !== undefined).map((s) => s.labels[label]!))];
      expect(values('role').filter((r) => !ROLE_NAMES.includes(r as never))).toEqual([]);
      expect(values('mode').filter((m) => !COMMIT_MODE_NAMES.includes(m as never))).toEqual([]);
      const held = samples.find((s) => s.name === 'raftdb_raft_role' && s.value === 1)?.labels.role;
      expect(held).toBe(id === 'n4' ? 'learner' : 'leader');
    }
    const leaderSamples = parseExposition(await (await fetch(`http://${http}/metrics`)).text());
    const proposeModes = new Set(leaderSamples.filter((s) => s.name === 'raftdb_propose_to_commit_seconds_count').map((s) => s.labels.mode));
    expect([...proposeModes].sort()).toEqual([...COMMIT_MODE_NAMES].sort());
  });

  test.skipIf(!existsSync(CHROMIUM))('the dashboard as the browser renders it', async () => {
    const leader = await cluster!.leader();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://${cluster!.nodes.get(leader.id)!.http}/`);
      await page.locator('#nodes .node').nth(3).waitFor();
      const roles = await page.locator('#nodes .node').evaluateAll((els) => els.map((e) => [e.getAttribute('data-node-id'), e.getAttribute('data-role'), e.querySelector('.badge')?.textContent]));
      expect(roles.map((r) => r[1]).sort()).toEqual(['follower', 'follower', 'leader', 'learner']);
      for (const [, attr, badge] of roles) expect(badge).toBe(attr);
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).toContain('mode semi-sync');
      expect(FOREIGN.exec(text)?.[0]).toBeUndefined();
    } finally {
      await browser.close();
    }
  });
});
