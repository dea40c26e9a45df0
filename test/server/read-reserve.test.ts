// A read's reservation on a Pipeline stream: small while the stream's reads are small (so many
// run at once), large again as soon as one is large, and never below the floor that bounds how
// far past its bound a stream can be pushed by a client that warms the estimate with small reads.
import { describe, expect, test } from 'vitest';
import { PipelineFlow, type FlowOp, type PipelineSink } from '../../src/server/pipeline-flow.js';
import { MAX_RUNNING_READS, ReadReserve } from '../../src/server/read-reserve.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A transport that never takes anything (a client that does not read). */
class DeafSink implements PipelineSink<number> {
  send(): void {}
  pause(): void {}
  resume(): void {}
}

describe('ReadReserve', () => {
  test('starts at the largest result, follows small results down to the floor, jumps back up at once', () => {
    const r = new ReadReserve(16 * MiB, MiB);
    expect(r.bytes).toBe(MiB);
    for (let i = 0; i < 100; i++) r.observe(300);
    expect(r.bytes).toBe((16 * MiB) / MAX_RUNNING_READS);
    r.observe(900 * KiB);
    expect(r.bytes).toBe(900 * KiB);
  });

  test('a stream warmed with small reads, then flooded with large ones, holds at most its bound plus MAX_RUNNING_READS results', async () => {
    const maxStreamBytes = 4 * MiB;
    const large = MiB;
    const reserve = new ReadReserve(maxStreamBytes, large);
    for (let i = 0; i < 100; i++) reserve.observe(100);
    const flow = new PipelineFlow<number>(
      { maxBytesInFlight: maxStreamBytes, maxMessageBytes: 2 * MiB, maxOps: 100_000 },
      new DeafSink(),
      (bytes) => {
        reserve.observe(bytes);
        return bytes;
      },
      () => {},
    );
    let started = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const read: FlowOp<number> = {
      reserveBytes: () => reserve.bytes,
      run: async () => {
        started++;
        await gate;
        return large;
      },
    };
    flow.receive(Array.from({ length: 10_000 }, () => read));
    expect(started).toBe(MAX_RUNNING_READS);
    release();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    // The results of the reads that were running count; the estimate is large again, nothing more starts.
    expect(started).toBe(MAX_RUNNING_READS);
    expect(flow.bytesInFlight).toBe(MAX_RUNNING_READS * large);
    expect(flow.bytesInFlight).toBeLessThanOrEqual(maxStreamBytes + MAX_RUNNING_READS * large);
  });
});
