// Installing a snapshot closes the live LevelDB, swaps directories and opens the new one. A read
// that reached the database in that window failed with "Database is not open" (a client saw
// INTERNAL). The gate lets reads run concurrently as before, makes the swap wait for the reads
// in flight, and holds new reads until the database is open again.

/** Concurrent reads, or one exclusive reopen of the database. */
export class ReadGate {
  private readers = 0;
  private drained: (() => void) | null = null;
  private reopening: Promise<void> | null = null;

  /** Whether reads must wait (then `await wait()` before `enter()`). */
  get closed(): boolean {
    return this.reopening !== null;
  }

  /** Resolves once no reopen is under way (whether it succeeded or not). */
  async wait(): Promise<void> {
    while (this.reopening) await this.reopening;
  }

  /** A read starts; call only when `closed` is false (after `wait()`), then `leave()` once. */
  enter(): void {
    this.readers++;
  }

  /** A read ended. */
  leave(): void {
    if (--this.readers === 0) this.drained?.();
  }

  /** Runs the read `fn` through the gate: after any reopen under way, and counted while it runs. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) await this.wait();
    this.enter();
    try {
      return await fn();
    } finally {
      this.leave();
    }
  }

  /** Waits for the reads in flight, then runs `fn` while new reads wait for it to settle. */
  async exclusive(fn: () => Promise<void>): Promise<void> {
    await this.wait();
    let release!: () => void;
    this.reopening = new Promise<void>((r) => (release = r));
    try {
      if (this.readers > 0) await new Promise<void>((r) => (this.drained = r));
      this.drained = null;
      await fn();
    } finally {
      this.reopening = null;
      release();
    }
  }
}
