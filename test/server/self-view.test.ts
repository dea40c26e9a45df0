// SelfView: when a node concludes it was removed from the cluster (and must exit).
import { describe, expect, it } from 'vitest';
import type { ConfState } from '../../src/raft/index.js';
import { SelfView } from '../../src/server/self-view.js';

const conf = (voters: string[], learners: string[] = []): ConfState => ({ voters, votersOutgoing: [], learners, learnersNext: [] });

describe('SelfView', () => {
  it("a refusal from the last leader it knew is enough, once", () => {
    const c = conf(['n1', 'n2', 'n3']);
    const v = new SelfView('n3', c);
    v.onSoftState({ leader: 'n1', role: 'follower', term: 4 } as never);
    expect(v.refusedBy('n2', c)).toBe(false);
    expect(v.refusedBy('n1', c)).toBe(true);
    expect(v.refusedBy('n1', c)).toBe(false);
  });

  it('knowing no leader (removed while down, then restarted): refusals from a majority of its voters', () => {
    const c = conf(['n1', 'n2', 'n3', 'n4']);
    const v = new SelfView('n4', c);
    expect(v.refusedBy('n1', c)).toBe(false);
    expect(v.refusedBy('n1', c)).toBe(false); // the same peer twice is one refusal
    expect(v.refusedBy('n9', c)).toBe(false); // not a voter of its configuration: does not count
    expect(v.refusedBy('n2', c)).toBe(false);
    expect(v.refusedBy('n3', c)).toBe(true); // 3 of 4 voters
  });

  it('a node not yet in its own configuration (--join) never concludes it was removed', () => {
    const c = conf(['n1', 'n2', 'n3']);
    const v = new SelfView('n4', c);
    for (const p of ['n1', 'n2', 'n3']) expect(v.refusedBy(p, c)).toBe(false);
  });
});
