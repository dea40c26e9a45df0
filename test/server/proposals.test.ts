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

  it('counts the bytes of the proposals waiting, through answers, failures and a replaced waiter', async () => {
    const t = new ProposalTracker();
    const answered = t.wait(1, 1, 100);
    const failed = t.wait(2, 1, 1000);
    const replaced = t.wait(3, 1, 10);
    expect(t.bytes).toBe(1110);
    t.applied([entry(1, 1)], [result]);
    await answered;
    expect(t.bytes).toBe(1010);
    t.failUncommitted(1, 'leadership lost');
    await expect(failed).rejects.toThrow(/leadership lost/);
    await expect(replaced).rejects.toThrow(/leadership lost/);
    expect(t.bytes).toBe(0);
    const old = t.wait(4, 1, 50);
    const fresh = t.wait(4, 2, 70); // the same index proposed again in a later term
    await expect(old).rejects.toThrow(/overwritten/);
    expect(t.bytes).toBe(70);
    t.applied([entry(4, 2)], [result]);
    await expect(fresh).resolves.toBe(result);
    expect(t.bytes).toBe(0);
  });
});
