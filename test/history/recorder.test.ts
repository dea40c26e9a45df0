import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/history/index.js';

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  return { clockNs: () => now, set: (t: number) => void (now = t) };
}

describe('HistoryRecorder', () => {
  it('pairs each invocation with its one completion, timed by the injected clock', () => {
    const clock = manualClock();
    const rec = new HistoryRecorder({ clockNs: clock.clockNs });
    const w = rec.invoke('c1', 'k', { type: 'write', value: 'v1' });
    const r = rec.invoke('c2', 'k', { type: 'read' });
    clock.set(5);
    rec.ok(w, 17);
    clock.set(7);
    rec.ok(r, 'v1');
    const f = rec.invoke('c1', 'k', { type: 'cas', expected: 'x', value: 'y' });
    clock.set(9);
    rec.fail(f, 'precondition');
    expect(rec.operations()).toEqual([
      { id: 0, process: 'c1', key: 'k', op: { type: 'write', value: 'v1' }, invokeNs: 0, returnNs: 5, status: 'ok', result: 17 },
      { id: 1, process: 'c2', key: 'k', op: { type: 'read' }, invokeNs: 0, returnNs: 7, status: 'ok', result: 'v1' },
      { id: 2, process: 'c1', key: 'k', op: { type: 'cas', expected: 'x', value: 'y' }, invokeNs: 7, returnNs: 9, status: 'fail', error: 'precondition' },
    ]);
  });

  it('leaves unknown and never-completed operations open to the end of the history', () => {
    const clock = manualClock();
    const rec = new HistoryRecorder({ clockNs: clock.clockNs });
    const a = rec.invoke(1, 'k', { type: 'append', value: 1 });
    rec.invoke(2, 'k', { type: 'append', value: 2 });
    clock.set(3);
    rec.unknown(a, 'deadline exceeded');
    const ops = rec.operations();
    expect(ops.map((o) => [o.status, o.returnNs])).toEqual([
      ['unknown', null],
      ['unknown', null],
    ]);
    // The client moved on after the timeout: the same process may invoke again.
    expect(() => rec.invoke(1, 'k', { type: 'read' })).not.toThrow();
  });

  it('refuses histories the checker could not trust', () => {
    const clock = manualClock();
    const rec = new HistoryRecorder({ clockNs: clock.clockNs, maxOperations: 3 });
    const w = rec.invoke('c1', 'k', { type: 'write', value: 1 });
    expect(() => rec.invoke('c1', 'k', { type: 'read' })).toThrow(/in flight/);
    rec.ok(w);
    expect(() => rec.ok(w)).toThrow(/completed twice/);
    expect(() => rec.fail(99)).toThrow(/unknown operation/);
    const r = rec.invoke('c1', 'k', { type: 'read' });
    expect(() => rec.ok(r)).toThrow(/without a value/);
    rec.ok(r, null);
    const c = rec.invoke('c1', 'k', { type: 'cas', expected: 1, value: 2 });
    expect(() => rec.ok(c, 'yes')).toThrow(/boolean/);
    clock.set(-1);
    expect(() => rec.ok(c, true)).toThrow(/backwards/);
    clock.set(1);
    rec.ok(c, true);
    expect(() => rec.invoke('c2', 'k', { type: 'read' })).toThrow(/full/);
  });

  it('round-trips through JSON lines, and names the line of a bad one', () => {
    const clock = manualClock();
    const rec = new HistoryRecorder({ clockNs: clock.clockNs });
    const a = rec.invoke('c1', 'k', { type: 'append', value: 'e1' });
    const b = rec.invoke('c2', 'j', { type: 'cas', expected: null, value: 3 });
    clock.set(2);
    rec.ok(a);
    rec.unknown(b, 'connection reset');
    const r = rec.invoke('c1', 'k', { type: 'read' });
    clock.set(4);
    rec.ok(r, ['e1']);
    const text = rec.toJSONLines();
    expect(text.trim().split('\n')).toHaveLength(6);
    const back = HistoryRecorder.fromJSONLines(text);
    expect(back.operations()).toEqual(rec.operations());
    expect(back.toJSONLines()).toBe(text);
    expect(() => HistoryRecorder.fromJSONLines(text + '{"type":"ok","id":0,"timeNs":9}\n')).toThrow(/completed twice/);
    expect(() => HistoryRecorder.fromJSONLines('{"type":"invoke","id":0,"timeNs":0,"key":"k","process":1,"op":{"type":"inc"}}')).toThrow(/line 1: bad op/);
    expect(() => HistoryRecorder.fromJSONLines('\n\nnope')).toThrow(/line 3: not JSON/);
  });

  it('track() records ok, unknown by default on errors, and fail only for definite errors', async () => {
    const rec = new HistoryRecorder();
    await rec.track('c1', 'k', { type: 'read' }, async () => ({ value: 'v' }), { result: (r) => r.value });
    await expect(rec.track('c1', 'k', { type: 'write', value: 1 }, async () => Promise.reject(new Error('timeout')))).rejects.toThrow();
    const definite = (e: unknown) => e instanceof Error && e.message === 'invalid';
    await expect(
      rec.track('c1', 'k', { type: 'write', value: 2 }, async () => Promise.reject(new Error('invalid')), { isDefiniteFailure: definite }),
    ).rejects.toThrow();
    const ops = rec.operations();
    expect(ops.map((o) => [o.status, o.result ?? o.error])).toEqual([
      ['ok', 'v'],
      ['unknown', 'timeout'],
      ['fail', 'invalid'],
    ]);
    // The default clock is monotonic nanoseconds from the recorder's creation.
    expect(ops[0]!.invokeNs).toBeGreaterThanOrEqual(0);
    expect(ops[2]!.returnNs!).toBeGreaterThanOrEqual(ops[0]!.returnNs!);
  });
});
