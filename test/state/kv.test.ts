// Put/get/delete/txn semantics and revisions, scripted and against the model over random ops.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../src/raft/types.js';
import type { Command, Compare, TxnOp } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { FutureRevisionError } from '../../src/state/errors.js';
import { MAX_KEYS_PER_COMMAND } from '../../src/state/apply.js';
import { b, cleanup, dump, entry, noop, plain, prng, tempDir } from './helpers.js';
import { KvModel } from './model.js';

let dir: string;
let sm: StateMachine;
beforeEach(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/db`);
});
afterEach(async () => {
  await sm.close();
  await cleanup(dir);
});

describe('kv semantics', () => {
  it('put sets create/mod revision and version as etcd does', async () => {
    const r = await sm.apply([
      entry(1, { type: 'put', key: b('a'), value: b('1') }),
      entry(2, { type: 'put', key: b('a'), value: b('2') }),
      entry(3, { type: 'put', key: b('b'), value: b('x') }),
    ]);
    expect(r.map((x) => x.result)).toEqual([
      { type: 'put', revision: 1 },
      { type: 'put', revision: 2 },
      { type: 'put', revision: 3 },
    ]);
    const a = await sm.get(b('a'));
    expect(plain(a)).toEqual(plain({ key: b('a'), value: b('2'), createRevision: 1, modRevision: 2, version: 2 }));
    expect(sm.revision()).toBe(3);
    expect(sm.appliedIndex()).toBe(3);
  });

  it('a delete of a missing key does not take a revision; recreating restarts version', async () => {
    await sm.apply([entry(1, { type: 'put', key: b('a'), value: b('1') })]);
    const [miss, hit] = await sm.apply([entry(2, { type: 'delete', key: b('zz') }), entry(3, { type: 'delete', key: b('a') })]);
    expect(miss!.result).toEqual({ type: 'delete', revision: 1, deleted: 0 });
    expect(hit!.result).toEqual({ type: 'delete', revision: 2, deleted: 1 });
    await sm.apply([entry(4, { type: 'put', key: b('a'), value: b('3') })]);
    expect(await sm.get(b('a'))).toMatchObject({ createRevision: 3, modRevision: 3, version: 1 });
  });

  it('no-op and membership entries only advance the applied index', async () => {
    const r = await sm.apply([noop(1), { index: 2, term: 2, type: EntryType.ConfChange, data: new Uint8Array(0), conf: { type: 'leaveJoint' } }]);
    expect(r.map((x) => x.result.type)).toEqual(['none', 'none']);
    expect([sm.appliedIndex(), sm.appliedTerm(), sm.revision()]).toEqual([2, 2, 0]);
  });

  it('a txn is one revision, reads its own writes, and picks the branch by compare', async () => {
    await sm.apply([entry(1, { type: 'put', key: b('x'), value: b('1') })]);
    const cas = (index: number, expected: number): Command => ({
      type: 'txn',
      compare: [{ key: b('x'), target: 'modRevision', op: '=', value: expected }],
      success: [
        { type: 'put', key: b('x'), value: b(`v${index}`) },
        { type: 'put', key: b('y'), value: b('y') },
        { type: 'range', key: b('x'), rangeEnd: b('z') },
      ],
      failure: [{ type: 'range', key: b('x') }],
    });
    const [ok, stale] = await sm.apply([entry(2, cas(2, 1)), entry(3, cas(3, 1))]);
    expect(ok!.result).toMatchObject({ type: 'txn', revision: 2, succeeded: true });
    const kvs = (ok!.result as { responses: { kvs?: unknown[] }[] }).responses[2]!.kvs;
    expect(kvs).toHaveLength(2);
    expect(stale!.result).toMatchObject({ type: 'txn', revision: 2, succeeded: false });
    expect(await sm.get(b('y'))).toMatchObject({ modRevision: 2, version: 1 });
  });

  it('a value compare on a missing key fails', async () => {
    const [r] = await sm.apply([
      entry(1, { type: 'txn', compare: [{ key: b('m'), target: 'value', op: '!=', value: b('q') }], success: [], failure: [] }),
    ]);
    expect(r!.result).toMatchObject({ succeeded: false, revision: 0 });
  });

  it('a command changing more than MAX_KEYS_PER_COMMAND keys fails whole, deterministically', async () => {
    const puts = Array.from({ length: MAX_KEYS_PER_COMMAND + 1 }, (_, i) => entry(i + 1, { type: 'put', key: b(`n/${i}`), value: b('') }));
    await sm.apply(puts);
    const wipe: Command = { type: 'deleteRange', key: b('n/'), rangeEnd: b('n0') };
    const txn: Command = { type: 'txn', compare: [], success: [{ type: 'put', key: b('first'), value: b('') }, wipe as TxnOp], failure: [] };
    const results = await sm.apply([entry(MAX_KEYS_PER_COMMAND + 2, wipe), entry(MAX_KEYS_PER_COMMAND + 3, txn)]);
    expect(results.map((r) => r.result)).toMatchObject([
      { type: 'error', code: 'tooManyKeys' },
      { type: 'error', code: 'tooManyKeys' },
    ]);
    expect(sm.revision()).toBe(MAX_KEYS_PER_COMMAND + 1);
    expect(await sm.get(b('first'))).toBeNull();
    expect((await sm.range({ prefix: b('n/') })).kvs).toHaveLength(MAX_KEYS_PER_COMMAND);
  });

  it('range supports prefix, limit/more and past revisions; future revisions are refused', async () => {
    await sm.apply([
      entry(1, { type: 'put', key: b('p/1'), value: b('a') }),
      entry(2, { type: 'put', key: b('p/2'), value: b('b') }),
      entry(3, { type: 'put', key: b('q'), value: b('c') }),
      entry(4, { type: 'deleteRange', key: b('p/'), rangeEnd: b('p0') }),
    ]);
    expect((await sm.range({ prefix: b('p/') })).kvs).toHaveLength(0);
    const old = await sm.range({ prefix: b('p/') }, { revision: 2, limit: 1 });
    expect(plain(old.kvs.map((kv) => kv.key))).toEqual(plain([b('p/1')]));
    expect([old.more, old.revision]).toEqual([true, 4]);
    await expect(sm.range({ prefix: b('p') }, { revision: 9 })).rejects.toBeInstanceOf(FutureRevisionError);
  });
});

describe('against the in-memory model', () => {
  const keys = ['a', 'a/1', 'a/2', 'a/3', 'b', 'b/x', 'b/y', 'c', 'c/1', 'd'].map(b);

  function randomOp(r: ReturnType<typeof prng>): TxnOp {
    const k = r.pick(keys);
    switch (r.int(5)) {
      case 0:
      case 1:
        return { type: 'put', key: k, value: b(`v${r.int(4)}`) };
      case 2:
        return { type: 'delete', key: k };
      case 3:
        return { type: 'deleteRange', key: k, rangeEnd: r.pick([b('b'), b('c/'), b('zz'), new Uint8Array([0])]) };
      default:
        return { type: 'range', key: k, rangeEnd: r.pick([b('c'), b('zz'), new Uint8Array([0])]), limit: r.int(4) };
    }
  }

  function randomCommand(r: ReturnType<typeof prng>): Command {
    const op = randomOp(r);
    if (op.type !== 'range' && r.int(3) > 0) return op;
    const compare: Compare[] = Array.from({ length: r.int(3) }, () => {
      const target = r.pick(['value', 'version', 'modRevision', 'createRevision'] as const);
      return { key: r.pick(keys), target, op: r.pick(['=', '!=', '<', '>'] as const), value: target === 'value' ? b(`v${r.int(4)}`) : r.int(6) };
    });
    const ops = (): TxnOp[] => Array.from({ length: r.int(4) }, () => randomOp(r));
    return { type: 'txn', compare, success: ops(), failure: ops() };
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: results, data and history match the model`, async () => {
      const r = prng(seed);
      const model = new KvModel();
      const history: unknown[] = [plain([])];
      let index = 0;
      for (let batch = 0; batch < 60; batch++) {
        const entries = [];
        const expected = [];
        for (let n = 1 + r.int(12); n > 0; n--) {
          index++;
          if (r.int(15) === 0) {
            entries.push(noop(index));
            expected.push({ type: 'none', revision: model.revision });
            continue;
          }
          const cmd = randomCommand(r);
          entries.push(entry(index, cmd));
          const before = model.revision;
          expected.push(model.apply(cmd));
          if (model.revision !== before) history[model.revision] = plain(sortedKvs(model));
        }
        const results = await sm.apply(entries);
        expect(plain(results.map((x) => x.result))).toEqual(plain(expected));
      }
      expect(plain(await dump(sm))).toEqual(plain(sortedKvs(model)));
      expect(sm.revision()).toBe(model.revision);
      for (let rev = 1; rev <= model.revision; rev += 1 + r.int(5)) {
        expect(plain(await dump(sm, rev))).toEqual(history[rev]);
      }
      const changes = await sm.changesSince(1, undefined, 10_000);
      expect(plain(changes.events)).toEqual(plain(model.events));
    });
  }
});

function sortedKvs(model: KvModel): unknown[] {
  return model.range(new Uint8Array(0), new Uint8Array([0]));
}
