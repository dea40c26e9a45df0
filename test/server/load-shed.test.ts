// Load shedding's decisions against scripted signals, the retry hint on the wire, and the
// event-loop monitor against a loop really blocked.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { thrown } from '../support/thrown.js';
import { RequestError, toServiceError } from '../../src/server/errors.js';
import { EventLoopMonitor, SAMPLE_MS } from '../../src/server/event-loop.js';
import { LoadShedder, SHED_RETRY_MS, type LoadSignals, type ShedReason } from '../../src/server/load-shed.js';

const limits = { eventLoopDelayMs: 500, pendingProposals: 10, pendingProposalBytes: 1000, applyLagEntries: 100 };

function shedder(over: Partial<Record<keyof LoadSignals, number>> = {}): { s: LoadShedder; shed: ShedReason[] } {
  const v = { eventLoopDelayMs: 0, pendingProposals: 0, pendingProposalBytes: 0, applyLagEntries: 0, ...over };
  const shed: ShedReason[] = [];
  const signals: LoadSignals = {
    eventLoopDelayMs: () => v.eventLoopDelayMs,
    pendingProposals: () => v.pendingProposals,
    pendingProposalBytes: () => v.pendingProposalBytes,
    applyLagEntries: () => v.applyLagEntries,
  };
  return { s: new LoadShedder(limits, signals, (r) => shed.push(r)), shed };
}

describe('LoadShedder', () => {
  test('under every bound nothing is shed', () => {
    const { s, shed } = shedder({ eventLoopDelayMs: 500, pendingProposals: 9, pendingProposalBytes: 999, applyLagEntries: 99 });
    s.admitRequest();
    s.admitLocalRead();
    s.admitProposal();
    expect(shed).toEqual([]);
  });

  test('each bound sheds what it guards, UNAVAILABLE with the flag and a retry hint', () => {
    const loop = thrown<RequestError>(() => shedder({ eventLoopDelayMs: 1234 }).s.admitRequest());
    expect(loop.code).toBe(grpc.status.UNAVAILABLE);
    expect(loop.message).toBe(`node overloaded: its event loop runs 1234 ms late (--shed-event-loop-delay-ms 500); retry in ${SHED_RETRY_MS} ms or on another node`);
    expect(loop.retryAfterMs).toBe(SHED_RETRY_MS);
    expect(thrown<RequestError>(() => shedder({ pendingProposals: 10 }).s.admitProposal()).message).toMatch(/10 proposals wait to be applied \(--shed-pending-proposals 10\)/);
    expect(thrown<RequestError>(() => shedder({ pendingProposalBytes: 5000 }).s.admitProposal()).message).toMatch(/5000 bytes of proposals .*--shed-pending-proposal-bytes 1000/);
    expect(thrown<RequestError>(() => shedder({ applyLagEntries: 100 }).s.admitProposal()).message).toMatch(/100 committed entries .*--shed-apply-lag-entries 100/);
    expect(thrown<RequestError>(() => shedder({ applyLagEntries: 100 }).s.admitLocalRead()).code).toBe(grpc.status.UNAVAILABLE);
  });

  test('each check looks only at its own signals, and counts what it sheds by reason', () => {
    const { s, shed } = shedder({ eventLoopDelayMs: 5000, pendingProposals: 50, applyLagEntries: 0 });
    s.admitLocalRead(); // the loop's delay and the proposals are not a local read's business
    expect(() => s.admitRequest()).toThrow(RequestError);
    expect(() => s.admitProposal()).toThrow(RequestError);
    expect(shed).toEqual(['event_loop', 'pending_proposals']);
  });

  test('the retry hint travels as grpc-retry-pushback-ms, and through a forwarding node', () => {
    const se = toServiceError(thrown<RequestError>(() => shedder({ eventLoopDelayMs: 1000 }).s.admitRequest()));
    expect(se.code).toBe(grpc.status.UNAVAILABLE);
    expect(se.metadata?.get('grpc-retry-pushback-ms')).toEqual([String(SHED_RETRY_MS)]);
    // A follower passes the leader's refusal on (context.ts#onLeader -> toRequestError).
    const relayed = toServiceError(Object.assign(new Error('x'), se));
    expect(relayed.metadata?.get('grpc-retry-pushback-ms')).toEqual([String(SHED_RETRY_MS)]);
  });
});

describe('EventLoopMonitor', () => {
  /** Keeps the loop busy for `ms` (no timer runs meanwhile). */
  const block = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // blocked
    }
  };
  const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

  test('one stall is sampled but is not a lasting delay; two late samples in a row are; a turning loop clears it', async () => {
    const samples: number[] = [];
    const m = new EventLoopMonitor((s) => samples.push(s));
    try {
      await new Promise((r) => setTimeout(r, 60));
      block(200);
      // Right after the stall, and after its sample: the stall is recorded, nothing to shed for.
      expect(m.delayMs()).toBeLessThan(150);
      await turn();
      expect(Math.max(...samples)).toBeGreaterThanOrEqual(0.15);
      expect(m.delayMs()).toBeLessThan(150);
      // Late again at the next sample: a loop that stays late.
      block(200);
      await turn();
      expect(m.delayMs()).toBeGreaterThanOrEqual(150);
      // A turning loop again (within seconds: the machine may be busy).
      const by = Date.now() + 5000;
      while (m.delayMs() >= 150 && Date.now() < by) await new Promise((r) => setTimeout(r, 20));
      expect(m.delayMs()).toBeLessThan(150);
    } finally {
      m.stop();
    }
  });

  test("samples on another timer's beats, every SAMPLE_MS, and keeps no timer of its own", async () => {
    const samples: number[] = [];
    const m = new EventLoopMonitor((s) => samples.push(s), false);
    let beat: (() => void) | null = null;
    let ticks = 0;
    const stop = m.sampling((everyMs, fn) => {
      expect(everyMs).toBe(10);
      beat = fn;
      return () => {};
    })(10, () => ticks++);
    try {
      await new Promise((r) => setTimeout(r, 3 * SAMPLE_MS));
      expect(samples).toEqual([]); // no timer of its own
      // Beats of a 10 ms tick: every second one samples (SAMPLE_MS 20), every one ticks.
      block(60);
      beat!();
      expect(samples).toEqual([]);
      beat!();
      expect(ticks).toBe(2);
      expect(samples).toHaveLength(1);
      // 60 ms and more since sampling began, where two beats (20 ms) were due: 40 ms or more late.
      expect(samples[0]!).toBeGreaterThanOrEqual(0.04);
      block(60);
      beat!();
      beat!();
      expect(samples).toHaveLength(2);
      expect(m.delayMs()).toBeGreaterThanOrEqual(40);
      // On time: a sample of 0 delay, and no lasting delay.
      await new Promise((r) => setTimeout(r, 0));
      beat!();
      beat!();
      expect(m.delayMs()).toBe(0);
    } finally {
      stop();
      m.stop();
    }
  });
});
