// serve's flags for the per-client limits (src/server/client-limits.ts) and the load-shedding
// bounds (src/server/load-shed.ts), each with its RAFTDB_* variable, checked with an error naming
// both. One table: a flag's name, its variable, the field it sets, its bounds and its help (with
// the default) are written once.
import type { Command } from 'commander';
import type { ClientLimits } from '../server/client-limits.js';
import type { ShedLimits } from '../server/load-shed.js';
import { intSetting } from './common.js';

/** The flags as commander hands them over (text, so that variables are checked the same way). */
export interface LimitFlags {
  maxStreamBytes?: string;
  maxStreamBytesTotal?: string;
  maxWatches?: string;
  maxWatchesPerConnection?: string;
  maxWatchesPerUser?: string;
  maxConcurrentStreams?: string;
  maxConnectionsPerAddress?: string;
  shedEventLoopDelayMs?: string;
  shedPendingProposals?: string;
  shedPendingProposalBytes?: string;
  shedApplyLagEntries?: string;
}

/** The shedding flags' properties: shed + the ShedLimits field. */
type ShedFlag = `shed${Capitalize<keyof ShedLimits>}`;

type LimitFlag = {
  /** The long flag, e.g. '--max-stream-bytes'. */
  flag: string;
  min: number;
  max: number;
  help: string;
} & (
  | { target: 'client'; field: keyof ClientLimits & keyof LimitFlags }
  | { target: 'shed'; field: keyof ShedLimits; property: ShedFlag & keyof LimitFlags }
);

const MiB = 1024 * 1024;
/** Every watch is called on every applied batch: past this, a node spends its time on them. */
const MAX_WATCHES = 16_384;

const FLAGS: readonly LimitFlag[] = [
  {
    flag: '--max-stream-bytes',
    target: 'client',
    field: 'maxStreamBytes',
    min: 64 * 1024,
    max: 1024 * MiB,
    help: 'bytes one Pipeline or Watch stream may hold for its client; a pipeline stops reading past it, a watch ends (RESOURCE_EXHAUSTED, resume revision); default 16777216',
  },
  {
    flag: '--max-stream-bytes-total',
    target: 'client',
    field: 'maxStreamBytesTotal',
    min: 1024 * 1024,
    max: 1024 * 1024 * MiB,
    help: 'bytes all Pipeline streams of this node may hold together; past it a stream that holds something waits for room (one that holds nothing runs one operation at a time); default 268435456',
  },
  { flag: '--max-watches', target: 'client', field: 'maxWatches', min: 1, max: MAX_WATCHES, help: 'watches open on this node; default 1024' },
  { flag: '--max-watches-per-connection', target: 'client', field: 'maxWatchesPerConnection', min: 1, max: MAX_WATCHES, help: 'watches one client connection may hold; default 256' },
  { flag: '--max-watches-per-user', target: 'client', field: 'maxWatchesPerUser', min: 1, max: MAX_WATCHES, help: 'watches one user may hold on this node (auth on); default 512' },
  {
    flag: '--max-concurrent-streams',
    target: 'client',
    field: 'maxConcurrentStreams',
    min: 16,
    max: 1_000_000,
    help: 'calls one connection may run at once (more: RESOURCE_EXHAUSTED; HTTP/2 advertises twice it); default 1024',
  },
  {
    flag: '--max-connections-per-address',
    target: 'client',
    field: 'maxConnectionsPerAddress',
    min: 8,
    max: 1_000_000,
    help: 'connections one client address may hold open, peers included (more: RESOURCE_EXHAUSTED, then closed); default 1024',
  },
  {
    flag: '--shed-event-loop-delay-ms',
    target: 'shed',
    field: 'eventLoopDelayMs',
    property: 'shedEventLoopDelayMs',
    min: 50,
    max: 60_000,
    help: 'new requests are answered UNAVAILABLE while the event loop runs this late (two samples in a row: one stall sheds nothing); default 1000',
  },
  {
    flag: '--shed-pending-proposals',
    target: 'shed',
    field: 'pendingProposals',
    property: 'shedPendingProposals',
    min: 1,
    max: 10_000_000,
    help: 'leader: new writes are answered UNAVAILABLE while this many proposals wait to be applied; default 16384',
  },
  {
    flag: '--shed-pending-proposal-bytes',
    target: 'shed',
    field: 'pendingProposalBytes',
    property: 'shedPendingProposalBytes',
    min: 64 * 1024,
    max: 64 * 1024 * MiB,
    help: 'leader: the same for their bytes; default 134217728',
  },
  {
    flag: '--shed-apply-lag-entries',
    target: 'shed',
    field: 'applyLagEntries',
    property: 'shedApplyLagEntries',
    min: 1,
    max: 1_000_000_000,
    help: 'new writes (leader) and local reads are answered UNAVAILABLE while this many committed entries wait to be applied; default 16384',
  },
];

/** The RAFTDB_* variable of a flag: --max-stream-bytes -> RAFTDB_MAX_STREAM_BYTES. */
function envName(flag: string): string {
  return `RAFTDB_${flag.slice(2).toUpperCase().replaceAll('-', '_')}`;
}

/** Commander's property for a flag: --max-stream-bytes -> maxStreamBytes (the table's field). */
export function flagProperty(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flags of the table, for its test: each one's property is the one commander sets. */
export const LIMIT_FLAGS: readonly { flag: string; property: string }[] = FLAGS.map((f) => ({ flag: f.flag, property: propertyOf(f) }));

function propertyOf(f: LimitFlag): keyof LimitFlags {
  return f.target === 'client' ? f.field : f.property;
}

/** Adds the limit flags to serve. */
export function addLimitOptions(cmd: Command): Command {
  for (const f of FLAGS) cmd.option(`${f.flag} <n>`, `${f.help} (${envName(f.flag)})`);
  return cmd;
}

/** The limits given by flags or RAFTDB_* variables (the flag winning); the rest keep the node's defaults. */
export function limitOptions(flags: LimitFlags, env: Record<string, string | undefined>): { clientLimits: Partial<ClientLimits>; shedding: Partial<ShedLimits> } {
  const clientLimits: Partial<ClientLimits> = {};
  const shedding: Partial<ShedLimits> = {};
  for (const f of FLAGS) {
    const text = flags[propertyOf(f)] ?? env[envName(f.flag)];
    if (text === undefined) continue;
    const n = intSetting(text, `${f.flag} (${envName(f.flag)})`, f.min, f.max);
    if (f.target === 'client') clientLimits[f.field] = n;
    else shedding[f.field] = n;
  }
  return { clientLimits, shedding };
}
