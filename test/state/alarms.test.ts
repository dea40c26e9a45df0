// Alarms and compaction as the state machine applies them: a NOSPACE alarm refuses every command
// that can grow the data, at apply, on every replica alike (deletes, reads in txns, setMeta and
// the alarm commands themselves go through); a refused request is not recorded, so its retry
// after the disarm applies; the alarms survive a reopen and travel in snapshots; compact drops
// the watch history before a revision.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALARM_TYPES, CompactedError, decodeCommand, encodeCommand, StateMachine, type ApplyResult } from '../../src/state/index.js';
import { ALARM_KINDS } from '../../src/metrics/index.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

const activate = (memberId: string) => ({ type: 'alarm' as const, action: 'activate' as const, memberId, alarm: 'NOSPACE' as const });
const deactivate = (memberId: string) => ({ type: 'alarm' as const, action: 'deactivate' as const, memberId, alarm: 'NOSPACE' as const });

describe('NOSPACE alarm in the state machine', () => {
  let dir: string;
  let sm: StateMachine;
  let index: number;
  const apply = async (...cmds: Parameters<typeof entry>[1][]): Promise<ApplyResult[]> => sm.apply(cmds.map((c) => entry(++index, c)));
  beforeEach(async () => {
    dir = await tempDir();
    sm = await StateMachine.open(`${dir}/state`);
    index = 0;
  });
  afterEach(async () => {
    await sm.close();
    await cleanup(dir);
  });

  it('refuses puts and txns with a put once raised, in the same batch; deletes, ranges and meta go through', async () => {
    await apply({ type: 'put', key: b('a'), value: b('1') }, { type: 'put', key: b('b'), value: b('2') });
    const res = await apply(
      activate('n2'),
      { type: 'put', key: b('c'), value: b('3') },
      { type: 'txn', compare: [], success: [{ type: 'range', key: b('a') }], failure: [{ type: 'put', key: b('d'), value: b('4') }] },
      { type: 'txn', compare: [], success: [{ type: 'delete', key: b('a') }], failure: [] },
      { type: 'delete', key: b('b') },
      { type: 'setMeta', name: 'x', value: 1 },
    );
    expect(res[0]!.result).toMatchObject({ type: 'alarm', changed: [{ memberId: 'n2', alarm: 'NOSPACE' }], alarms: [{ memberId: 'n2', alarm: 'NOSPACE' }] });
    expect(res[1]!.result).toEqual({ type: 'error', code: 'noSpace', message: 'database space exceeded' });
    // A txn whose failure branch puts is refused whatever its compare would decide.
    expect(res[2]!.result).toMatchObject({ type: 'error', code: 'noSpace' });
    expect(res[3]!.result).toMatchObject({ type: 'txn', succeeded: true });
    expect(res[4]!.result).toMatchObject({ type: 'delete', deleted: 1 });
    expect(res[5]!.result.type).toBe('setMeta');
    expect(await sm.get(b('c'))).toBeNull();
    expect(sm.noSpace()).toBe(true);
    expect(sm.alarms()).toEqual([{ memberId: 'n2', alarm: 'NOSPACE' }]);
  });

  it('a refused request is not recorded: the same request id applies after the disarm', async () => {
    await apply(activate('n1'), activate('n3'));
    const req = { clientId: 'c1', seq: 7 };
    const [refused] = await apply({ type: 'put', key: b('k'), value: b('v'), req });
    expect(refused!.result).toMatchObject({ type: 'error', code: 'noSpace' });
    // Disarming one member's alarm is not enough while another's is active.
    const [partial, stillRefused] = await apply(deactivate('n1'), { type: 'put', key: b('k'), value: b('v'), req });
    expect(partial!.result).toMatchObject({ changed: [{ memberId: 'n1' }], alarms: [{ memberId: 'n3' }] });
    expect(stillRefused!.result).toMatchObject({ code: 'noSpace' });
    const [all, applied] = await apply(deactivate(''), { type: 'put', key: b('k'), value: b('v'), req });
    expect(all!.result).toMatchObject({ changed: [{ memberId: 'n3' }], alarms: [] });
    expect(applied!.result.type).toBe('put');
    expect(applied!.duplicate).toBe(false);
    expect((await sm.get(b('k')))?.value).toEqual(b('v'));
  });

  it('raising twice and disarming nothing change nothing', async () => {
    const [first, second, none] = await apply(activate('n1'), activate('n1'), deactivate('n9'));
    expect(first!.result).toMatchObject({ changed: [{ memberId: 'n1' }] });
    expect(second!.result).toMatchObject({ changed: [], alarms: [{ memberId: 'n1' }] });
    expect(none!.result).toMatchObject({ changed: [], alarms: [{ memberId: 'n1' }] });
  });

  it('survives a reopen and travels in a snapshot', async () => {
    await apply({ type: 'put', key: b('a'), value: b('1') }, activate('n2'));
    await sm.close();
    sm = await StateMachine.open(`${dir}/state`);
    expect(sm.alarms()).toEqual([{ memberId: 'n2', alarm: 'NOSPACE' }]);
    const other = await StateMachine.open(`${dir}/other`);
    try {
      await other.restoreSnapshot(await sm.createSnapshot());
      expect(other.alarms()).toEqual([{ memberId: 'n2', alarm: 'NOSPACE' }]);
      const [r] = await other.apply([entry(index + 1, { type: 'put', key: b('x'), value: b('y') })]);
      expect(r!.result).toMatchObject({ code: 'noSpace' });
    } finally {
      await other.close();
    }
  });

  it('a CORRUPT alarm is listed and disarmed like NOSPACE but refuses no write', async () => {
    const corrupt = { type: 'alarm' as const, action: 'activate' as const, memberId: 'n3', alarm: 'CORRUPT' as const };
    const res = await apply(corrupt, { type: 'put', key: b('c'), value: b('3') });
    expect(res[0]!.result).toMatchObject({ type: 'alarm', changed: [{ memberId: 'n3', alarm: 'CORRUPT' }] });
    expect(res[1]!.result.type).toBe('put');
    expect(sm.noSpace()).toBe(false);
    await apply(activate('n1'));
    expect(sm.alarms()).toEqual([{ memberId: 'n1', alarm: 'NOSPACE' }, { memberId: 'n3', alarm: 'CORRUPT' }]);
    // Disarming NOSPACE leaves CORRUPT, and the other way round.
    await apply(deactivate(''));
    expect(sm.alarms()).toEqual([{ memberId: 'n3', alarm: 'CORRUPT' }]);
    await apply({ ...corrupt, action: 'deactivate' as const, memberId: '' });
    expect(sm.alarms()).toEqual([]);
  });

  it('the metrics gauge reports every alarm kind the state machine knows', () => {
    expect([...ALARM_KINDS]).toEqual([...ALARM_TYPES]);
  });

  it('bad alarm commands are invalid commands, not crashes', () => {
    for (const bad of [
      { type: 'alarm', action: 'activate', memberId: '', alarm: 'NOSPACE' },
      { type: 'alarm', action: 'explode', memberId: 'n1', alarm: 'NOSPACE' },
      { type: 'alarm', action: 'activate', memberId: 'n1', alarm: 'BOGUS' },
      { type: 'alarm', action: 'activate', memberId: 7, alarm: 'NOSPACE' },
      { type: 'compact', revision: 0 },
      { type: 'compact', revision: 'x' },
    ]) {
      expect(() => decodeCommand(encodeCommand(bad as never)), JSON.stringify(bad)).toThrow(/memberId|action|alarm|revision/);
    }
  });
});

