// A peer's Raft message that fails in the core has no caller to go back to: an unexpected error
// is logged and counted (peer-message.ts), while the expected ones (a stopped node, a broken
// invariant the driver already reported as fatal) are dropped without a second report.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LogLimiter } from '../../src/common/log-limiter.js';
import { NodeMetrics } from '../../src/metrics/index.js';
import { stepPeerMessage } from '../../src/node/peer-message.js';
import { RaftInvariantError, type Message } from '../../src/raft/index.js';
import { snapshot } from '../metrics/fixtures.js';
import { singleNode } from '../server/driver-node.js';

/** A logger whose lines are kept, and real metrics. */
function observed() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const metrics = new NodeMetrics({ nodeId: 'n1', snapshot: () => snapshot(), sampleIntervalMs: 0, defaultMetrics: false });
  const swallowed = async (): Promise<string[]> => (await metrics.render()).split('\n').filter((l) => l.startsWith('raftdb_swallowed_errors_total{'));
  return { log: pino({ level: 'info' }, sink), lines, metrics, swallowed };
}

const heartbeat: Message = { type: 'heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0 } as Message;

/** A one-voter node whose core's step throws `thrown`, fed one heartbeat through stepPeerMessage; `then` checks what followed. */
async function stepThrowing(thrown: Error, then: (o: ReturnType<typeof observed>, fatals: Error[], step: () => void, clock: { ms: number }) => Promise<void>): Promise<void> {
  const fatals: Error[] = [];
  const node = await singleNode({}, { onFatal: (err) => fatals.push(err) });
  const o = observed();
  const clock = { ms: 0 };
  const limiter = new LogLimiter(10_000, () => clock.ms);
  try {
    node.raft.step = () => {
      throw thrown;
    };
    const step = (): void => stepPeerMessage(node.driver, heartbeat, o.log, () => o.metrics, limiter);
    step();
    await then(o, fatals, step, clock);
  } finally {
    await node.close();
  }
}

describe('stepPeerMessage', () => {
  it('an unexpected error in the core is logged with the message type and sender, and counted', async () => {
    await stepThrowing(new TypeError('cannot read properties of undefined'), async (o, fatals) => {
      expect(o.lines).toHaveLength(1);
      expect(o.lines[0]).toMatchObject({ level: 50, type: 'heartbeat', from: 'n2', msg: 'a peer message failed in the Raft core; dropped' });
      expect((o.lines[0]!.err as { message: string }).message).toBe('cannot read properties of undefined');
      expect(await o.swallowed()).toEqual(['raftdb_swallowed_errors_total{site="peer_message",node="n1"} 1']);
      expect(fatals).toEqual([]);
    });
  });

  it('a flood of them is counted in full but logged once per interval, each line saying how many were left out', async () => {
    await stepThrowing(new TypeError('boom'), async (o, _fatals, step, clock) => {
      for (let i = 0; i < 999; i++) step(); // 1,000 in all, within the first interval
      expect(o.lines).toHaveLength(1);
      expect(o.lines[0]).toMatchObject({ leftOut: 0 });
      clock.ms = 10_000;
      step();
      expect(o.lines).toHaveLength(2);
      expect(o.lines[1]).toMatchObject({ leftOut: 999, type: 'heartbeat', from: 'n2' });
      step();
      expect(o.lines).toHaveLength(2);
      expect(await o.swallowed()).toEqual(['raftdb_swallowed_errors_total{site="peer_message",node="n1"} 1002']);
    });
  });

  it('a broken invariant stops the node (reported once, as fatal) and a stopped node drops messages silently', async () => {
    await stepThrowing(new RaftInvariantError('raft log: refusing to overwrite committed index 3'), async (o, fatals, step) => {
      expect(fatals.map((e) => e.message)).toEqual(['raft log: refusing to overwrite committed index 3']);
      step(); // stopped now: NodeStoppedError
      expect(o.lines).toEqual([]);
      expect(await o.swallowed()).toEqual([]);
    });
  });
});
