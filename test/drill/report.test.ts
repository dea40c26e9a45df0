// The report's arithmetic on hand-written histories: lost writes against the final read, and the
// time from a fault to the next successful write.
import { describe, expect, test } from 'vitest';
import type { Operation } from '../../src/history/index.js';
import { findLostWrites, formatReport, measureFaults, problemsOf } from '../../src/drill/report.js';
import { HistoryBuilder } from '../history/builder.js';

const FINAL = 'final';

/** The builder's ops on `key`, with the last one moved to the final read-back process. */
function withFinal(b: HistoryBuilder): Operation[] {
  const ops = b.ops;
  ops[ops.length - 1]!.process = FINAL;
  return ops;
}

describe('lost writes', () => {
  test('a register whose final value predates an acknowledged write lost it', () => {
    const ops = withFinal(new HistoryBuilder('r').write(1, 'a', 0, 10).write(2, 'b', 20, 30).read(FINAL, 'a', 100, 110));
    const lost = findLostWrites(ops, FINAL);
    expect(lost).toMatchObject({ checked: 2, lost: 1 });
    expect(lost.examples[0]).toContain('"b"');
  });

  test('concurrent writes may end either way', () => {
    const ops = withFinal(new HistoryBuilder('r').write(1, 'a', 0, 30).write(2, 'b', 10, 20).read(FINAL, 'a', 100, 110));
    expect(findLostWrites(ops, FINAL).lost).toBe(0);
  });

  test('a final value written with an unknown outcome proves nothing', () => {
    const ops = withFinal(new HistoryBuilder('r').write(1, 'a', 0, null).write(2, 'b', 20, 30).read(FINAL, 'a', 100, 110));
    expect(findLostWrites(ops, FINAL).lost).toBe(0);
  });

  test('a register read back as missing lost every acknowledged write', () => {
    const ops = withFinal(new HistoryBuilder('r').write(1, 'a', 0, 10).cas(2, 'a', 'b', true, 20, 30).read(FINAL, null, 100, 110));
    expect(findLostWrites(ops, FINAL)).toMatchObject({ checked: 2, lost: 2 });
  });

  test('a list must hold every acknowledged append', () => {
    const b = new HistoryBuilder('l').append(1, 'x', 0, 10).append(2, 'y', 20, 30).append(3, 'z', 40, null).read(FINAL, ['x'], 100, 110);
    expect(findLostWrites(withFinal(b), FINAL)).toMatchObject({ checked: 2, lost: 1 });
  });

  test('keys without a final read are reported unverified, not lost', () => {
    const ops = new HistoryBuilder('r').write(1, 'a', 0, 10).ops;
    expect(findLostWrites(ops, FINAL)).toMatchObject({ checked: 0, lost: 0, unverifiedKeys: ['r'] });
  });
});

describe('recovery time per fault', () => {
  test('counts from the fault being in force to the first write invoked after it', () => {
    const ops = new HistoryBuilder().write(1, 'a', 0, 5e6).read(2, 'a', 1.2e9, 1.3e9).write(1, 'b', 1.1e9, 1.9e9).write(2, 'c', 1.5e9, 1.6e9).ops;
    const [f] = measureFaults(ops, [{ nemesis: 'kill-leader', detail: 'killed leader n1', startedNs: 0.9e9, injectedNs: 1e9, healedNs: 3e9 }], 0);
    expect(f).toMatchObject({ atS: 1, injectMs: 100, heldS: 2, rtoMs: 900 });
  });

  test('no write after the fault: no recovery time', () => {
    const ops = new HistoryBuilder().write(1, 'a', 0, 5e6).ops;
    const [f] = measureFaults(ops, [{ nemesis: 'pause-leader', detail: '', startedNs: 1e9, injectedNs: null, healedNs: null, error: 'inject: x' }], 0);
    expect(f).toMatchObject({ rtoMs: null, heldS: null, error: 'inject: x' });
  });
});

describe('verdict', () => {
  const base = {
    backend: 'process',
    secure: false,
    nodes: 3,
    scenario: 'all',
    seed: 1,
    workload: 'register',
    clients: 1,
    durationS: 1,
    operations: { total: { ok: 1, fail: 0, unknown: 0 }, byType: {} },
    keysChecked: 1,
    checkMs: 0,
    undecidedKeys: [],
    lostWrites: { checked: 1, lost: 1, examples: [], unverifiedKeys: [] },
    faults: [],
    recovery: { ok: true, ms: 1 },
    unexpectedExits: [],
  };

  test('lost writes and violations fail SYNC and SEMI_SYNC drills', () => {
    expect(problemsOf({ ...base, commitMode: 'semi-sync', linearizable: false })).toEqual(['history is not linearizable', '1 acknowledged writes lost']);
  });

  test('ASYNC reports them without failing: lost writes explain the violation', () => {
    expect(problemsOf({ ...base, commitMode: 'async', linearizable: false })).toEqual([]);
  });

  test('ASYNC fails a violation that no lost write explains', () => {
    const nothingLost = { ...base.lostWrites, lost: 0 };
    expect(problemsOf({ ...base, lostWrites: nothingLost, commitMode: 'async', linearizable: false })).toEqual(['history is not linearizable']);
  });

  test('a node that stopped on its own fails the drill, whatever else held', () => {
    const clean = { ...base, lostWrites: { ...base.lostWrites, lost: 0 }, commitMode: 'semi-sync', linearizable: true as const };
    expect(problemsOf(clean)).toEqual([]);
    const crashed = { ...clean, unexpectedExits: [{ id: 'n2', status: 'exit code 1', logs: 'fatal: disk full' }] };
    expect(problemsOf(crashed)).toEqual(['node n2 stopped on its own (exit code 1)']);
    const text = formatReport({ ...crashed, problems: problemsOf(crashed), pass: false });
    expect(text).toContain('n2 (exit code 1)');
    expect(text).toContain('fatal: disk full');
  });
});
