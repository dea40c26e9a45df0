// The heap growing factor while snapshots are sent: raised on a stream's first read, kept while
// any stream is open, put back to V8's own when the last one ends however it ends (read to the
// end, failed, abandoned); a stream never read changes nothing; the bytes pass unchanged.
import { describe, expect, it } from 'vitest';
import { SendHeapGrowth } from '../../src/node/send-heap-growth.js';

async function* source(chunks: number, failAt = -1): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) {
    if (i === failAt) throw new Error('disk gone');
    yield new Uint8Array([i]);
  }
}

/** A SendHeapGrowth whose V8 flag changes are recorded. */
function recorded(percent = 300): { growth: SendHeapGrowth; flags: string[] } {
  const flags: string[] = [];
  return { growth: new SendHeapGrowth(percent, (f) => flags.push(f)), flags };
}

describe('SendHeapGrowth', () => {
  it('raises the factor on the first read and restores it after the end; the chunks pass as they are', async () => {
    const { growth, flags } = recorded();
    const wrapped = growth.wrap(source(3));
    expect(flags).toStrictEqual([]);
    const seen: number[] = [];
    for await (const c of wrapped) {
      seen.push(c[0]!);
      expect(growth.sending).toBe(1);
    }
    expect(seen).toStrictEqual([0, 1, 2]);
    expect(flags).toStrictEqual(['--heap-growing-percent=300', '--heap-growing-percent=0']);
    expect(growth.sending).toBe(0);
  });

  it('two streams at once: raised once, restored only after both ended — one abandoned, one failed', async () => {
    const { growth, flags } = recorded(150);
    const a = growth.wrap(source(5))[Symbol.asyncIterator]();
    const b = growth.wrap(source(5, 2))[Symbol.asyncIterator]();
    await a.next();
    await b.next();
    expect(growth.sending).toBe(2);
    await a.return?.(undefined); // the sender gave up (peer removed, stalled)
    expect(flags).toStrictEqual(['--heap-growing-percent=150']);
    await b.next();
    await expect(b.next()).rejects.toThrow('disk gone');
    expect(flags).toStrictEqual(['--heap-growing-percent=150', '--heap-growing-percent=0']);
    expect(growth.sending).toBe(0);
  });

  it('a stream abandoned before its first read changes nothing', async () => {
    const { growth, flags } = recorded();
    await growth.wrap(source(3))[Symbol.asyncIterator]().return?.(undefined);
    expect([flags, growth.sending]).toStrictEqual([[], 0]);
  });

  it('percent 0 leaves the stream and V8 alone', async () => {
    const { growth, flags } = recorded(0);
    const s = source(1);
    expect(growth.wrap(s)).toBe(s);
    for await (const _ of growth.wrap(source(2))) void _;
    expect(flags).toStrictEqual([]);
  });

  it("V8 takes the flag at run time (the real setter, this worker's V8)", async () => {
    const growth = new SendHeapGrowth(300);
    const seen: number[] = [];
    for await (const c of growth.wrap(source(2))) seen.push(c[0]!);
    expect(seen).toStrictEqual([0, 1]);
  });

  it('a stream abandoned before its first read is returned, so its source releases what it holds', async () => {
    const { growth, flags } = recorded();
    let released = 0;
    const held = (async function* src() {
      try {
        yield new Uint8Array([1]);
      } finally {
        released++;
      }
    })();
    // The source as the node's snapshot stream is: its return() releases even before a read.
    const inner = { [Symbol.asyncIterator]: () => ({ next: () => held.next(), return: async () => { released++; return held.return(undefined); } }) };
    await growth.wrap(inner)[Symbol.asyncIterator]().return!();
    expect(released).toBe(1);
    expect(flags).toStrictEqual([]);
    expect(growth.sending).toBe(0);
  });
});
