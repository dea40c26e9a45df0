// The Prometheus rules and the Grafana dashboard under deploy/ must parse and must only use
// metrics (and labels) this module really exports; promtool, when installed, checks syntax and
// runs the rules' unit tests (CI installs it: apt-get install -y prometheus). The compose files
// must run TLS on every port: their environment goes through serve's real option parser, and the
// files it names are made by the certs service's own `certs init` command and checked as a node
// would read them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { serveOptions } from '../../src/cli/node.js';
import { COMMIT_MODE_NAMES, ROLE_NAMES } from '../../src/common/vocabulary.js';
import { NodeMetrics } from '../../src/metrics/index.js';
import { certificateNames, readCaBundle, readIdentity } from '../../src/tls/index.js';
import { initCertificates } from '../../src/tls/generate.js';
import { parseExposition, snapshot } from './fixtures.js';
import { parseYaml, type Yaml } from './yaml-subset.js';

const PROM = 'deploy/prometheus';
const PROMTOOL = spawnSync('promtool', ['--version']).status === 0;
/** Series Prometheus itself adds to every scrape. */
const SCRAPE_SERIES = new Map([['up', new Set<string>()]]);
const SCRAPE_LABELS = ['job', 'instance'];

/** The exposition of a node that has recorded one of everything. */
async function exportedText(): Promise<string> {
  const m = new NodeMetrics({ nodeId: 'n1', snapshot: () => snapshot(), sampleIntervalMs: 0 });
  m.recordSoftState({ role: 'leader', term: 1, leader: 'n1' });
  m.recordAppendError('n2');
  m.observeFsync(0.001);
  m.observeProposeToCommit('sync', 0.01);
  m.observeRequest('Put', 'OK', 0.01);
  m.recordFailoverEvent('election', 'ok');
  m.observeSwitchoverUnavailability(0.1);
  m.recordAuthFailure('bad_token');
  m.recordSessionsRefused(1);
  m.recordStreamPaused('pipeline');
  m.recordLimitRefused('watches_per_connection');
  m.recordShed('event_loop');
  m.recordQuorumLoss('check-quorum', 4.2);
  m.forward.recordForward('Put');
  m.forward.recordForwardRefused('full');
  m.forward.observeBatch(3);
  m.forward.observeReadRound(2);
  m.forward.recordFollowerReadRefused();
  m.snapshotSend.observeChunk('n4', 1024 * 1024, 12);
  const text = await m.render();
  m.close();
  return text;
}

/** Every exported series name (histogram parts included) with the label names it carries. */
async function exported(): Promise<Map<string, Set<string>>> {
  const samples = parseExposition(await exportedText());
  const out = new Map(SCRAPE_SERIES);
  for (const s of samples) {
    const labels = out.get(s.name) ?? new Set<string>();
    for (const l of Object.keys(s.labels)) labels.add(l);
    out.set(s.name, labels);
  }
  return out;
}

/** Metric names and the label names their selectors use, found in a PromQL expression. */
function references(expr: string): { metric: string; labels: string[] }[] {
  const out: { metric: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(/\b((?:raftdb|process|nodejs)_[a-zA-Z0-9_]+|up)\b(\{[^}]*\})?/g)) {
    out.push({ metric: m[1]!, labels: [...(m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!) });
  }
  return out;
}

function checkExpressions(exprs: string[], series: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const expr of exprs) {
    const refs = references(expr);
    if (refs.length === 0) problems.push(`no known metric in: ${expr}`);
    for (const r of refs) {
      const labels = series.get(r.metric);
      if (!labels) problems.push(`unknown metric ${r.metric} in: ${expr}`);
      for (const l of r.labels) if (labels && !labels.has(l) && !SCRAPE_LABELS.includes(l)) problems.push(`${r.metric} has no label ${l}`);
    }
  }
  return problems;
}

const asMap = (y: Yaml | undefined): Record<string, Yaml> => {
  if (!y || typeof y !== 'object' || Array.isArray(y)) throw new Error(`expected a mapping, got ${JSON.stringify(y)}`);
  return y;
};
const asList = (y: Yaml | undefined): Yaml[] => {
  if (!Array.isArray(y)) throw new Error(`expected a sequence, got ${JSON.stringify(y)}`);
  return y;
};

