import { describe, expect, test } from 'vitest';
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
});
