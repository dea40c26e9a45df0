// The stamps of request ids (src/server/session-clock.ts) count on the monotonic clock from the
// newest applied stamp: a wall clock that jumps moves them neither ahead nor back.
import { describe, expect, test } from 'vitest';
import { SessionClock } from '../../src/server/session-clock.js';

describe('SessionClock', () => {
  test('starts from the wall clock on an empty table, then counts monotonic time whatever the wall clock does', () => {
    let mono = 1_000;
    let wall = 1_700_000_000_000;
    const c = new SessionClock(() => 0, () => mono, () => wall);
    expect(c.nowMs()).toBe(1_700_000_000_000);
    mono += 250;
    wall += 3_600_000; // an hour ahead
    expect(c.nowMs()).toBe(1_700_000_000_250);
    mono += 250;
    wall -= 7_200_000; // an hour behind
    expect(c.nowMs()).toBe(1_700_000_000_500);
  });

  test('stamps are whole milliseconds (the log takes integers), though the monotonic clock has fractions', () => {
    let mono = 0.25;
    const c = new SessionClock(() => 5_000, () => mono, () => 0);
    for (let i = 0; i < 20; i++) {
      mono += 0.37;
      expect(Number.isInteger(c.nowMs())).toBe(true);
    }
    expect(c.nowMs()).toBe(5_007);
  });

  test("continues from the newest applied stamp, and follows another leader's stamps when they run ahead", () => {
    let mono = 0;
    let applied = 5_000;
    const c = new SessionClock(() => applied, () => mono, () => 9_999_999);
    expect(c.nowMs()).toBe(5_000);
    mono += 100;
    expect(c.nowMs()).toBe(5_100);
    applied = 8_000; // a stamp of another leader, ahead of this node's count
    expect(c.nowMs()).toBe(8_000);
    mono += 10;
    expect(c.nowMs()).toBe(8_010);
  });
});
