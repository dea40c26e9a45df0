import type { MemberStatus, StatusView } from './types.js';

/** How `renderTop` draws. */
export interface TopOptions {
  /** Characters of the widest lag bar. */
  barWidth?: number;
  /** ANSI colours (pass process.stdout.isTTY). */
  color?: boolean;
}

/** Bars are scaled to the worst lag, but never finer than this, so a lag of 3 looks small. */
const MIN_SCALE_ENTRIES = 100;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const ANSI = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;

/** The `raftdb top` screen for one round of Status answers (pure: no clock, no I/O). */
export function renderTop(members: readonly MemberStatus[], opts: TopOptions = {}): string {
  const width = opts.barWidth ?? 24;
  const paint = (code: keyof typeof ANSI, text: string): string => (opts.color ? ANSI[code] + text + ANSI.reset : text);
  const leaders = members.filter((m) => m.status?.role === 'leader').map((m) => m.status!);
  const leader = leaders.sort((a, b) => b.term - a.term)[0] ?? null;
  const lagOf = new Map((leader?.followers ?? []).map((f) => [f.id, f]));
  const scale = Math.max(MIN_SCALE_ENTRIES, ...[...lagOf.values()].map((f) => f.lagEntries));

  const lines: string[] = [summary(leader, members, paint)];
  for (const m of members) for (const a of m.status?.alarms ?? []) lines.push(paint('red', `ALARM ${m.id}: ${a}`));
  if (leaders.length > 1) lines.push(paint('red', `ALARM ${leaders.length} nodes claim leadership: ${leaders.map((l) => `${l.id}@${l.term}`).join(', ')}`));

  const header = ['NODE', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LAG', 'REPLICATION', 'CONTACT', 'MODE'];
  const rows: { cells: string[]; colour: keyof typeof ANSI | null }[] = members.map((m) => row(m, leader, lagOf.get(m.id), scale, width));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const RIGHT = new Set([2, 3, 4, 5]);
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (RIGHT.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  lines.push(paint('bold', fmt(header)));
  for (const r of rows) lines.push(r.colour ? paint(r.colour, fmt(r.cells)) : fmt(r.cells));
  return lines.join('\n') + '\n';
}

/** The first line; without a leader in the CLI's one wording for it (src/client/diagnose.ts). */
function summary(leader: StatusView | null, members: readonly MemberStatus[], paint: (c: keyof typeof ANSI, t: string) => string): string {
  if (!leader) {
    const up = members.filter((m) => m.status !== null).map((m) => m.id);
    return paint('red', `quorum lost: no leader; ${up.length} of ${members.length} members reachable (${up.join(', ') || 'none'})`);
  }
  const mode = leader.effectiveCommitMode && leader.effectiveCommitMode !== leader.commitMode
    ? `${leader.commitMode} (effective ${leader.effectiveCommitMode})`
    : (leader.commitMode ?? '?');
  const quorum = leader.hasQuorum ? 'yes' : paint('red', 'lost');
  return `leader ${leader.id}  term ${leader.term}  mode ${mode}  quorum ${quorum}`;
}

function row(
  m: MemberStatus,
  leader: StatusView | null,
  progress: StatusView['followers'][number] | undefined,
  scale: number,
  width: number,
): { cells: string[]; colour: keyof typeof ANSI | null } {
  const s = m.status;
  // One short cell says it all: "unreachable (connection refused)".
  if (!s) return { cells: [m.id, `unreachable (${m.error ?? 'no answer'})`, '-', '-', '-', '-', '', '-', '-'], colour: 'red' };
  const isLeader = s.role === 'leader' && s.id === leader?.id;
  const lag = isLeader ? 0 : progress?.lagEntries;
  const contact = isLeader ? '-' : progress?.lastContactMs === undefined ? '?' : `${progress.lastContactMs} ms`;
  const mode = s.effectiveCommitMode && s.effectiveCommitMode !== s.commitMode ? `${s.commitMode}->${s.effectiveCommitMode}` : (s.commitMode ?? '');
  const cells = [
    isLeader ? `${s.id} *` : s.id,
    s.role,
    String(s.term),
    String(s.commitIndex),
    String(s.appliedIndex),
    lag === undefined ? '?' : String(lag),
    lag === undefined ? '' : bar(lag, scale, width),
    contact,
    mode,
  ];
  const colour = isLeader ? 'green' : lag !== undefined && lag > scale / 2 && lag > MIN_SCALE_ENTRIES ? 'yellow' : null;
  return { cells, colour };
}

/** A bar of `value / scale` of `width` cells, in eighths of a cell; at least a sliver when non-zero. */
export function bar(value: number, scale: number, width: number): string {
  if (value <= 0 || scale <= 0) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, scale) / scale) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}
