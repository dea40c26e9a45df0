// One pipeline stream's byte accounting with a scripted transport: results in bounded messages,
// operations started only within the bound, reading stopped while any wait and resumed once the
// transport took enough, and the cut-off past maxOps.
import { describe, expect, test } from 'vitest';
import { PipelineFlow, type FlowOp, type PipelineSink } from '../../src/server/pipeline-flow.js';
import { StreamBudget } from '../../src/server/stream-budget.js';

const KiB = 1024;

/** A transport that takes messages only when told to. */
class ScriptedSink implements PipelineSink<number> {
  readonly messages: number[][] = [];
  private readonly untaken: (() => void)[] = [];
  paused = false;
  pauses = 0;
  send(results: number[], taken: () => void): void {
    this.messages.push(results);
    this.untaken.push(taken);
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
  /** The transport takes every message sent so far. */
  takeAll(): void {
    for (const t of this.untaken.splice(0)) t();
  }
}

/** An operation whose result is `bytes` (the result is its size) once released. */
function op(reserveBytes: number, bytes: number, started: number[], gate?: Promise<void>): FlowOp<number> {
  return {
    reserveBytes: () => reserveBytes,
    run: async () => {
      started.push(bytes);
      await gate;
      return bytes;
    },
  };
}

/** Lets the operations finish and their results flush (a flush waits for the end of the turn). */
const turn = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

function flow(sink: ScriptedSink, limits: { maxBytesInFlight: number; maxMessageBytes: number; maxOps?: number }): PipelineFlow<number> {
  return new PipelineFlow<number>({ maxOps: 100, ...limits }, sink, (r) => r, () => {});
}

describe('PipelineFlow', () => {
  test('results finished together go in messages of at most maxMessageBytes; a larger one goes alone', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 1 << 30, maxMessageBytes: 100 });
    const started: number[] = [];
    f.receive([40, 40, 40, 150, 10].map((b) => op(1, b, started)));
    await turn();
    expect(sink.messages).toEqual([[40, 40], [40], [150], [10]]);
  });

  test('operations start only within the bound; reading stops while any wait and resumes once the transport took enough', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 100 * KiB, maxMessageBytes: 64 * KiB });
    const started: number[] = [];
    // Each reserves 30 KiB and produces 30 KiB: three fit (90 KiB), the fourth would not.
    f.receive(Array.from({ length: 10 }, () => op(30 * KiB, 30 * KiB, started)));
    expect(started.length).toBe(3);
    expect(sink.paused).toBe(true);
    await turn();
    // Finished, sent, not taken: the results still count, nothing more starts.
    expect(sink.messages.flat().length).toBe(3);
    expect(started.length).toBe(3);
    expect(f.bytesInFlight).toBe(90 * KiB);
    expect(sink.paused).toBe(true);
    let maxInFlight = 0;
    while (f.pending > 0) {
      sink.takeAll();
      maxInFlight = Math.max(maxInFlight, f.bytesInFlight);
      await turn();
    }
    sink.takeAll();
    expect(maxInFlight).toBeLessThanOrEqual(100 * KiB);
    expect(started.length).toBe(10);
    expect(sink.messages.flat().length).toBe(10);
    expect(f.bytesInFlight).toBe(0);
    expect(sink.paused).toBe(false);
  });

  test('a client that never reads: the stream holds at most the bound, however many operations it sent', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 64 * KiB, maxMessageBytes: 64 * KiB, maxOps: 10_000 });
    const started: number[] = [];
    f.receive(Array.from({ length: 1000 }, () => op(2 * KiB, 2 * KiB, started)));
    for (let i = 0; i < 5; i++) await turn();
    expect(started.length).toBe(32);
    expect(f.bytesInFlight).toBe(64 * KiB);
    expect(f.pending).toBe(1000 - 32);
    expect(sink.paused).toBe(true);
  });

  test('one operation larger than the bound still runs when nothing else is held', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 10 * KiB, maxMessageBytes: 64 * KiB });
    const started: number[] = [];
    f.receive([op(50 * KiB, 50 * KiB, started), op(1 * KiB, 1 * KiB, started)]);
    expect(started).toEqual([50 * KiB]);
    await turn();
    sink.takeAll();
    await turn();
    expect(started).toEqual([50 * KiB, 1 * KiB]);
  });

  test('past maxOps received and unanswered, a message is refused whole', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 1 * KiB, maxMessageBytes: 64 * KiB, maxOps: 10 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: number[] = [];
    expect(f.receive(Array.from({ length: 8 }, () => op(1, 1, started, gate)))).toBe(true);
    expect(f.receive(Array.from({ length: 3 }, () => op(1, 1, started, gate)))).toBe(false);
    expect(f.pending).toBe(8);
    release();
    await turn();
    expect(f.pending).toBe(0);
  });

  test('after close nothing is sent or started', async () => {
    const sink = new ScriptedSink();
    const f = flow(sink, { maxBytesInFlight: 1 * KiB, maxMessageBytes: 64 * KiB });
    const started: number[] = [];
    f.receive([op(1 * KiB, 1 * KiB, started), op(1 * KiB, 1 * KiB, started)]);
    f.close();
    await turn();
    sink.takeAll();
    await turn();
    expect(started.length).toBe(1);
    expect(sink.messages).toEqual([]);
  });

  test("the node's budget: streams that never read hold it together; a reading stream goes on, one at a time, and at full pace once room is back", async () => {
    const budget = new StreamBudget(64 * KiB);
    const greedy = Array.from({ length: 8 }, () => new ScriptedSink());
    const flows = greedy.map((sink) => new PipelineFlow<number>({ maxOps: 10_000, maxBytesInFlight: 32 * KiB, maxMessageBytes: 64 * KiB }, sink, (r) => r, () => {}, budget));
    const started: number[] = [];
    for (const f of flows) f.receive(Array.from({ length: 100 }, () => op(4 * KiB, 4 * KiB, started)));
    for (let i = 0; i < 5; i++) await turn();
    // Alone, each would hold its own 32 KiB (256 KiB in all): together they stop at the budget
    // (64 KiB), each stream past its first operation waiting for room.
    const held = (): number => flows.reduce((n, f) => n + f.bytesInFlight, 0);
    expect(held()).toBeLessThanOrEqual(64 * KiB + 8 * 4 * KiB);
    expect(budget.heldBytes).toBe(held());
    expect(greedy.every((s) => s.paused)).toBe(true);
    // A client that reads: one operation at a time while the budget is full.
    const reader = new ScriptedSink();
    const mine: number[] = [];
    const r = new PipelineFlow<number>({ maxOps: 10_000, maxBytesInFlight: 32 * KiB, maxMessageBytes: 64 * KiB }, reader, (x) => x, () => {}, budget);
    r.receive(Array.from({ length: 20 }, () => op(1 * KiB, 1 * KiB, mine)));
    expect(mine.length).toBe(1);
    for (let i = 0; i < 20 && r.pending > 0; i++) {
      await turn();
      reader.takeAll();
    }
    expect(r.pending).toBe(0);
    // The greedy streams end: their bytes leave the budget, and a waiting stream fills it again.
    for (const f of flows.slice(1)) f.close();
    expect(budget.heldBytes).toBe(flows[0]!.bytesInFlight);
    greedy[0]!.takeAll();
    for (let i = 0; i < 3; i++) await turn();
    expect(flows[0]!.bytesInFlight).toBe(32 * KiB);
  });
});
