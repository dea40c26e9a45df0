// `raftdb check hash`: HashKV on every member at one revision, and which members disagree.
import type { Command } from 'commander';
import type { HashKvResult, RaftdbClient } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, nonNegativeInt, printJson, textTable, withClient, withCommonOptions } from './common.js';

/** One member's answer, or why there is none. */
export interface MemberHash {
  endpoint: string;
  id: string;
  hash?: HashKvResult;
  error?: string;
}

/** The verdict of a hash check: the revision, each member, and the members that differ. */
export interface HashCheck {
  revision: number;
  members: MemberHash[];
  /** The hash most members agree on (null when none answered). */
  majorityHash: string | null;
  /** Members whose hash is not the majority's. */
  mismatched: string[];
  /** Members that could not be asked or could not hash the revision. */
  unchecked: string[];
}

/**
 * Asks every endpoint for HashKV at `revision`, or, when 0, at the lowest current revision among
 * the members that answer Status (every member can then hash it, the others from their history).
 */
export async function checkHash(client: RaftdbClient, revision: number, timeoutMs: number): Promise<HashCheck> {
  const statuses = await client.cluster.statusAll({ timeoutMs: Math.min(timeoutMs, 5000) });
  const up = statuses.flatMap((s) => (s.status ? [s.status] : []));
  if (up.length === 0) throw new CliFailure('no member answered Status');
  const at = revision > 0 ? revision : Math.min(...up.map((s) => s.revision));
  const members: MemberHash[] = await Promise.all(
    statuses.map(async (s): Promise<MemberHash> => {
      const id = s.status?.id ?? s.endpoint;
      if (!s.status) return { endpoint: s.endpoint, id, error: s.error.details };
      try {
        return { endpoint: s.endpoint, id, hash: await client.maintenance.hashKv({ revision: at }, { endpoint: s.endpoint, timeoutMs }) };
      } catch (err) {
        return { endpoint: s.endpoint, id, error: (err as { details?: string }).details ?? (err as Error).message };
      }
    }),
  );
  const counts = new Map<string, number>();
  for (const m of members) if (m.hash) counts.set(m.hash.hash, (counts.get(m.hash.hash) ?? 0) + 1);
  const majorityHash = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return {
    revision: at,
    members,
    majorityHash,
    mismatched: members.filter((m) => m.hash && m.hash.hash !== majorityHash).map((m) => m.id),
    unchecked: members.filter((m) => !m.hash).map((m) => m.id),
  };
}

/** Registers check hash. */
export function registerCheckCommands(program: Command, io: CliIo): void {
  const check = program.command('check').description('consistency checks across members');
  withCommonOptions(check.command('hash').description('HashKV on every member at one revision; exit 1 if any differs or cannot be checked'), io, 60_000)
    .option('--revision <n>', 'the revision to compare at (default: the lowest current revision among the members)', nonNegativeInt, 0)
    .action(async (opts: CommonOptions & { revision: number }) => {
      const r = await withClient(opts, (client) => checkHash(client, opts.revision, opts.timeout));
      const failed = r.mismatched.length > 0 || r.unchecked.length > 0;
      // With --json a failure prints one document: the report with its `error` (error-json.ts).
      if (!opts.json) io.out(hashText(r));
      else if (!failed) printJson(io, r);
      if (r.mismatched.length > 0) {
        const agree = r.members.filter((m) => m.hash?.hash === r.majorityHash).map((m) => m.id);
        throw new CliFailure(`HashKV mismatch at revision ${r.revision}: ${r.mismatched.join(', ')} differ from ${agree.join(', ')}`, 'HASH_MISMATCH', { ...r });
      }
      if (r.unchecked.length > 0) throw new CliFailure(`could not check ${r.unchecked.join(', ')} at revision ${r.revision}`, 'UNCHECKED', { ...r });
    });
}

function hashText(r: HashCheck): string {
  const t = textTable(['MEMBER', 'ENDPOINT', 'REVISION', 'KEYS', 'HASHKV', '']);
  for (const m of r.members) {
    if (m.hash) t.push([m.id, m.endpoint, m.hash.revision, m.hash.keyCount, m.hash.hash, m.hash.hash === r.majorityHash ? 'ok' : 'MISMATCH']);
    else t.push([m.id, m.endpoint, '', '', '', `not checked: ${m.error}`]);
  }
  const verdict = r.mismatched.length === 0 && r.unchecked.length === 0 ? `all ${r.members.length} members agree at revision ${r.revision}\n` : '';
  return `${t.toString()}\n${verdict}`;
}