function alertRules(): Record<string, Yaml>[] {
  const doc = asMap(parseYaml(readFileSync(join(PROM, 'alerts.yml'), 'utf8')));
  return asList(doc.groups).flatMap((g) => asList(asMap(g).rules).map(asMap));
}

interface GrafanaQueries {
  panels: { targets?: { expr: string }[] }[];
  annotations: { list: { expr?: string }[] };
  templating: { list: { definition?: string }[] };
}

/** The PromQL of every panel and annotation; with `variables`, the label_values() queries too. */
function grafanaExpressions(variables = false): string[] {
  const dash = JSON.parse(readFileSync('deploy/grafana/raftdb.json', 'utf8')) as GrafanaQueries;
  return [
    ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dash.annotations.list.flatMap((a) => (a.expr ? [a.expr] : [])),
    ...(variables ? dash.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])) : []),
  ];
}

describe('deploy/prometheus/alerts.yml', () => {
  test('parses, covers the required conditions, and every rule is complete', () => {
    const rules = alertRules();
    const names = rules.map((r) => r.alert);
    for (const required of ['RaftdbNoLeader', 'RaftdbLostQuorum', 'RaftdbReplicationLagHigh', 'RaftdbSyncDegraded', 'RaftdbFrequentLeaderChanges', 'RaftdbFsyncSlow']) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect(typeof r.expr, String(r.alert)).toBe('string');
      expect(String(r.for), String(r.alert)).toMatch(/^\d+[smh]$/);
      expect(asMap(r.labels).severity).toMatch(/^(warning|critical)$/);
      const a = asMap(r.annotations);
      expect(typeof a.summary).toBe('string');
      expect(typeof a.description).toBe('string');
    }
    // The unit tests and the scrape config parse as well.
    expect(asList(asMap(parseYaml(readFileSync(join(PROM, 'alerts.test.yml'), 'utf8'))).tests).length).toBeGreaterThanOrEqual(5);
    expect(asMap(parseYaml(readFileSync(join(PROM, 'prometheus.yml'), 'utf8'))).rule_files).toEqual(['alerts.yml']);
  });

  test('uses only exported metrics and labels', async () => {
    expect(checkExpressions(alertRules().map((r) => String(r.expr)), await exported())).toEqual([]);
  });

  test.skipIf(!PROMTOOL)('promtool: rules valid, rule unit tests pass, config valid', () => {
    const run = (...args: string[]) => execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });
    expect(run('check', 'rules', join(PROM, 'alerts.yml'))).toMatch(/SUCCESS/);
    expect(run('test', 'rules', join(PROM, 'alerts.test.yml'))).toMatch(/SUCCESS/);
    expect(run('check', 'config', join(PROM, 'prometheus.yml'))).toMatch(/SUCCESS/);
  });
});

/**
 * role= and mode= matchers whose value the exporter never produces: an alert or a panel that
 * can never match (the label values are the one vocabulary, src/common/vocabulary.ts).
 */
function labelValueProblems(texts: string[]): string[] {
  const allowed: Record<string, readonly string[]> = { role: ROLE_NAMES, mode: COMMIT_MODE_NAMES, kind: ['configured', 'effective'] };
  const problems: string[] = [];
  for (const t of texts) {
    for (const m of t.matchAll(/\b(role|mode|kind)\s*=\s*\\?"([^"\\]*)\\?"/g)) {
      if (!allowed[m[1]!]!.includes(m[2]!)) problems.push(`${m[1]}="${m[2]}" is not a value raftdb exports (${allowed[m[1]!]!.join(', ')})`);
    }
  }
  return problems;
}

