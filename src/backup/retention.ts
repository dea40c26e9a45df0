// Which backups `backup prune` keeps: the rules of restic and borg. A backup is kept when any
// rule keeps it; every other one is removed.
// - keep-last N:   the N newest backups;
// - keep-daily D:  the newest backup of each of the D most recent UTC days that have one;
// - keep-weekly W: the newest backup of each of the W most recent ISO weeks (UTC) that have one.
// Time is the manifest's creation time (the member's clock when it took the snapshot), never a
// file's mtime, which a copy changes.

/** The retention rules; absent means 0. */
export interface RetentionRules {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
}

/** What retention needs to know of one backup. */
export interface RetainedItem {
  name: string;
  createdAtMs: number;
  revision: number;
}

/** A decision for one backup: kept (with the rules that keep it) or removed. */
export interface RetentionDecision<T extends RetainedItem> {
  item: T;
  keep: boolean;
  /** e.g. ['last 1', 'daily 2026-12-06'] */
  reasons: string[];
}

/** The UTC day of a time, as YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The ISO 8601 week of a time (UTC), as YYYY-Www (the year the week belongs to). */
export function isoWeekOf(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  // The Thursday of this week decides the year.
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Applies the rules; returns one decision per backup, newest first. */
export function planRetention<T extends RetainedItem>(items: readonly T[], rules: RetentionRules): RetentionDecision<T>[] {
  const sorted = [...items].sort((a, b) => b.createdAtMs - a.createdAtMs || b.revision - a.revision || (a.name < b.name ? 1 : -1));
  const decisions = sorted.map((item) => ({ item, keep: false, reasons: [] as string[] }));
  decisions.slice(0, rules.keepLast ?? 0).forEach((d, i) => d.reasons.push(`last ${i + 1}`));
  keepNewestPer(decisions, rules.keepDaily ?? 0, (ms) => dayOf(ms), 'daily');
  keepNewestPer(decisions, rules.keepWeekly ?? 0, (ms) => isoWeekOf(ms), 'weekly');
  for (const d of decisions) d.keep = d.reasons.length > 0;
  return decisions;
}

/** Keeps the newest backup of each of the `count` most recent periods that have one. */
function keepNewestPer<T extends RetainedItem>(decisions: RetentionDecision<T>[], count: number, period: (ms: number) => string, name: string): void {
  const seen = new Set<string>();
  for (const d of decisions) {
    if (seen.size >= count) return;
    const p = period(d.item.createdAtMs);
    if (seen.has(p)) continue;
    seen.add(p);
    d.reasons.push(`${name} ${p}`);
  }
}
