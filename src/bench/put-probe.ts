// A steady trickle of small puts whose latencies are recorded in phases: what a client of the
// cluster sees before and while something heavy happens (issue 18: a learner catching up by a
// 1 GiB snapshot must not raise the leader's put p99 more than 2x). Closed loop, a few writers,
// so the probe itself adds little load and its latencies are the cluster's, not a queue's.
import type { RaftdbClient } from '../client/index.js';
import { Histogram } from './histogram.js';

/** Puts of `valueBytes` from `writers` closed loops, each latency counted in the current phase. */
export class PutProbe {
  private readonly phases = new Map<string, Histogram>();
  private current: Histogram | null = null;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  /** Puts that failed (each counted; the probe goes on). */
  failures = 0;

  constructor(
    private readonly client: RaftdbClient,
    private readonly prefix: string,
    private readonly valueBytes: number,
    private readonly writers: number,
  ) {}

  /** Starts the writers; their latencies count in `phase`. */
  start(phase: string): void {
    this.phase(phase);
    const value = Buffer.alloc(this.valueBytes, 0x70);
    for (let w = 0; w < this.writers; w++) this.loops.push(this.loop(w, value));
  }

  /** From now on latencies count in `phase` (puts in flight count where they end). */
  phase(name: string): void {
    let h = this.phases.get(name);
    if (!h) this.phases.set(name, (h = new Histogram()));
    this.current = h;
  }

  /** Stops the writers and waits for their last puts; returns each phase's latencies. */
  async stop(): Promise<Map<string, Histogram>> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.phases;
  }

  private async loop(writer: number, value: Buffer): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const t0 = performance.now();
      try {
        // A small key space per writer: overwrites, so the probe does not grow the data.
        await this.client.put(`${this.prefix}${writer}/${i % 64}`, value);
        this.current!.record((performance.now() - t0) * 1000);
      } catch {
        this.failures++;
      }
    }
  }
}