describe('compact', () => {
  it('drops the watch history before the revision, keeps it from there, and never past the current revision', async () => {
    const dir = await tempDir();
    const sm = await StateMachine.open(`${dir}/state`);
    try {
      let index = 0;
      for (let i = 1; i <= 10; i++) await sm.apply([entry(++index, { type: 'put', key: b(`k${i}`), value: b(`v${i}`) })]);
      const [r] = await sm.apply([entry(++index, { type: 'compact', revision: 6 })]);
      expect(r!.result).toEqual({ type: 'compact', revision: 10, compacted: 6 });
      await expect(sm.changesSince(5)).rejects.toBeInstanceOf(CompactedError);
      expect((await sm.changesSince(6)).events.map((e) => e.kv.modRevision)).toEqual([6, 7, 8, 9, 10]);
      // Past the current revision: up to it only, its own change stays readable.
      const [far] = await sm.apply([entry(++index, { type: 'compact', revision: 99 })]);
      expect(far!.result).toMatchObject({ compacted: 10 });
      expect((await sm.changesSince(10)).events.map((e) => e.kv.modRevision)).toEqual([10]);
      // A compact to an older revision changes nothing.
      const [older] = await sm.apply([entry(++index, { type: 'compact', revision: 3 })]);
      expect(older!.result).toMatchObject({ compacted: 10 });
      expect((await sm.changesSince(10)).events.length).toBe(1);
      await sm.close();
      const again = await StateMachine.open(`${dir}/state`);
      await expect(again.changesSince(9)).rejects.toBeInstanceOf(CompactedError);
      await again.close();
    } finally {
      await cleanup(dir);
    }
  });
});
