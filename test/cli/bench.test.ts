// `raftdb bench` without a cluster: flag checking (exit 2), the mergeable histogram, spreading a
// run over processes, the failover gap measure, and a short run against a fake node printing the
// report. The run against real node processes is in bin.test.ts.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoadConfig, parseMix, splitConfig } from '../../src/bench/config.js';
import { Histogram } from '../../src/bench/histogram.js';
import { longestGap } from '../../src/bench/writers.js';
import { FakeNode, fault, hdr } from '../client/fake-server.js';
import { raftdb } from './harness.js';

describe('bench flags', () => {
  it.each([
    [['--mix', 'put=60,get=60'], /--mix: the percentages add up to 120, not 100/],
    [['--mix', 'del=100'], /--mix: unknown operation "del"/],
    [['--mix', 'put'], /--mix: "put" is not op=percent/],
    [['--concurrency', '0'], /--concurrency: "0" is not an integer from 1/],
    [['--connections', '17'], /--connections: "17" is not an integer from 1 to 16/],
    [['--concurrency', '2', '--connections', '4'], /--connections \(4\) cannot exceed --concurrency \(2\)/],
    [['--sequential', '--concurrency', '8'], /--sequential means --concurrency 1/],
    [['--duration', '5', '--ops', '100'], /give --duration or --ops, not both/],
    [['--duration', '0'], /--duration: "0" is not a number of seconds/],
    [['--warmup', '-1'], /--warmup/],
    [['--value-size', '2000000'], /--value-size: "2000000" is not an integer from 0 to 1048576/],
    [['--processes', '0'], /--processes: "0"/],
    [['--ops', '1', '--processes', '2'], /--processes \(2\) cannot exceed --ops \(1\)/],
    [['--consistency', 'eventual'], /argument 'eventual' is invalid/],
    [['--mode', 'fast'], /argument 'fast' is invalid/],
    [['--start-cluster', '--endpoints', '127.0.0.1:1'], /--start-cluster measures a cluster of its own/],
    [['--nodes', '5'], /--nodes applies to --start-cluster only/],
  ])('exits 2 on %j', async (args, message) => {
    const r = await raftdb(['bench', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('parses a mix', () => {
    expect(parseMix('put=100')).toEqual({ put: 100, get: 0 });
    expect(parseMix('get=25, put=75')).toEqual({ put: 75, get: 25 });
  });
});

describe('histogram', () => {
  it('keeps percentiles within 2% and the exact max', () => {
    const h = new Histogram();
    for (let us = 1; us <= 100_000; us++) h.record(us);
    expect(h.percentile(50) / 50_000).toBeCloseTo(1, 1);
    expect(Math.abs(h.percentile(99) / 99_000 - 1)).toBeLessThan(0.02);
    expect(h.percentile(100)).toBe(100_000);
    expect(h.count).toBe(100_000);
  });

  it('merges as if every sample had been recorded in one histogram', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 5000; i++) {
      const fast = 200 + (i % 300);
      const slow = 20_000 + i * 7;
      a.record(fast);
      b.record(slow);
      all.record(fast);
      all.record(slow);
    }
    const merged = Histogram.from(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
    for (const p of [50, 90, 99, 100]) expect(merged.percentile(p)).toBe(all.percentile(p));
    expect(merged.mean()).toBeCloseTo(all.mean(), 6);
    // Averaging the two processes' p50s would say ~10 ms; the merged p50 is the fast half's top.
    expect(merged.percentile(50)).toBeLessThan(600);
  });
});

describe('spreading load over processes', () => {
  const cfg: LoadConfig = {
    endpoints: ['127.0.0.1:1'], concurrency: 64, connections: 3, valueSize: 256, keys: 10, mix: { put: 100, get: 0 },
    consistency: 'linearizable', mode: 'default', durationS: 10, ops: 1001, warmupS: 1, timeoutMs: 5000, preload: true, unary: false,
  };

  it('splits workers, connections and ops, and preloads once', () => {
    const parts = splitConfig(cfg, 4);
    expect(parts.map((p) => p.concurrency)).toEqual([16, 16, 16, 16]);
    expect(parts.map((p) => p.connections)).toEqual([1, 1, 1, 1]);
    expect(parts.map((p) => p.ops)).toEqual([251, 250, 250, 250]);
    expect(parts.map((p) => p.preload)).toEqual([true, false, false, false]);
  });
});

describe('failover gap', () => {
  const rec = (endMs: number, ok = true): { startMs: number; endMs: number; ok: boolean; code: string } => ({ startMs: endMs - 1, endMs, ok, code: ok ? 'OK' : 'UNAVAILABLE' });

  it('is the longest stretch without a successful completion, failures not counting', () => {
    const records = [rec(0), rec(10), rec(20), rec(500, false), rec(820), rec(830)];
    expect(longestGap(records, 0, 840)).toBe(800);
    expect(longestGap([], 100, 350)).toBe(250);
  });
});

describe('bench against a fake node', () => {
  let n: FakeNode;
  beforeEach(async () => {
    n = await FakeNode.start({ Put: () => ({ header: hdr(1) }), Get: () => ({ found: false, header: hdr(1) }) });
  });
  afterEach(() => n.close());

  it('prints ops/s, errors and latency per operation as JSON', async () => {
    let puts = 0;
    n.handlers.set('Put', () => (++puts % 10 === 0 ? Promise.reject(fault(status.INVALID_ARGUMENT, 'value: scripted failure')) : { header: hdr(1) }));
    const r = await raftdb(['bench', '--ops', '200', '--warmup', '0', '--concurrency', '8', '--connections', '2', '--mix', 'put=50,get=50', '--json', '--endpoints', n.address]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ ops: 200, config: { concurrency: 8, connections: 2, processes: 1, mix: { put: 50, get: 50 } } });
    for (const op of ['put', 'get']) {
      expect(rep.byOp[op]).toEqual({ ops: expect.any(Number), opsPerSec: expect.any(Number), errors: expect.any(Number), latencyMs: { p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number), max: expect.any(Number), mean: expect.any(Number) } });
    }
    expect(rep.byOp.put.ops + rep.byOp.get.ops).toBe(200);
    expect(rep.byOp.get.errors).toBe(0);
    expect(rep.errors).toBe(rep.byOp.put.errors);
    expect(rep.errorsByCode.INVALID_ARGUMENT).toEqual({ count: rep.byOp.put.errors, example: 'value: scripted failure' });
  });

  it('prints a table, one request at a time with --sequential', async () => {
    const r = await raftdb(['bench', '--ops', '20', '--warmup', '0', '--sequential', '--endpoints', n.address]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 worker\(s\) on 1 connection\(s\) \(pipelined\) in 1 process\(es\); mix put=100;/);
    expect(r.stdout).toMatch(/OP\s+│ OPS\s+│ OPS\/S\s+│ ERRORS │ P50 MS\s+│ P90 MS\s+│ P99 MS\s+│ MAX MS/);
    expect(r.stdout).toMatch(/│ put │ 20\s+│/);
    expect(r.stdout).not.toMatch(/│ all │/);
  });
});
