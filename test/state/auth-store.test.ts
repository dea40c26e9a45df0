// The replicated auth state: auth commands applied from the log, their rules (root user before
// enable, the last root user kept, the built-in root role), persistence across a reopen and a
// snapshot, and the apply-time check of writes against the auth revision they were checked at.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthOp } from '../../src/state/auth-records.js';
import type { Command } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/state-machine.js';
import type { CommandResult } from '../../src/state/types.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

let dir: string;
let sm: StateMachine;
beforeEach(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/sm`);
});
afterEach(async () => {
  await sm.close().catch(() => {});
  await cleanup(dir);
});

const KEY = new Uint8Array(32).fill(7);
const hash = { algorithm: 'scrypt' as const, salt: b('salt'), hash: b('h'.repeat(32)), N: 16384, r: 8, p: 1 };

async function run(cmd: Command): Promise<CommandResult> {
  const [r] = await sm.apply([entry(sm.appliedIndex() + 1, cmd)]);
  return r!.result;
}
const auth = (op: AuthOp, user?: string): Command => ({ type: 'auth', op, ...(user ? { auth: { user, revision: sm.auth.revision } } : {}) });

async function rootAndAlice(): Promise<void> {
  for (const op of [
    { op: 'userAdd', name: 'root', password: hash },
    { op: 'userGrant', name: 'root', role: 'root' },
    { op: 'userAdd', name: 'alice', password: hash },
    { op: 'roleAdd', name: 'reader' },
    { op: 'roleGrant', name: 'reader', permission: { type: 'read', key: b('p/'), rangeEnd: b('p0') } },
    { op: 'roleGrant', name: 'reader', permission: { type: 'readwrite', key: b('mine'), rangeEnd: new Uint8Array(0) } },
    { op: 'userGrant', name: 'alice', role: 'reader' },
    { op: 'enable', tokenKey: KEY },
  ] satisfies AuthOp[]) {
    expect(await run(auth(op, sm.auth.enabled ? 'root' : undefined))).toMatchObject({ type: 'auth' });
  }
}

describe('auth commands', () => {
  it('refuses auth enable without a root user, then enables with one', async () => {
    expect(await run(auth({ op: 'enable', tokenKey: KEY }))).toMatchObject({ type: 'error', code: 'refused', message: expect.stringContaining('root role') });
    expect(sm.auth.enabled).toBe(false);
    await rootAndAlice();
    expect(sm.auth.enabled).toBe(true);
    expect(sm.auth.tokenKey?.key).toEqual(Buffer.from(KEY));
    expect(sm.auth.revision).toBe(8);
  });

  it('moves the auth revision once per change, not for no-ops or errors', async () => {
    await run(auth({ op: 'userAdd', name: 'u', password: null }));
    expect(sm.auth.revision).toBe(1);
    expect(await run(auth({ op: 'userAdd', name: 'u', password: null }))).toMatchObject({ code: 'alreadyExists' });
    expect(await run(auth({ op: 'disable' }))).toMatchObject({ type: 'auth', authRevision: 1 });
    await run(auth({ op: 'userGrant', name: 'u', role: 'root' }));
    expect(await run(auth({ op: 'userGrant', name: 'u', role: 'root' }))).toMatchObject({ type: 'auth', authRevision: 2 });
    expect(sm.auth.user('u')).toMatchObject({ roles: ['root'], revision: 2 });
    expect(sm.revision()).toBe(0); // the keyspace revision does not move
  });

  it('names what is missing or refused', async () => {
    expect(await run(auth({ op: 'userDelete', name: 'x' }))).toMatchObject({ code: 'notFound', message: 'user "x" does not exist' });
    await run(auth({ op: 'userAdd', name: 'x', password: null }));
    expect(await run(auth({ op: 'userGrant', name: 'x', role: 'nope' }))).toMatchObject({ code: 'notFound', message: 'role "nope" does not exist' });
    expect(await run(auth({ op: 'roleAdd', name: 'root' }))).toMatchObject({ code: 'alreadyExists' });
    expect(await run(auth({ op: 'roleGrant', name: 'root', permission: { type: 'read', key: b('a'), rangeEnd: new Uint8Array(0) } }))).toMatchObject({ code: 'refused' });
    await run(auth({ op: 'roleAdd', name: 'r' }));
    expect(await run(auth({ op: 'roleRevoke', name: 'r', key: b('a'), rangeEnd: new Uint8Array(0) }))).toMatchObject({ code: 'notFound', message: 'role "r" has no permission on key "a"' });
  });

  it('keeps the last root user while enabled; deleting a role takes it from its users', async () => {
    await rootAndAlice();
    expect(await run(auth({ op: 'userDelete', name: 'root' }, 'root'))).toMatchObject({ code: 'refused' });
    expect(await run(auth({ op: 'userRevoke', name: 'root', role: 'root' }, 'root'))).toMatchObject({ code: 'refused' });
    const before = sm.auth.user('alice')!.revision;
    await run(auth({ op: 'roleDelete', name: 'reader' }, 'root'));
    expect(sm.auth.user('alice')).toMatchObject({ roles: [] });
    expect(sm.auth.user('alice')!.revision).toBeGreaterThan(before);
  });

  it('a permission on the same range replaces the old one; revoke removes it', async () => {
    await run(auth({ op: 'roleAdd', name: 'r' }));
    await run(auth({ op: 'roleGrant', name: 'r', permission: { type: 'read', key: b('a'), rangeEnd: b('c') } }));
    await run(auth({ op: 'roleGrant', name: 'r', permission: { type: 'write', key: b('a'), rangeEnd: b('c') } }));
    expect(sm.auth.role('r')!.permissions).toEqual([{ type: 'write', key: b('a'), rangeEnd: b('c') }]);
    await run(auth({ op: 'roleRevoke', name: 'r', key: b('a'), rangeEnd: b('c') }));
    expect(sm.auth.role('r')!.permissions).toEqual([]);
  });

  it('needs root for auth changes once enabled (checked at apply)', async () => {
    await rootAndAlice();
    expect(await run(auth({ op: 'userAdd', name: 'eve', password: null }, 'alice'))).toMatchObject({ code: 'permissionDenied' });
    expect(await run(auth({ op: 'userAdd', name: 'eve', password: null }))).toMatchObject({ code: 'unauthenticated' });
    expect(sm.auth.user('eve')).toBeUndefined();
    expect(await run(auth({ op: 'disable' }, 'root'))).toMatchObject({ type: 'auth' });
    expect(sm.auth.enabled).toBe(false);
  });

  it('survives a reopen and a snapshot into a fresh state machine', async () => {
    await rootAndAlice();
    await sm.close();
    sm = await StateMachine.open(`${dir}/sm`);
    expect(sm.auth.enabled).toBe(true);
    expect(sm.auth.user('alice')).toMatchObject({ roles: ['reader'] });
    expect(sm.auth.permits('alice', 'read', { key: b('p/1') })).toBe(true);
    const chunks: Uint8Array[] = [];
    for await (const c of await sm.createSnapshot()) chunks.push(c);
    const other = await StateMachine.open(`${dir}/other`);
    let heard = 0;
    other.auth.onChange(() => heard++);
    await other.restoreSnapshot((async function* () {
      yield* chunks;
    })());
    expect(heard).toBe(1);
    expect(other.auth.revision).toBe(sm.auth.revision);
    expect(other.auth.userList().map((u) => u.name)).toEqual(['alice', 'root']);
    expect(other.auth.role('reader')!.permissions).toHaveLength(2);
    expect(other.auth.tokenKey?.key).toEqual(Buffer.from(KEY));
    await other.close();
  });
});

describe('auth listeners', () => {
  it('a listener that throws does not stop apply; its error is told to onListenerError', async () => {
    const told: [string, string][] = [];
    const own = await StateMachine.open(`${dir}/listeners`, { onListenerError: (err, source) => told.push([source, (err as Error).message]) });
    let heard = 0;
    own.auth.onChange(() => {
      throw new Error('a broken auth listener');
    });
    own.auth.onChange(() => heard++);
    const [r] = await own.apply([entry(1, { type: 'auth', op: { op: 'userAdd', name: 'root', password: hash } })]);
    expect(r!.result.type).not.toBe('error');
    expect(heard).toBe(1);
    expect(told).toEqual([['auth', 'a broken auth listener']]);
    await own.close();
  });
});

describe('writes checked at apply', () => {
  const put = (key: string, user: string | null, revision: number): Command => ({
    type: 'put',
    key: b(key),
    value: b('v'),
    ...(user ? { auth: { user, revision } } : {}),
  });

  it('applies a write checked at the current auth revision without checking again', async () => {
    await rootAndAlice();
    // (The leader would never propose this: it shows that an unchanged revision is trusted.)
    expect(await run(put('p/1', 'alice', sm.auth.revision))).toMatchObject({ type: 'put' });
  });

  it('re-checks a write whose auth revision moved: allowed still, or denied naming the range', async () => {
    await rootAndAlice();
    const checkedAt = sm.auth.revision;
    await run(auth({ op: 'userAdd', name: 'bob', password: null }, 'root')); // unrelated change
    expect(await run(put('mine', 'alice', checkedAt))).toMatchObject({ type: 'put' });
    const before = sm.auth.revision;
    await run(auth({ op: 'roleRevoke', name: 'reader', key: b('mine'), rangeEnd: new Uint8Array(0) }, 'root'));
    expect(await run(put('mine', 'alice', before))).toMatchObject({ type: 'error', code: 'permissionDenied', message: 'user "alice" may not write key "mine"' });
    expect(await sm.get(b('mine'))).toMatchObject({ version: 1 }); // only the first put
  });

  it('checks every compare and both branches of a txn', async () => {
    await rootAndAlice();
    const stale = sm.auth.revision - 1;
    const txn = (compareKey: string, failurePut: string): Command => ({
      type: 'txn',
      compare: [{ key: b(compareKey), target: 'version', op: '=', value: 0 }],
      success: [{ type: 'put', key: b('mine'), value: b('1') }],
      failure: [{ type: 'put', key: b(failurePut), value: b('1') }],
      auth: { user: 'alice', revision: stale },
    });
    expect(await run(txn('p/1', 'mine'))).toMatchObject({ type: 'txn', succeeded: true });
    expect(await run(txn('secret', 'mine'))).toMatchObject({ code: 'permissionDenied', message: 'user "alice" may not read key "secret"' });
    // The failure branch would not run, and is checked all the same.
    expect(await run(txn('p/1', 'p/2'))).toMatchObject({ code: 'permissionDenied', message: 'user "alice" may not write key "p/2"' });
  });

  it('refuses a write checked before auth was enabled, and one for a deleted user; neither is recorded for retries', async () => {
    await run(auth({ op: 'userAdd', name: 'root', password: null }));
    await run(auth({ op: 'userGrant', name: 'root', role: 'root' }));
    await run(auth({ op: 'userAdd', name: 'gone', password: null }));
    await run(auth({ op: 'enable', tokenKey: KEY }));
    const anonymous: Command = { ...put('k', null, 0), req: { clientId: 'c', seq: 1 } };
    expect(await run(anonymous)).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('auth was enabled') });
    await run(auth({ op: 'userDelete', name: 'gone' }, 'root'));
    expect(await run(put('k', 'gone', 1))).toMatchObject({ code: 'unauthenticated' });
    // The refused request id was not recorded: the same id applies once it is allowed.
    await run(auth({ op: 'disable' }, 'root'));
    expect(await run(anonymous)).toMatchObject({ type: 'put' });
  });
});
