// withDeadline: the caller's deadline over work already under way. The work's own failure after
// the deadline must stay handled; an unhandled rejection ends a node's process (a drill saw a
// follower exit when a read-index round failed after the read's deadline had passed).
import { describe, expect, it } from 'vitest';
import { nodeTime, withDeadline } from '../../src/server/context.js';

/** A node's time on the process's timers and clocks (faked by vitest where a test says so). */
const ctx = { time: nodeTime() };

function failingLater(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('the round failed')), ms));
}

async function unhandledDuring(ms: number, fn: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn().catch(() => undefined);
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return seen;
}

describe('withDeadline', () => {
  it('answers DEADLINE_EXCEEDED at once for a deadline already past, and the work failing later stays handled', async () => {
    const seen = await unhandledDuring(50, async () => {
      await expect(withDeadline(ctx, failingLater(10), new Date(Date.now() - 1), 'read')).rejects.toThrow(/read: deadline exceeded/);
    });
    expect(seen).toEqual([]);
  });

  it('answers DEADLINE_EXCEEDED when the deadline passes first, and the work failing later stays handled', async () => {
    const seen = await unhandledDuring(80, async () => {
      await expect(withDeadline(ctx, failingLater(40), new Date(Date.now() + 10), 'read')).rejects.toThrow(/deadline exceeded; the outcome is unknown/);
    });
    expect(seen).toEqual([]);
  });

  it("passes the work's own result and failure through before the deadline", async () => {
    await expect(withDeadline(ctx, Promise.resolve(7), new Date(Date.now() + 1000), 'x')).resolves.toBe(7);
    await expect(withDeadline(ctx, failingLater(5), new Date(Date.now() + 1000), 'x')).rejects.toThrow('the round failed');
  });
});
