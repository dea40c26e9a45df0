// releaseIfUnstarted: an async generator returned from before its first next() skips its finally
// blocks; the wrapper releases what they would have.
import { describe, expect, it, vi } from 'vitest';
import { releaseIfUnstarted } from '../../src/common/release-unstarted.js';

function source(log: string[]) {
  return (async function* gen() {
    try {
      yield 1;
      yield 2;
    } finally {
      log.push('finally');
    }
  })();
}

describe('releaseIfUnstarted', () => {
  it('releases once when returned before the first read (the generator alone would not run its finally)', async () => {
    const log: string[] = [];
    const bare = source(log);
    await bare.return(undefined);
    expect(log).toEqual([]); // what the wrapper is for
    const release = vi.fn(async () => log.push('release'));
    const it = releaseIfUnstarted(source(log), release);
    await expect(it.return!()).resolves.toMatchObject({ done: true });
    await it.return!();
    expect(release).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['release']);
  });

  it('leaves the releasing to the generator once it started', async () => {
    const log: string[] = [];
    const release = vi.fn(async () => undefined);
    const it = releaseIfUnstarted(source(log), release);
    expect(await it.next()).toEqual({ value: 1, done: false });
    await it.return!();
    expect(release).not.toHaveBeenCalled();
    expect(log).toEqual(['finally']);
  });

  it('reads like the generator to the end', async () => {
    const log: string[] = [];
    const out: number[] = [];
    for await (const v of releaseIfUnstarted(source(log), async () => log.push('release'))) out.push(v);
    expect(out).toEqual([1, 2]);
    expect(log).toEqual(['finally']);
  });

  it('releases when thrown into before the first read, and rethrows', async () => {
    const release = vi.fn(async () => undefined);
    const it = releaseIfUnstarted(source([]), release);
    await expect(it.throw!(new Error('refused'))).rejects.toThrow('refused');
    expect(release).toHaveBeenCalledTimes(1);
  });
});
