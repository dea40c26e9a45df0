// The leader's snapshot bookkeeping: the log index it holds for each follower being sent a
// snapshot, and the guard that refuses a second full transfer to a follower still installing the
// one it acknowledged (the livelock src/node/snapshot-sends.ts describes: a core that gave up on a
// long transfer probes the follower's empty log and asks for another snapshot, again and again).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SnapshotBeingInstalledError, SnapshotSends } from '../../src/node/snapshot-sends.js';

const GRACE_MS = 1_000;

describe('SnapshotSends', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds the core index until the stream opens, then the index of the state it carries', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    expect(s.held().get('n2')).toBe(100);
    s.opened('n2', 140);
    expect(s.held().get('n2')).toBe(140);
  });

  it('streaming(): the streams under way, not those acknowledged and awaiting an answer (the pacer watches their log)', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.begin('n3', 100, 0);
    s.opened('n3', 150);
    expect([...s.streaming()].sort()).toEqual([140, 150]);
    s.ended('n2', true);
    expect(s.held().get('n2')).toBe(140);
    expect([...s.streaming()]).toEqual([150]);
    s.ended('n3', false);
    expect([...s.streaming()]).toEqual([]);
  });

  it('a transfer that ended before its stream opened holds nothing afterwards', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    expect(s.ended('n2', false)).toBe(false);
    s.opened('n2', 140);
    expect(s.held().has('n2')).toBe(false);
  });

  it('a failed transfer releases its hold and asks for the failure to be reported', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    expect(s.ended('n2', false)).toBe(false);
    expect(s.held().has('n2')).toBe(false);
    // And a new transfer may start at once: nothing was acknowledged.
    expect(() => s.begin('n2', 150, 0)).not.toThrow();
  });

  it('refuses a second snapshot to a follower that acknowledged one and has not answered', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    expect(s.ended('n2', true)).toBe(true);
    // The core gave up waiting and asks again while the follower's match is still 0.
    expect(() => s.begin('n2', 150, 0)).toThrow(SnapshotBeingInstalledError);
    expect(() => s.begin('n2', 150, 139)).toThrow(/installing the snapshot at index 140/);
    // The refusal is reported as a failure, and the hold of the snapshot being installed stays.
    expect(s.ended('n2', false)).toBe(false);
    expect(s.held().get('n2')).toBe(140);
  });

  it('lets a snapshot go again once the follower answered for the one it acknowledged', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true);
    expect(() => s.begin('n2', 300, 140)).not.toThrow();
    expect(s.held().get('n2')).toBe(300);
  });

  it('keeps the hold through the grace after an acknowledgement, then lets go of hold and guard', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true);
    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(s.held().get('n2')).toBe(140);
    expect(() => s.begin('n2', 150, 0)).toThrow(SnapshotBeingInstalledError);
    vi.advanceTimersByTime(1);
    expect(s.held().has('n2')).toBe(false);
    // A follower that never answered (it failed the install) gets a new snapshot after the grace.
    expect(() => s.begin('n2', 150, 0)).not.toThrow();
  });

  it("an old acknowledgement's grace does not release a newer transfer's hold", () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true);
    vi.advanceTimersByTime(GRACE_MS / 2);
    s.begin('n2', 300, 140);
    s.opened('n2', 320);
    vi.advanceTimersByTime(GRACE_MS);
    expect(s.held().get('n2')).toBe(320);
  });

  it('keeps each follower apart', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true);
    expect(() => s.begin('n3', 150, 0)).not.toThrow();
    s.opened('n3', 160);
    expect(Object.fromEntries(s.held())).toEqual({ n2: 140, n3: 160 });
  });

  it('lets go of guard and hold at once when the follower speaks from another process', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true, 7);
    // The process that acknowledged it: still installing.
    expect(s.heardFrom('n2', 7)).toBeNull();
    expect(() => s.begin('n2', 150, 0)).toThrow(SnapshotBeingInstalledError);
    expect(s.held().get('n2')).toBe(140);
    // Another follower's restart changes nothing for n2.
    expect(s.heardFrom('n3', 8)).toBeNull();
    // A new process: it restarted before installing, so the snapshot is lost.
    expect(s.heardFrom('n2', 8)).toBe(140);
    expect(s.held().has('n2')).toBe(false);
    expect(() => s.begin('n2', 150, 0)).not.toThrow();
    expect(s.held().get('n2')).toBe(150);
    // Said once: the same process speaking again frees nothing more.
    expect(s.heardFrom('n2', 8)).toBeNull();
    expect(s.held().get('n2')).toBe(150);
  });

  it('keeps the guard for a follower that did not say which process acknowledged (a member that predates incarnations)', () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true, 0);
    expect(s.heardFrom('n2', 9)).toBeNull();
    expect(() => s.begin('n2', 150, 0)).toThrow(SnapshotBeingInstalledError);
  });

  it("a newer acknowledgement's incarnation replaces an older one", () => {
    const s = new SnapshotSends(GRACE_MS);
    s.begin('n2', 100, 0);
    s.opened('n2', 140);
    s.ended('n2', true, 7);
    s.begin('n2', 300, 140);
    s.opened('n2', 320);
    s.ended('n2', true, 8);
    expect(s.heardFrom('n2', 8)).toBeNull();
    expect(s.heardFrom('n2', 7)).toBe(320);
  });
});
