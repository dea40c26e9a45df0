// LogSpanBytes: the bytes of the log entries a leader keeps for a follower catching up, counted
// on from the last look instead of walked whole each time (a walk of tens of thousands of
// entries every few dozen puts during a 1 GiB catch-up). The count must equal a full walk.
import { describe, expect, it } from 'vitest';
import { entryBytes, type Entry } from '../../src/raft/index.js';
import { EntryType } from '../../src/raft/types.js';
import { LogSpanBytes } from '../../src/server/log-span-bytes.js';

/** A log whose entry i holds i % 7 * 10 bytes, from `first` on (nothing before it). */
function log(first = 1): { entryAt: (i: number) => Entry | undefined; visits: number } {
  const l = {
    visits: 0,
    entryAt: (i: number): Entry | undefined => {
      l.visits++;
      return i < first ? undefined : { index: i, term: 1, type: EntryType.Normal, data: new Uint8Array((i % 7) * 10) };
    },
  };
  return l;
}

function walked(from: number, to: number): number {
  const l = log();
  let bytes = 0;
  for (let i = from + 1; i <= to; i++) bytes += entryBytes(l.entryAt(i)!);
  return bytes;
}

describe('LogSpanBytes', () => {
  it('equals a full walk while the span grows, and walks only the new entries', () => {
    const span = new LogSpanBytes();
    const l = log();
    for (const to of [10, 11, 50, 50, 400]) expect(span.measure(5, to, l.entryAt, Infinity)).toBe(walked(5, to));
    expect(l.visits).toBe(400 - 5); // each entry once
  });

  it('counts afresh when the span starts elsewhere or ends earlier', () => {
    const span = new LogSpanBytes();
    const l = log();
    expect(span.measure(5, 100, l.entryAt, Infinity)).toBe(walked(5, 100));
    expect(span.measure(20, 100, l.entryAt, Infinity)).toBe(walked(20, 100));
    expect(span.measure(20, 60, l.entryAt, Infinity)).toBe(walked(20, 60));
    expect(span.measure(20, 61, l.entryAt, Infinity)).toBe(walked(20, 61));
  });

  it('stops counting past the limit, and stays past it as the span grows', () => {
    const span = new LogSpanBytes();
    const l = log();
    const limit = walked(0, 100);
    const first = span.measure(0, 1000, l.entryAt, limit)!;
    expect(first).toBeGreaterThan(limit);
    expect(l.visits).toBeLessThan(110); // it did not walk to 1000
    expect(span.measure(0, 2000, l.entryAt, limit)!).toBeGreaterThan(limit);
    // A larger limit later continues the count exactly.
    expect(span.measure(0, 2000, l.entryAt, Infinity)).toBe(walked(0, 2000));
  });

  it('says undefined when an entry of the span is not in the log, and then counts afresh', () => {
    const span = new LogSpanBytes();
    expect(span.measure(5, 50, log(30).entryAt, Infinity)).toBeUndefined();
    expect(span.measure(5, 50, log().entryAt, Infinity)).toBe(walked(5, 50));
  });
});
