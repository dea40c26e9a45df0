// The pacer that holds a Backup stream back while the node's event loop is late: it lets a message
// go at once while the loop is on time, waits while it is late and resumes as soon as it is on
// time again, never waits longer than its bound per message, never waits when turned off, and
// stops waiting when the stream is aborted.
import { describe, expect, it } from 'vitest';
import { BackupPacer } from '../../src/backup/pacer.js';
import { serveOptions } from '../../src/cli/node.js';

const pacing = (delay: { ms: number }, over: Partial<{ lateMs: number; checkMs: number; maxPauseMs: number }> = {}): BackupPacer =>
  new BackupPacer({ loopDelayMs: () => delay.ms, lateMs: 10, checkMs: 5, maxPauseMs: 60_000, ...over });

describe('BackupPacer', () => {
  it('lets a message go at once while the loop is on time', async () => {
    const p = pacing({ ms: 10 });
    for (let i = 0; i < 100; i++) await p.turn(new AbortController().signal);
    expect(p.stats).toEqual({ pauses: 0, pausedMs: 0 });
  });

  it('waits while the loop is late and goes on once it is on time again', async () => {
    const delay = { ms: 50 };
    const p = pacing(delay);
    let passed = false;
    const turn = p.turn(new AbortController().signal).then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(passed).toBe(false);
    delay.ms = 3;
    await turn;
    expect(p.stats.pauses).toBe(1);
    expect(p.stats.pausedMs).toBeGreaterThanOrEqual(250);
  });

  it('waits at most maxPauseMs per message when the loop stays late', async () => {
    const p = pacing({ ms: 500 }, { maxPauseMs: 40 });
    for (let i = 0; i < 5; i++) await p.turn(new AbortController().signal);
    expect(p.stats.pauses).toBe(5);
  });

  it('never waits with lateMs 0 (pacing off)', async () => {
    const p = pacing({ ms: 5000 }, { lateMs: 0 });
    await p.turn(new AbortController().signal);
    expect(p.stats.pauses).toBe(0);
  });

  it('stops waiting when the stream is aborted', async () => {
    const p = pacing({ ms: 500 });
    const abort = new AbortController();
    const turn = p.turn(abort.signal);
    setTimeout(() => abort.abort(new Error('cancelled')), 30);
    await expect(turn).rejects.toThrow();
    const late = new AbortController();
    late.abort(new Error('gone'));
    await expect(p.turn(late.signal)).rejects.toThrow();
  });

  it('serve --backup-yield-delay-ms sets the threshold, 0..1000', () => {
    const base = { id: 'n1', listen: '127.0.0.1:7001', dataDir: '/tmp/x' };
    expect(serveOptions(base).backupYieldDelayMs).toBeUndefined();
    expect(serveOptions({ ...base, backupYieldDelayMs: '0' }).backupYieldDelayMs).toBe(0);
    expect(serveOptions({ ...base, backupYieldDelayMs: '25' }).backupYieldDelayMs).toBe(25);
    expect(() => serveOptions({ ...base, backupYieldDelayMs: '1001' })).toThrow(/--backup-yield-delay-ms/);
  });
});
