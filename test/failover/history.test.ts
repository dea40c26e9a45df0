// The replicated leadership history as one node writes it: an event per leadership change, in
// the log as soon as the new leader's first entry is applied, and the switchover that made its
// predecessor leader when that predecessor lost leadership before it could record it.
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { systemWallClock } from '../../src/common/clock.js';
import { systemTimers } from '../../src/common/timers.js';
import { FailoverHistory, HISTORY_META, INTENT_META, type FailoverEvent, type SwitchoverIntent } from '../../src/failover/history.js';

function node(id: string, meta: Map<string, unknown>): { h: FailoverHistory; events: () => FailoverEvent[] } {
  const h = new FailoverHistory({
    id,
    log: pino({ level: 'silent' }),
    getMeta: async (n) => meta.get(n) ?? null,
    putMeta: async (n, v) => void meta.set(n, v),
    onEvent: () => {},
    wallClock: systemWallClock,
    timers: systemTimers,
  });
  return { h, events: () => (meta.get(HISTORY_META) as FailoverEvent[] | undefined) ?? [] };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

describe('FailoverHistory', () => {
  test('a new leader records its election once the first entry of its term is applied, not before', async () => {
    const meta = new Map<string, unknown>();
    const n2 = node('n2', meta);
    n2.h.onSoftState({ role: 'follower', leader: 'n1', term: 3 });
    n2.h.onSoftState({ role: 'preCandidate', leader: null, term: 3 });
    n2.h.onSoftState({ role: 'leader', leader: 'n2', term: 4 });
    n2.h.onApplied([{ term: 3 }]);
    await settle();
    expect(n2.events()).toEqual([]);
    n2.h.onApplied([{ term: 3 }, { term: 4 }]);
    await settle();
    expect(n2.events()).toMatchObject([{ term: 4, from: 'n1', to: 'n2', reason: 'election' }]);
    expect(n2.events()[0]!.firstWriteAtMs).toBeGreaterThan(0);
  });

  test('a switchover overtaken by an election before its new leader recorded it is recorded by the next leader', async () => {
    const meta = new Map<string, unknown>();
    const intent: SwitchoverIntent = { id: 'sw-1', reason: 'switchover', from: 'n1', to: 'n2', heldAtMs: Date.now() - 50 };
    meta.set(INTENT_META, intent);
    meta.set(HISTORY_META, [{ term: 3, from: '', to: 'n1', reason: 'election', detectedAtMs: 1, electedAtMs: 2, firstWriteAtMs: 3, unavailableMs: 2 }]);
    const n3 = node('n3', meta);
    n3.h.onSoftState({ role: 'follower', leader: 'n1', term: 3 });
    n3.h.onSoftState({ role: 'follower', leader: 'n2', term: 4 }); // n2 won by TimeoutNow ...
    n3.h.onSoftState({ role: 'preCandidate', leader: null, term: 4 }); // ... and was lost at once
    n3.h.onSoftState({ role: 'leader', leader: 'n3', term: 5 });
    n3.h.onApplied([{ term: 5 }]);
    await settle();
    expect(n3.events().map((e) => [e.term, e.from, e.to, e.reason])).toEqual([
      [3, '', 'n1', 'election'],
      [4, 'n1', 'n2', 'switchover'],
      [5, 'n2', 'n3', 'election'],
    ]);
    expect(n3.events()[1]).toMatchObject({ detectedAtMs: intent.heldAtMs, firstWriteAtMs: 0 });
  });

  test('nothing is recorded twice: a switchover its new leader did record is left alone', async () => {
    const meta = new Map<string, unknown>();
    const heldAtMs = Date.now() - 50;
    meta.set(INTENT_META, { id: 'sw-2', reason: 'switchover', from: 'n1', to: 'n2', heldAtMs } satisfies SwitchoverIntent);
    meta.set(HISTORY_META, [{ term: 4, from: 'n1', to: 'n2', reason: 'switchover', detectedAtMs: heldAtMs, electedAtMs: heldAtMs + 5, firstWriteAtMs: heldAtMs + 9, unavailableMs: 9 }]);
    const n3 = node('n3', meta);
    n3.h.onSoftState({ role: 'follower', leader: 'n2', term: 4 });
    n3.h.onSoftState({ role: 'leader', leader: 'n3', term: 5 });
    n3.h.onApplied([{ term: 5 }]);
    await settle();
    expect(n3.events().map((e) => `${e.term}:${e.from}->${e.to}`)).toEqual(['4:n1->n2', '5:n2->n3']);
  });
});
