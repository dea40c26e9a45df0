// `raftdb endpoint status|health [--cluster]`: etcdctl's per-endpoint checks. The endpoints are
// --endpoints, or with --cluster every member MemberList names (so a member added later is
// checked without a new --endpoints). Exit 1 when any endpoint is unhealthy or quorum is lost.
import type { Command } from 'commander';
import { connect, leaderOf, type NodeStatus, type RaftdbError } from '../client/index.js';
import { shortReason } from '../client/diagnose.js';
import { toRaftdbError } from '../client/errors.js';
import { type CliIo, CliFailure, type CommonOptions, clientTls, parseEndpoints, printJson, textTable, withClient, withCommonOptions } from './common.js';
import { mib } from './alarm.js';

interface EndpointFlags extends CommonOptions {
  cluster: boolean;
}

/** The endpoints to check: --endpoints, or every member's address with --cluster. */
async function targets(opts: EndpointFlags): Promise<string[]> {
  const given = parseEndpoints(opts.endpoints);
  if (!opts.cluster) return given;
  const r = await withClient(opts, (c) => c.cluster.memberList().catch(() => c.cluster.memberList({ consistency: 'serializable' })));
  const addresses = r.members.map((m) => m.address).filter((a) => a.length > 0);
  return addresses.length > 0 ? addresses : given;
}

/** A client for exactly one endpoint: no rotation, so the answer is that node's. */
async function atEndpoint<T>(opts: CommonOptions, endpoint: string, fn: (c: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const tls = clientTls(opts);
  const c = connect({ endpoints: [endpoint], timeoutMs: opts.timeout, retry: { maxAttempts: 1 }, explainFailures: false, ...(tls ? { tls } : {}), ...(opts.auth ? { auth: opts.auth } : {}) });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/**
 * One endpoint's health, as etcdctl checks it: a linearizable read through it (which needs a
 * leader with a quorum). A refused permission still proves the read went through consensus.
 */
async function health(opts: CommonOptions, endpoint: string): Promise<{ endpoint: string; health: boolean; tookMs: number; error?: string }> {
  const t0 = performance.now();
  try {
    await atEndpoint(opts, endpoint, (c) => c.get('health', { consistency: 'linearizable' }));
    return { endpoint, health: true, tookMs: Math.round(performance.now() - t0) };
  } catch (e) {
    const err = toRaftdbError(e);
    const tookMs = Math.round(performance.now() - t0);
    if (err.code === 'PERMISSION_DENIED') return { endpoint, health: true, tookMs };
    return { endpoint, health: false, tookMs, error: `${shortReason(err)}: ${err.details}` };
  }
}

/** Registers endpoint status|health. */
export function registerEndpointCommands(program: Command, io: CliIo): void {
  const endpoint = program.command('endpoint').description('check each endpoint: its status, or its health (a read through consensus)');
  withCommonOptions(endpoint.command('health').description('is each endpoint able to serve a linearizable read? exit 1 if any is not'), io)
    .option('--cluster', 'check every member (from MemberList) instead of --endpoints', false)
    .action(async (opts: EndpointFlags) => {
      const rows = await Promise.all((await targets(opts)).map((e) => health(opts, e)));
      for (const r of rows) {
        if (opts.json) continue;
        io.out(r.health ? `${r.endpoint} is healthy: a linearizable read took ${r.tookMs} ms\n` : `${r.endpoint} is unhealthy: ${r.error}\n`);
      }
      if (opts.json) printJson(io, rows);
      const bad = rows.filter((r) => !r.health);
      if (bad.length > 0) throw new CliFailure(`unhealthy: ${bad.map((r) => r.endpoint).join(', ')}`, 'UNHEALTHY');
    });

  withCommonOptions(endpoint.command('status').description("each endpoint's id, version, size, leader, term and indexes; exit 1 if any does not answer or quorum is lost"), io)
    .option('--cluster', 'every member (from MemberList) instead of --endpoints', false)
    .action(async (opts: EndpointFlags) => {
      const list = await targets(opts);
      const rows = await Promise.all(
        list.map((e) =>
          atEndpoint(opts, e, (c) => c.cluster.status({ endpoint: e })).then(
            (status): { endpoint: string; status?: NodeStatus; error?: RaftdbError } => ({ endpoint: e, status }),
            (err: unknown): { endpoint: string; status?: NodeStatus; error?: RaftdbError } => ({ endpoint: e, error: toRaftdbError(err) }),
          ),
        ),
      );
      const leader = leaderOf(rows.flatMap((r) => (r.status ? [r.status] : [])));
      if (opts.json) printJson(io, rows.map((r) => (r.status ? { endpoint: r.endpoint, ...statusFields(r.status, leader) } : { endpoint: r.endpoint, error: shortReason(r.error!), details: r.error!.details })));
      else {
        const t = textTable(['ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX', 'APPLIED INDEX', 'ERRORS']);
        for (const r of rows) {
          if (!r.status) t.push([r.endpoint, '', '', '', '', '', '', '', '', `unreachable (${shortReason(r.error!)})`]);
          else {
            const f = statusFields(r.status, leader);
            t.push([r.endpoint, f.id, f.version, mib(f.dbSizeBytes), f.isLeader, f.isLearner, f.raftTerm, f.raftIndex, f.appliedIndex, f.errors.join(', ')]);
          }
        }
        io.out(`${t.toString()}\n`);
      }
      const down = rows.filter((r) => !r.status);
      if (!leader || !leader.hasQuorum) throw new CliFailure('quorum lost: no leader with a quorum among the endpoints', 'QUORUM_LOST');
      if (down.length > 0) throw new CliFailure(`unreachable: ${down.map((r) => r.endpoint).join(', ')}`, 'UNREACHABLE');
    });
}

function statusFields(s: NodeStatus, leader: NodeStatus | undefined): {
  id: string; version: string; dbSizeBytes: number; isLeader: boolean; isLearner: boolean; raftTerm: number; raftIndex: number; appliedIndex: number; errors: string[];
} {
  return {
    id: s.id,
    version: s.version,
    dbSizeBytes: s.backendBytes,
    isLeader: leader !== undefined && s.id === leader.id,
    isLearner: s.learners.includes(s.id),
    raftTerm: s.term,
    raftIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    errors: s.alarms,
  };
}
