// Command codec: round trip, and corrupt or foreign payloads become typed errors, never crashes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pack } from '../../src/state/codec.js';
import { type Command, decodeCommand, encodeCommand, MAX_TXN_OPS } from '../../src/state/commands.js';
import { InvalidCommandError } from '../../src/state/errors.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { EntryType } from '../../src/raft/types.js';
import { b, cleanup, entry, plain, prng, tempDir } from './helpers.js';

describe('command codec', () => {
  it('round-trips every command type', () => {
    const commands: Command[] = [
      { type: 'put', key: b('k'), value: b(''), req: { clientId: 'c1', seq: 7 } },
      { type: 'delete', key: b('k') },
      { type: 'deleteRange', key: b('a'), rangeEnd: new Uint8Array([0]) },
      {
        type: 'txn',
        compare: [{ key: b('k'), target: 'version', op: '>', value: 2 }, { key: b('k'), target: 'value', op: '=', value: b('v') }],
        success: [{ type: 'range', key: b('a'), rangeEnd: b('b'), limit: 3 }, { type: 'put', key: b('k'), value: b('v') }],
        failure: [{ type: 'deleteRange', key: b('a'), rangeEnd: b('b') }],
      },
      { type: 'setMeta', name: 'clusterConfig', value: { kind: 'setClusterConfig', mode: 'SYNC', voters: ['n1', 'n2'] } },
      { type: 'put', key: b('k'), value: b('v'), auth: { user: 'alice', revision: 4 } },
      { type: 'auth', op: { op: 'enable', tokenKey: new Uint8Array(32) } },
      { type: 'auth', op: { op: 'userAdd', name: 'bob smith', password: { algorithm: 'scrypt', salt: b('s'), hash: b('h'), N: 16384, r: 8, p: 1 } }, auth: { user: 'root', revision: 9 } },
      { type: 'auth', op: { op: 'userAdd', name: 'cn-only', password: null } },
      { type: 'auth', op: { op: 'userGrant', name: 'bob smith', role: 'r' } },
      { type: 'auth', op: { op: 'roleGrant', name: 'r', permission: { type: 'readwrite', key: b('p/'), rangeEnd: b('p0') } } },
      { type: 'auth', op: { op: 'roleRevoke', name: 'r', key: b('p/'), rangeEnd: new Uint8Array(0) } },
    ];
    for (const c of commands) expect(plain(decodeCommand(encodeCommand(c)))).toEqual(plain(c));
  });

  const bad: [string, unknown, string][] = [
    ['a number', 5, 'command'],
    ['unknown type', { type: 'rename', key: b('k') }, 'type'],
    ['string key', { type: 'put', key: 'k', value: b('v') }, 'key'],
    ['empty key', { type: 'put', key: b(''), value: b('v') }, 'key'],
    ['missing value', { type: 'put', key: b('k') }, 'value'],
    ['bad seq', { type: 'delete', key: b('k'), req: { clientId: 'c', seq: 1.5 } }, 'req.seq'],
    ['unsafe seq', { type: 'delete', key: b('k'), req: { clientId: 'c', seq: 2 ** 60 } }, 'req.seq'],
    ['empty client', { type: 'delete', key: b('k'), req: { clientId: '', seq: 1 } }, 'req.clientId'],
    ['bad compare op', { type: 'txn', compare: [{ key: b('k'), target: 'value', op: '>=', value: b('') }] }, 'compare[0].op'],
    ['bad compare value', { type: 'txn', compare: [{ key: b('k'), target: 'version', op: '=', value: b('1') }] }, 'compare[0].value'],
    ['bad op', { type: 'txn', success: [{ type: 'put', key: b('k'), value: 3 }] }, 'success[0].value'],
    ['too many ops', { type: 'txn', failure: Array(MAX_TXN_OPS + 1).fill({ type: 'delete', key: b('k') }) }, 'failure'],
    ['huge limit', { type: 'txn', success: [{ type: 'range', key: b('k'), limit: 1e9 }] }, 'success[0].limit'],
    ['unknown auth op', { type: 'auth', op: { op: 'becomeRoot' } }, 'op.op'],
    ['short token key', { type: 'auth', op: { op: 'enable', tokenKey: b('short') } }, 'op.tokenKey'],
    ['user name with a colon', { type: 'auth', op: { op: 'userAdd', name: 'a:b', password: null } }, 'op.name'],
    ['user name with a newline', { type: 'auth', op: { op: 'userDelete', name: 'a\nb' } }, 'op.name'],
    ['long role name', { type: 'auth', op: { op: 'roleAdd', name: 'r'.repeat(129) } }, 'op.name'],
    ['scrypt cost too high', { type: 'auth', op: { op: 'userAdd', name: 'u', password: { algorithm: 'scrypt', salt: b('s'), hash: b('h'), N: 2 ** 24, r: 8, p: 1 } } }, 'op.password.N'],
    ['plain password', { type: 'auth', op: { op: 'userAdd', name: 'u', password: { algorithm: 'plain', salt: b(''), hash: b('pw') } } }, 'op.password.algorithm'],
    ['bad permission type', { type: 'auth', op: { op: 'roleGrant', name: 'r', permission: { type: 'admin', key: b('k') } } }, 'op.permission.type'],
    ['empty permission key', { type: 'auth', op: { op: 'roleGrant', name: 'r', permission: { type: 'read', key: b('') } } }, 'op.permission.key'],
    ['bad auth user', { type: 'put', key: b('k'), value: b('v'), auth: { user: '', revision: 1 } }, 'auth.user'],
    ['bad auth revision', { type: 'put', key: b('k'), value: b('v'), auth: { user: 'u', revision: -1 } }, 'auth.revision'],
  ];
  for (const [what, raw, field] of bad) {
    it(`rejects ${what} naming ${field}`, () => {
      let err: unknown;
      try {
        decodeCommand(pack(raw));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidCommandError);
      expect((err as InvalidCommandError).field).toBe(field);
    });
  }

  it('random bytes never escape as anything but InvalidCommandError', () => {
    const r = prng(99);
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: 1 + r.int(40) }, () => r.int(256));
      try {
        decodeCommand(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidCommandError);
      }
    }
  });
});

