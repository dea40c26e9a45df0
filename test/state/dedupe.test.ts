// Request dedupe: a retried (clientId, seq) applies once and returns the recorded result; older
// seqs are refused; the table is bounded by client count and idleness, identically on reopen.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, noop, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const put = (v: string, clientId: string, seq: number): Command => ({ type: 'put', key: b('k'), value: b(v), req: { clientId, seq } });

describe('dedupe', () => {
  it('the same request twice (same batch, next batch, after reopen) is applied once with the same result', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    const [first, again] = await sm.apply([entry(1, put('a', 'c1', 1)), entry(2, put('a', 'c1', 1))]);
    expect(first!.result).toEqual({ type: 'put', revision: 1 });
    expect(again).toEqual({ index: 2, result: { type: 'put', revision: 1 }, duplicate: true });
    const [later] = await sm.apply([entry(3, put('a', 'c1', 1))]);
    expect(later!.duplicate).toBe(true);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`);
    const [reopened] = await sm.apply([entry(4, put('a', 'c1', 1))]);
    expect(reopened).toEqual({ index: 4, result: { type: 'put', revision: 1 }, duplicate: true });
    expect(await sm.get(b('k'))).toMatchObject({ version: 1 });
    expect(sm.revision()).toBe(1);
    await sm.close();
  });

  it('a txn result (with reads) is replayed verbatim', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    const txn: Command = {
      type: 'txn',
      compare: [],
      success: [{ type: 'put', key: b('x'), value: b('1') }, { type: 'range', key: b('x') }],
      failure: [],
      req: { clientId: 'c', seq: 5 },
    };
    const [a, , bb] = await sm.apply([entry(1, txn), entry(2, { type: 'put', key: b('x'), value: b('2') }), entry(3, txn)]);
    // The retry answers what the request saw when it applied, not the current value.
    expect(bb!.duplicate).toBe(true);
    expect(JSON.stringify(bb!.result)).toBe(JSON.stringify(a!.result));
    await sm.close();
  });

  it('an older seq is refused as stale and changes nothing', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    await sm.apply([entry(1, put('a', 'c1', 2))]);
    const [stale] = await sm.apply([entry(2, put('b', 'c1', 1))]);
    expect(stale!.result).toMatchObject({ type: 'error', code: 'staleRequest' });
    expect((stale!.result as { message: string }).message).toMatch(/^stale request/);
    expect(await sm.get(b('k'))).toMatchObject({ version: 1 });
    await sm.close();
  });

  it('evicts the least recently active client above maxClients', async () => {
    const sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 2 } });
    await sm.apply([entry(1, put('1', 'a', 1)), entry(2, put('2', 'b', 1)), entry(3, put('3', 'a', 2)), entry(4, put('4', 'c', 1))]);
    // b was the least recently active when c arrived: its retry is no longer recognised.
    const [ra, rb] = await sm.apply([entry(5, put('5', 'a', 2)), entry(6, put('6', 'b', 1))]);
    expect(ra!.duplicate).toBe(true);
    expect(rb!.duplicate).toBe(false);
    await sm.close();
  });

  it('a session evicted in the batch that recorded it is not written; one recorded after its eviction is (after a reopen too)', async () => {
    const opts = { dedupe: { maxClients: 1, idleEntries: 3 } };
    let sm = await StateMachine.open(`${dir}/db`, opts);
    // a is recorded, then evicted by b in the same batch; c recorded then forgotten as idle and
    // recorded again within one batch.
    await sm.apply([entry(1, put('1', 'a', 1)), entry(2, put('2', 'b', 1))]);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, opts);
    const [rb, ra] = await sm.apply([entry(3, put('3', 'b', 1)), entry(4, put('4', 'a', 1))]);
    expect(rb!.duplicate).toBe(true);
    expect(ra!.duplicate).toBe(false); // a's record did not outlive its eviction
    await sm.apply([entry(5, put('5', 'c', 1)), noop(6), noop(7), noop(8), noop(9), entry(10, put('6', 'c', 2))]);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, opts);
    const [again, stale] = await sm.apply([entry(11, put('6', 'c', 2)), entry(12, put('5', 'c', 1))]);
    expect(again!.duplicate).toBe(true);
    expect(stale!.result).toMatchObject({ type: 'error', code: 'staleRequest' });
    await sm.close();
  });

  it('a session with many requests in one batch keeps only the last, which a reopen recognises', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(Array.from({ length: 50 }, (_, i) => entry(i + 1, put(`v${i}`, 'p', i + 1))));
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`);
    const [last, earlier] = await sm.apply([entry(51, put('v49', 'p', 50)), entry(52, put('v1', 'p', 2))]);
    expect(last).toEqual({ index: 51, result: { type: 'put', revision: 50 }, duplicate: true });
    expect(earlier!.result).toMatchObject({ type: 'error', code: 'staleRequest' });
    await sm.close();
  });

  it('forgets a client whose last request is more than idleEntries back, the same after a reopen', async () => {
    let sm = await StateMachine.open(`${dir}/db`, { dedupe: { idleEntries: 3 } });
    await sm.apply([entry(1, put('1', 'a', 1)), noop(2), noop(3)]);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { idleEntries: 3 } });
    const [kept] = await sm.apply([entry(4, put('1', 'a', 1))]); // 4 - 1 = 3: still known
    expect(kept!.duplicate).toBe(true);
    await sm.apply([noop(5), noop(6), noop(7)]);
    const [gone] = await sm.apply([entry(8, put('1', 'a', 1))]); // 8 - 1 = 7 > 3: forgotten
    expect(gone!.duplicate).toBe(false);
    await sm.close();
  });

  it('stores a resultNotRetained error instead of a result above maxResultBytes', async () => {
    const sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxResultBytes: 64 } });
    const big: Command = {
      type: 'txn',
      compare: [],
      success: [{ type: 'put', key: b('big'), value: Buffer.alloc(200, 1) }, { type: 'range', key: b('big') }],
      failure: [],
      req: { clientId: 'c', seq: 1 },
    };
    const [first, retry] = await sm.apply([entry(1, big), entry(2, big)]);
    expect(first!.result).toMatchObject({ type: 'txn', succeeded: true });
    expect(retry!.result).toMatchObject({ type: 'error', code: 'resultNotRetained' });
    expect(await sm.get(b('big'))).toMatchObject({ version: 1 });
    await sm.close();
  });
});
