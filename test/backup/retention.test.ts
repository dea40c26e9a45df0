// Retention rules of `backup prune` (src/backup/retention.ts): keep-last, keep-daily, keep-weekly,
// their union, ISO weeks across a year boundary, and creation time (not name) as the order.
import { describe, expect, it } from 'vitest';
import { dayOf, isoWeekOf, planRetention } from '../../src/backup/retention.js';

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string): number => Date.parse(iso);
/** Backups named b0.. at the given times. */
const items = (...times: number[]): { name: string; createdAtMs: number; revision: number }[] => times.map((t, i) => ({ name: `b${i}`, createdAtMs: t, revision: i + 1 }));
const kept = (plan: ReturnType<typeof planRetention>): string[] => plan.filter((d) => d.keep).map((d) => d.item.name).sort();

describe('retention', () => {
  it('ISO weeks and UTC days', () => {
    expect(isoWeekOf(at('2026-12-06T12:00:00Z'))).toBe('2026-W49'); // a Sunday
    expect(isoWeekOf(at('2026-12-07T00:00:00Z'))).toBe('2026-W50'); // the Monday after
    expect(isoWeekOf(at('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // Friday: still 2026's last week
    expect(isoWeekOf(at('2027-01-04T12:00:00Z'))).toBe('2027-W01');
    expect(isoWeekOf(at('2024-12-30T12:00:00Z'))).toBe('2025-W01'); // Monday: already 2025's first week
    expect(dayOf(at('2026-12-06T23:59:59Z'))).toBe('2026-12-06');
  });

  it('keep-last keeps the N newest by creation time, whatever the names say', () => {
    const base = at('2026-12-01T00:00:00Z');
    const plan = planRetention(items(base + 3 * H, base + 1 * H, base + 2 * H, base), { keepLast: 2 });
    expect(kept(plan)).toEqual(['b0', 'b2']);
    expect(plan.map((d) => d.item.name)).toEqual(['b0', 'b2', 'b1', 'b3']); // newest first
  });

  it('keep-daily keeps the newest of each of the D most recent days that have a backup', () => {
    const day = (d: number, h: number): number => at('2026-12-01T00:00:00Z') + d * D + h * H;
    // Days 0 (two), 1 (three), 3 (one; day 2 has none), 4 (two).
    const plan = planRetention(items(day(0, 1), day(0, 5), day(1, 1), day(1, 9), day(1, 3), day(3, 2), day(4, 0), day(4, 23)), { keepDaily: 3 });
    // Newest of days 4, 3 and 1 (day 2 has no backup so it does not count); day 0 is too old.
    expect(kept(plan)).toEqual(['b3', 'b5', 'b7']);
    expect(plan.find((d) => d.item.name === 'b7')!.reasons).toEqual(['daily 2026-12-05']);
  });

  it('keep-weekly keeps the newest of each of the W most recent ISO weeks with a backup, across a year boundary', () => {
    const plan = planRetention(
      items(at('2026-12-21T10:00:00Z'), at('2026-12-27T10:00:00Z'), at('2026-12-30T10:00:00Z'), at('2027-01-02T10:00:00Z'), at('2027-01-04T10:00:00Z'), at('2027-01-05T10:00:00Z')),
      { keepWeekly: 3 },
    );
    // Weeks: 2027-W01 {b4, b5} -> b5; 2026-W53 {b2, b3} -> b3; 2026-W52 {b1} -> b1; 2026-W52 is the third.
    expect(kept(plan)).toEqual(['b1', 'b3', 'b5']);
  });

  it('rules add up: a backup any rule keeps is kept, and reasons say which', () => {
    const base = at('2026-12-01T12:00:00Z');
    const plan = planRetention(items(base, base + D, base + 2 * D, base + 9 * D, base + 9 * D + H), { keepLast: 2, keepDaily: 2, keepWeekly: 3 });
    // last: b4, b3; daily: b4 (Dec 10), b2 (Dec 3); weekly: b4 (W50), b2 (W49); nothing older has a week of its own.
    expect(kept(plan)).toEqual(['b2', 'b3', 'b4']);
    expect(plan.find((d) => d.item.name === 'b4')!.reasons).toEqual(['last 1', 'daily 2026-12-10', 'weekly 2026-W50']);
    expect(plan.find((d) => d.item.name === 'b3')!.reasons).toEqual(['last 2']);
    expect(plan.find((d) => d.item.name === 'b2')!.reasons).toEqual(['daily 2026-12-03', 'weekly 2026-W49']);
    expect(planRetention(items(base, base + D), {}).every((d) => !d.keep)).toBe(true);
  });
});
