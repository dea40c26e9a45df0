// Proposal waiters across a step-down: committed entries are still answered, the rest fail.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { ProposalTracker } from '../../src/server/proposals.js';
import type { ApplyResult } from '../../src/state/index.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 0, data: new Uint8Array() });
const result = { type: 'skipped' } as unknown as ApplyResult;

describe('ProposalTracker', () => {
  it('on leadership loss fails only the waiters of entries after the commit index', async () => {
    const t = new ProposalTracker();
    const [w5, w6, w7] = [t.wait(5, 2), t.wait(6, 2), t.wait(7, 2)];
    t.failUncommitted(6, 'leadership lost');
    await expect(w7).rejects.toThrow(/leadership lost/);
    expect(t.size).toBe(2);
    t.applied([entry(5, 2), entry(6, 2)], [result, result]);
    await expect(w5).resolves.toBe(result);
    await expect(w6).resolves.toBe(result);
    expect(t.size).toBe(0);
  });

  it('fails a waiter whose index was taken by another leader, and every waiter on close', async () => {
    const t = new ProposalTracker();
    const overwritten = t.wait(3, 1);
    t.applied([entry(3, 2)], [result]);
    await expect(overwritten).rejects.toThrow(/overwritten/);
    const pending = t.wait(4, 2);
    t.failAll('node shutting down');
    await expect(pending).rejects.toThrow(/shutting down/);
  });
});