describe('label values in deploy/', () => {
  test('every role and mode matcher in the alerts, their unit tests and the dashboard uses the one vocabulary', async () => {
    const samples = parseExposition(await exportedText());
    // The exporter's own values first: the vocabulary, nothing else.
    expect([...new Set(samples.filter((s) => s.name === 'raftdb_raft_role').map((s) => s.labels.role))].sort()).toEqual([...ROLE_NAMES].sort());
    expect([...new Set(samples.filter((s) => s.name === 'raftdb_commit_mode').map((s) => s.labels.mode))].sort()).toEqual([...COMMIT_MODE_NAMES].sort());
    const files = [join(PROM, 'alerts.yml'), join(PROM, 'alerts.test.yml'), 'deploy/grafana/raftdb.json'].map((f) => readFileSync(f, 'utf8'));
    expect(labelValueProblems(files)).toEqual([]);
    expect(labelValueProblems(['raftdb_raft_role{role="preCandidate"}', 'raftdb_commit_mode{mode=\\"SEMI_SYNC\\"}'])).toHaveLength(2);
  });
});

describe('deploy/grafana/raftdb.json', () => {
  test('parses, panels are complete and uniquely identified', () => {
    const dash = JSON.parse(readFileSync('deploy/grafana/raftdb.json', 'utf8')) as {
      uid: string;
      panels: { id: number; type: string; title: string; gridPos: object; targets?: { expr: string; refId: string }[] }[];
      templating: { list: { name: string }[] };
    };
    expect(dash.uid).toBe('raftdb-cluster');
    expect(dash.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'node']);
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect(p.title, String(p.id)).toBeTruthy();
      expect(p.gridPos).toBeDefined();
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  test('references only exported metrics and labels, and covers every raftdb metric', async () => {
    const series = await exported();
    const exprs = grafanaExpressions(true);
    expect(checkExpressions(exprs, series)).toEqual([]);
    const used = new Set(exprs.flatMap((e) => references(e).map((r) => r.metric.replace(/_(bucket|sum|count)$/, ''))));
    const ours = [...series.keys()].filter((n) => n.startsWith('raftdb_')).map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    expect([...new Set(ours)].filter((n) => !used.has(n))).toEqual([]);
  });

  test.skipIf(!PROMTOOL)('promtool: every panel query is valid PromQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftdb-grafana-'));
    try {
      // promtool has no query linter; recording rules are the smallest file it parses PromQL in.
      const rules = grafanaExpressions().map((e, i) => `      - record: panel_${i}\n        expr: ${JSON.stringify(e)}`);
      writeFileSync(join(dir, 'panels.yml'), `groups:\n  - name: panels\n    rules:\n${rules.join('\n')}\n`);
      expect(execFileSync('promtool', ['check', 'rules', join(dir, 'panels.yml')], { encoding: 'utf8', stdio: 'pipe' })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `${VAR:-default}` as compose resolves it with VAR unset. */
function defaults(v: string): string {
  return v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** A compose file's services, merge keys resolved. */
function composeServices(file: string): Record<string, Record<string, Yaml>> {
  const services = asMap(asMap(parseYaml(readFileSync(file, 'utf8'))).services);
  return Object.fromEntries(Object.entries(services).map(([k, v]) => [k, asMap(v)]));
}

describe.each([3, 5])('deploy/compose.%i.yml', (n) => {
  const file = `deploy/compose.${n}.yml`;
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);

  test('a one-shot certs service makes the certificates before any node starts, and keeps them after', () => {
    const services = composeServices(file);
    expect(Object.keys(services).sort()).toEqual(['certs', ...ids]);
    const certs = services.certs!;
    const command = asList(certs.command).map((c) => defaults(String(c)));
    expect(command.slice(0, 3)).toEqual(['certs', 'init', '/certs']);
    expect(command[command.indexOf('--nodes') + 1]).toBe(ids.join(','));
    expect(command).toContain('--keep-existing'); // a second `up` must not fail on the existing set
    expect(certs.restart).toBe('no');
    expect(asList(certs.volumes)).toEqual(['certs:/certs']);
    for (const id of ids) {
      const node = services[id]!;
      expect(asMap(asMap(node.depends_on).certs).condition, id).toBe('service_completed_successfully');
      expect(asList(node.volumes), id).toEqual([`${id}-data:/data`, 'certs:/certs:ro']);
      for (const p of asList(node.ports)) expect(String(p), id).toMatch(/^127\.0\.0\.1:/);
    }
  });

  test('every node serves TLS on every port with its own certificate, mutual TLS to peers, --http-auth, and an HTTPS health check', () => {
    const services = composeServices(file);
    for (const id of ids) {
      const node = services[id]!;
      const env = Object.fromEntries(Object.entries(asMap(node.environment)).map(([k, v]) => [k, defaults(String(v))]));
      const opts = serveOptions({}, env);
      expect(opts.id).toBe(id);
      expect([...opts.peers.keys()]).toEqual(ids);
      expect(opts.advertise).toBe(`${id}:7001`);
      expect(opts.tls, id).toEqual({
        client: { certFile: `/certs/${id}.crt`, keyFile: `/certs/${id}.key`, caFile: '/certs/ca.crt', clientCertAuth: false },
        peer: { certFile: `/certs/${id}.crt`, keyFile: `/certs/${id}.key`, caFile: '/certs/ca.crt' },
        http: { certFile: `/certs/${id}.crt`, keyFile: `/certs/${id}.key` },
      });
      expect(opts.httpAuth).toEqual({ metrics: false });
      expect(env.NODE_EXTRA_CA_CERTS).toBe('/certs/ca.crt'); // the health check's fetch trusts the CA
      const check = asList(asMap(node.healthcheck).test).map(String);
      expect(check.join(' ')).toContain("fetch('https://127.0.0.1:9101/readyz')");
    }
  });

  test('the files the nodes are given are the ones the certs command writes, valid, naming each node', async () => {
    const services = composeServices(file);
    const command = asList(services.certs!.command).map((c) => defaults(String(c)));
    const hosts = command[command.indexOf('--hosts') + 1]!.split(',').filter(Boolean);
    const dir = mkdtempSync(join(tmpdir(), 'raftdb-compose-certs-'));
    try {
      await initCertificates(dir, { nodes: command[command.indexOf('--nodes') + 1]!.split(','), hosts, keepExisting: true });
      const local = (p: string): string => p.replace(/^\/certs\//, `${dir}/`);
      const now = Date.now();
      for (const id of ids) {
        const env = Object.fromEntries(Object.entries(asMap(services[id]!.environment)).map(([k, v]) => [k, defaults(String(v))]));
        const tls = serveOptions({}, env).tls!;
        for (const pair of [tls.client!, tls.peer!, tls.http!]) {
          const identity = readIdentity({ certFile: local(pair.certFile), keyFile: local(pair.keyFile) }, now);
          // Peers bind a connection to a member by the certificate's names; host clients dial 127.0.0.1.
          expect(certificateNames(identity.x509), id).toContain(id);
          expect(identity.x509.subjectAltName).toContain('IP Address:127.0.0.1');
        }
        const ca = readCaBundle(local(tls.peer!.caFile), now).certs[0]!;
        expect(readIdentity({ certFile: local(tls.peer!.certFile), keyFile: local(tls.peer!.keyFile) }, now).x509.checkIssued(ca)).toBe(true);
      }
      // The client certificate README tells host clients to copy out.
      expect(readIdentity({ certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') }, now).x509.subject).toBe('CN=root');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the YAML subset reader', () => {
  expect(parseYaml('a: 1\nb:\n  - x: "q # not a comment"\n    y: [p, 2]\n  - plain # comment\nc: []\nd:\n- z\n')).toEqual({
    a: 1,
    b: [{ x: 'q # not a comment', y: ['p', 2] }, 'plain'],
    c: [],
    d: ['z'],
  });
  expect(parseYaml("s: 'it''s'\nt: true\nu: host:9101\n")).toEqual({ s: "it's", t: true, u: 'host:9101' });
  expect(() => parseYaml('a: |\n  text\n')).toThrow(/line 1/);
  // Anchors, aliases and merge keys (own keys override merged ones), and quoted commas in flow lists.
  expect(parseYaml('x: &base\n  a: 1\n  b: 2\ny:\n  <<: *base\n  b: 3\nz: *base\nw: ["p, q", r]\n')).toEqual({
    x: { a: 1, b: 2 },
    y: { a: 1, b: 3 },
    z: { a: 1, b: 2 },
    w: ['p, q', 'r'],
  });
  expect(() => parseYaml('y: *nope\n')).toThrow(/unknown alias/);
  expect(() => parseYaml('y:\n  b: 3\n  b: 4\n')).toThrow(/duplicate key b/);
  expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/duplicate key a/);
});