describe('entry payload memory', () => {
  // The leader keeps every proposed payload in its Raft log and WAL cache for up to 96 MiB of
  // entries; a payload that is a view into the codec's shared output buffer keeps that whole
  // buffer (several MiB, mostly records and watch events packed beside it) alive. Measured before
  // this: 300 MiB of 64 KiB puts left the leader holding 232 MiB of buffers for ~80 MiB of entries.
  it('an encoded command owns exactly its bytes, whatever was packed before it', () => {
    const big = new Uint8Array(1024 * 1024).fill(1);
    for (const valueBytes of [10, 300, 5000, 64 * 1024]) {
      pack({ warm: big }); // grows the shared buffer to a few MiB, as snapshot chunks do
      const data = encodeCommand({ type: 'put', key: b('k'), value: new Uint8Array(valueBytes).fill(2) });
      expect(data.byteOffset).toBe(0);
      expect(data.buffer.byteLength).toBe(data.byteLength);
      const before = Uint8Array.from(data);
      pack({ after: big }); // later packing neither grows nor rewrites the payload
      encodeCommand({ type: 'put', key: b('k2'), value: new Uint8Array(valueBytes).fill(3) });
      expect(Uint8Array.from(data)).toEqual(before);
      const decoded = decodeCommand(data) as { type: string; value: Uint8Array };
      expect(decoded.type).toBe('put');
      expect(Buffer.from(decoded.value).equals(Buffer.alloc(valueBytes, 2))).toBe(true);
    }
  });
});

describe('decoding keeps nothing on the payload', () => {
  // msgpackr caches a DataView on the object it decodes; on an entry's payload, which the log and
  // the WAL cache keep, that was 80 B and a property array per entry.
  it('a decoded payload carries no cached DataView', () => {
    const data = encodeCommand({ type: 'put', key: b('k'), value: b('v') });
    decodeCommand(data);
    expect(Object.keys(data)).not.toContain('dataView');
    expect((data as { dataView?: unknown }).dataView).toBeUndefined();
  });
});

describe('applying bad payloads', () => {
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

  it('yields an invalidCommand result, applies the rest of the batch, and advances the index', async () => {
    const garbage = { index: 2, term: 1, type: EntryType.Normal, data: Buffer.from([0xc1, 0xff, 0x00]) };
    const results = await sm.apply([
      entry(1, { type: 'put', key: b('a'), value: b('1') }),
      garbage,
      { index: 3, term: 1, type: EntryType.Normal, data: pack({ type: 'put', key: 'a', value: 'b' }) },
      entry(4, { type: 'put', key: b('a'), value: b('2') }),
    ]);
    expect(results.map((r) => (r.result.type === 'error' ? r.result.code : r.result.type))).toEqual([
      'put',
      'invalidCommand',
      'invalidCommand',
      'put',
    ]);
    expect(sm.appliedIndex()).toBe(4);
    expect(await sm.get(b('a'))).toMatchObject({ version: 2 });
  });
});
