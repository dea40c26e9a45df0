import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RaftInvariantError } from '../../src/raft/errors.js';
import { Inflights } from '../../src/raft/inflights.js';

/** Plenty: a bound that never limits the test's messages. */
const UNBOUNDED_BYTES = 1 << 30;

describe('Inflights: the append window of one replicating follower', () => {
  test('a new window is empty and open, even with room for only one message', () => {
    const w = new Inflights(1, UNBOUNDED_BYTES);
    expect(w.count()).toBe(0);
    expect(w.bytes).toBe(0);
    expect(w.full()).toBe(false);
  });

  test('the window refuses a send once maxMsgs messages are in flight', () => {
    const w = new Inflights(3, UNBOUNDED_BYTES);
    w.add(1, 10);
    w.add(2, 10);
    expect(w.full()).toBe(false);
    w.add(3, 10);
    expect(w.count()).toBe(3);
    expect(w.full()).toBe(true);
  });

  test('the window refuses a send once the bytes in flight reach maxBytes, whatever the count', () => {
    const w = new Inflights(100, 1000);
    w.add(1, 600);
    expect(w.bytes).toBe(600);
    expect(w.full()).toBe(false);
    w.add(2, 400); // exactly the bound: full, not one byte over
    expect(w.bytes).toBe(1000);
    expect(w.full()).toBe(true);
  });

  test('an ack frees every message up to its index, and only those', () => {
    const w = new Inflights(10, UNBOUNDED_BYTES);
    w.add(3, 10);
    w.add(5, 20);
    w.add(8, 30);

    w.freeTo(2); // older than every message in flight: frees nothing
    expect([w.count(), w.bytes]).toEqual([3, 60]);
    w.freeTo(4); // frees the message ending at 3, not the one ending at 5
    expect([w.count(), w.bytes]).toEqual([2, 50]);
    w.freeTo(5);
    expect([w.count(), w.bytes]).toEqual([1, 30]);
    w.freeTo(100);
    expect([w.count(), w.bytes]).toEqual([0, 0]);
    expect(w.full()).toBe(false);
  });

  test('a full window opens again once an ack frees a message', () => {
    const w = new Inflights(2, 50);
    w.add(1, 30);
    w.add(2, 30);
    expect(w.full()).toBe(true);
    w.freeTo(1);
    expect([w.count(), w.bytes, w.full()]).toEqual([1, 30, false]);
  });

  test('freeFirst frees the oldest message only, and does nothing to an empty window', () => {
    const w = new Inflights(2, UNBOUNDED_BYTES);
    w.freeFirst();
    expect([w.count(), w.bytes]).toEqual([0, 0]);

    w.add(4, 7);
    w.add(9, 11);
    expect(w.full()).toBe(true);
    w.freeFirst();
    expect([w.count(), w.bytes, w.full()]).toEqual([1, 11, false]);
    w.freeFirst();
    expect([w.count(), w.bytes]).toEqual([0, 0]);
  });

  test('reset empties the window, and it then counts new messages from zero', () => {
    const w = new Inflights(2, 100);
    w.add(1, 60);
    w.add(2, 40);
    expect(w.full()).toBe(true);

    w.reset();
    expect([w.count(), w.bytes, w.full()]).toEqual([0, 0, false]);

    w.add(7, 5);
    expect([w.count(), w.bytes]).toEqual([1, 5]);
    w.freeTo(7);
    expect([w.count(), w.bytes]).toEqual([0, 0]);
  });

  test('a long stream keeps exact counts and bytes, through the reclaiming of freed slots', () => {
    // Hundreds of sends and acks, as a follower streams for a while: the window must report what
    // is really in flight at every step, also after it reclaims the slots of freed messages.
    const w = new Inflights(4, UNBOUNDED_BYTES);
    let model: Array<{ index: number; bytes: number }> = [];
    for (let i = 1; i <= 300; i++) {
      const bytes = (i % 7) + 1; // sizes differ, so a size read from the wrong slot shows
      w.add(i, bytes);
      model.push({ index: i, bytes });
      w.freeTo(i - 2);
      model = model.filter((m) => m.index > i - 2);
      expect([w.count(), w.bytes]).toEqual([model.length, model.reduce((sum, m) => sum + m.bytes, 0)]);
    }
    w.freeTo(300);
    expect([w.count(), w.bytes]).toEqual([0, 0]);
  });

  test('the ring never holds more slots than maxMsgs, however long the follower streams', () => {
    // The memory bound: a window that only trimmed a growing array kept freed slots around; the
    // ring reuses them, so 10,000 sends through a window of 8 hold 8 slots at most.
    const w = new Inflights(8, UNBOUNDED_BYTES);
    for (let i = 1; i <= 10_000; i++) {
      w.add(i, 1);
      if (w.full()) w.freeTo(i - 3);
      expect(w.capacity()).toBeLessThanOrEqual(8);
    }
    expect(w.capacity()).toBe(8);
    const small = new Inflights(64, UNBOUNDED_BYTES);
    small.add(1, 1);
    small.add(2, 1);
    for (let i = 3; i <= 5; i++) small.add(i, 1);
    // Grows on demand (doubling when every slot is taken), not allocated up front or on every send.
    expect(small.capacity()).toBeLessThanOrEqual(2 * 5);
  });

  test('adding to a window already holding maxMsgs messages is a caller bug, refused', () => {
    const w = new Inflights(2, UNBOUNDED_BYTES);
    w.add(1, 1);
    w.add(2, 1);
    expect(() => w.add(3, 1)).toThrow(RaftInvariantError);
    expect([w.count(), w.bytes]).toEqual([2, 2]);
  });

  test('growing a ring whose oldest message is not in slot 0 keeps the messages in order', () => {
    const w = new Inflights(10, UNBOUNDED_BYTES);
    w.add(1, 1);
    w.add(2, 2);
    w.freeTo(1); // the oldest message now sits in slot 1
    for (let i = 3; i <= 6; i++) w.add(i, i); // the 4 slots wrap, the last add grows the ring
    w.freeTo(3);
    expect([w.count(), w.bytes]).toEqual([3, 15]);
  });

  test('growing a wrapped ring keeps the messages in order (property)', () => {
    // Random sends and acks against a plain list: counts, bytes and which message an ack frees
    // must match at every step, including when the ring grows while its oldest slot is not 0.
    const add = fc.record({ kind: fc.constant('add' as const), bytes: fc.integer({ min: 1, max: 50 }) });
    // An ack of one of the oldest messages in flight (freeing 1-3 of them, so the ring keeps messages
    // while its oldest slot moves), or of nothing new.
    const ack = fc.record({ kind: fc.constant('ack' as const), nth: fc.integer({ min: 0, max: 2 }) });
    const op = fc.oneof({ arbitrary: add, weight: 8 }, { arbitrary: ack, weight: 2 }, { arbitrary: fc.constant({ kind: 'first' as const }), weight: 1 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 200 }), (maxMsgs, ops) => {
        const w = new Inflights(maxMsgs, UNBOUNDED_BYTES);
        let model: Array<{ index: number; bytes: number }> = [];
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'add') {
            if (w.full()) continue;
            w.add(next, o.bytes);
            model.push({ index: next++, bytes: o.bytes });
          } else if (o.kind === 'ack') {
            const to = model.length > 0 ? model[Math.min(o.nth, model.length - 1)]!.index : next - 1;
            w.freeTo(to);
            model = model.filter((m) => m.index > to);
          } else {
            w.freeFirst();
            model = model.slice(1);
          }
          expect([w.count(), w.bytes]).toEqual([model.length, model.reduce((sum, m) => sum + m.bytes, 0)]);
          expect(w.capacity()).toBeLessThanOrEqual(maxMsgs);
        }
      }),
    );
  });
});
