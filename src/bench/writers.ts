// Background writers for the failover benchmark: each write records when it started and ended
// and whether it succeeded, so that the unavailability around an event can be measured from the
// client's side: the longest gap between consecutive successful write completions.
import { performance } from 'node:perf_hooks';
import { type RaftdbClient, RaftdbError } from '../client/index.js';

/** One write as the client saw it (performance.now() milliseconds). */
export interface WriteRecord {
  startMs: number;
  endMs: number;
  ok: boolean;
  code: string;
}

/** Records kept between two take() calls; older ones are dropped (a bound, not expected to bite). */
const MAX_RECORDS = 2_000_000;

/** `count` closed-loop writers, one write in flight each, to keys of their own. */
export class Writers {
  private records: WriteRecord[] = [];
  private running: Promise<void>[] = [];
  private stopped = false;
  private lastOkStartMs = -Infinity;
  private readonly value = Buffer.alloc(64, 'v');

  constructor(
    private readonly client: RaftdbClient,
    private readonly count: number,
  ) {}

  /** Starts the writers (again, after stop()). */
  start(): void {
    this.stopped = false;
    this.running = Array.from({ length: this.count }, (_, i) => this.loop(i));
  }

  /** Stops after the writes in flight finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  /** The records since the last take(). */
  take(): WriteRecord[] {
    const r = this.records;
    this.records = [];
    return r;
  }

  /** Whether a write that started at or after `ms` has succeeded: writes flow again. */
  succeededSince(ms: number): boolean {
    return this.lastOkStartMs >= ms;
  }

  private async loop(i: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const startMs = performance.now();
      let ok = true;
      let code = 'OK';
      try {
        await this.client.put(`failover/w${i}/${n % 100}`, this.value);
      } catch (err) {
        ok = false;
        code = err instanceof RaftdbError ? err.code : 'CLIENT';
        // A client-side failure returns at once: do not spin on it.
        await new Promise((r) => setTimeout(r, 10));
      }
      if (ok && startMs > this.lastOkStartMs) this.lastOkStartMs = startMs;
      if (this.records.length < MAX_RECORDS) this.records.push({ startMs, endMs: performance.now(), ok, code });
    }
  }
}

/**
 * The longest time in [fromMs, toMs] without a successful write completing: the largest gap
 * between consecutive successful completions, counting the window's edges as boundaries.
 */
export function longestGap(records: WriteRecord[], fromMs: number, toMs: number): number {
  const ends = records.filter((r) => r.ok && r.endMs >= fromMs && r.endMs <= toMs).map((r) => r.endMs).sort((a, b) => a - b);
  let prev = fromMs;
  let gap = 0;
  for (const t of [...ends, toMs]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}
