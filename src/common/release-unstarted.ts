// An async generator whose return() (or throw()) comes before its first next() completes at once
// without running its body, so its finally blocks never run. A generator that holds a resource
// from its first step (a LevelDB snapshot, another iterator) leaks it when its consumer gives up
// before reading: the snapshot sender does that when a receiver refuses the transfer at once.

/**
 * `gen` as an async iterator that calls `release` when it is returned from or thrown into before
 * its first next(); afterwards `gen`'s own finally blocks do the releasing.
 */
export function releaseIfUnstarted<T>(gen: AsyncGenerator<T>, release: () => Promise<unknown>): AsyncIterableIterator<T> {
  let begun = false;
  const end = async (): Promise<void> => {
    if (begun) return;
    begun = true;
    await release();
  };
  const it: AsyncIterableIterator<T> = {
    next: () => {
      begun = true;
      return gen.next();
    },
    return: async (value?: unknown) => {
      await end();
      return gen.return(value as never);
    },
    throw: async (err?: unknown) => {
      await end();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
