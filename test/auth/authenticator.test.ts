// Who a caller is: tokens (expiry, staleness after a user change, a node behind the token), client
// certificates, forwarded identities (believed only from a proven member), root and range checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authenticator, type CallerCredentials } from '../../src/auth/authenticator.js';
import { hashPassword } from '../../src/auth/password.js';
import type { AuthOp } from '../../src/state/auth-records.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, tempDir } from '../state/helpers.js';

let dir: string;
let sm: StateMachine;
let now = 1_000_000;
const failures: string[] = [];
const MEMBER_CERT = Buffer.from('member');
const ALICE_CERT = Buffer.from('alice-cert');
let auth: Authenticator;

async function run(op: AuthOp): Promise<void> {
  const [r] = await sm.apply([entry(sm.appliedIndex() + 1, { type: 'auth', op, ...(sm.auth.enabled ? { auth: { user: 'root', revision: sm.auth.revision } } : {}) })]);
  expect(r!.result).toMatchObject({ type: 'auth' });
}

beforeEach(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/sm`);
  failures.length = 0;
  auth = new Authenticator(sm.auth, {
    tokenTtlMs: 60_000,
    nowMs: () => now,
    certificateUser: (der) => (der.equals(ALICE_CERT) ? 'alice' : der.equals(MEMBER_CERT) ? 'n1' : null),
    isMemberCertificate: (der) => der !== null && der.equals(MEMBER_CERT),
    onFailure: (r) => failures.push(r),
  });
  const pw = await hashPassword('pw', { N: 1024, r: 1, p: 1 });
  await run({ op: 'userAdd', name: 'root', password: pw });
  await run({ op: 'userGrant', name: 'root', role: 'root' });
  await run({ op: 'userAdd', name: 'alice', password: pw });
  await run({ op: 'roleAdd', name: 'p' });
  await run({ op: 'roleGrant', name: 'p', permission: { type: 'readwrite', key: b('p/'), rangeEnd: b('p0') } });
  await run({ op: 'userGrant', name: 'alice', role: 'p' });
  await run({ op: 'enable', tokenKey: Buffer.alloc(32, 3) });
});
afterEach(async () => {
  await sm.close();
  await cleanup(dir);
});

const creds = (c: Partial<CallerCredentials>): CallerCredentials => ({ token: null, certificate: null, assertedUser: null, forwarded: false, ...c });

describe('Authenticator', () => {
  it('issues a token for the right password and identifies its bearer', async () => {
    const { token, ttlMs } = await auth.authenticate('alice', 'pw');
    expect(ttlMs).toBe(60_000);
    expect(auth.identify(creds({ token }))).toEqual({ user: 'alice', revision: sm.auth.revision });
  });

  it('says the same for an unknown user and a wrong password', async () => {
    const a = await auth.authenticate('alice', 'nope').catch((e: Error) => e.message);
    const b2 = await auth.authenticate('mallory', 'pw').catch((e: Error) => e.message);
    expect(a).toBe(b2);
    expect(failures).toEqual(['bad_password', 'bad_password']);
  });

  it('refuses an expired token, and one issued before its user changed', async () => {
    const { token } = await auth.authenticate('alice', 'pw');
    now += 60_000;
    expect(() => auth.identify(creds({ token }))).toThrow(/expired/);
    now -= 60_000;
    await run({ op: 'userAdd', name: 'bob', password: null }); // another user: the token stays good
    expect(auth.identify(creds({ token })).user).toBe('alice');
    await run({ op: 'userRevoke', name: 'alice', role: 'p' });
    expect(() => auth.identify(creds({ token }))).toThrow(/changed .* after the token was issued/);
    expect(failures).toEqual(['expired_token', 'stale_token']);
  });

  it('refuses a token signed with a rotated key, and a forged one', async () => {
    const { token } = await auth.authenticate('alice', 'pw');
    await run({ op: 'rotateKey', tokenKey: Buffer.alloc(32, 4) });
    expect(() => auth.identify(creds({ token }))).toThrow(/invalid token/);
    expect(() => auth.identify(creds({ token: 'rdb1.e30.AAAA' }))).toThrow(/invalid token/);
  });

  it('asks to wait when the token is newer than this node has applied', async () => {
    // A node that has applied everything but the last auth change: a copy of the state before it.
    const chunks: Uint8Array[] = [];
    for await (const c of await sm.createSnapshot()) chunks.push(c);
    const behind = await StateMachine.open(`${dir}/behind`);
    await behind.restoreSnapshot((async function* () {
      yield* chunks;
    })());
    await run({ op: 'userAdd', name: 'carol', password: null });
    const token = auth.issue('alice');
    const late = new Authenticator(behind.auth, { tokenTtlMs: 60_000, nowMs: () => now });
    expect(() => late.identify(creds({ token }))).toThrow(expect.objectContaining({ kind: 'behind', revision: sm.auth.revision }));
    await behind.close();
  });

  it('identifies a client certificate by its CN, if that is a user', () => {
    expect(auth.identify(creds({ certificate: ALICE_CERT })).user).toBe('alice');
    expect(() => auth.identify(creds({ certificate: MEMBER_CERT }))).toThrow(/names "n1", which is not a user/);
    expect(() => auth.identify(creds({ certificate: Buffer.from('untrusted') }))).toThrow(/authentication required/);
    expect(() => auth.identify(creds({}))).toThrow(/authentication required/);
  });

  it('believes a forwarded user name only from a member, and never the forwarder\'s own certificate', () => {
    expect(auth.identify(creds({ forwarded: true, assertedUser: 'alice', certificate: MEMBER_CERT })).user).toBe('alice');
    expect(() => auth.identify(creds({ forwarded: true, assertedUser: 'root', certificate: ALICE_CERT }))).toThrow(/believed only from a member/);
    expect(() => auth.identify(creds({ forwarded: true, assertedUser: 'root' }))).toThrow(/believed only from a member/);
    expect(() => auth.identify(creds({ forwarded: true, certificate: MEMBER_CERT }))).toThrow(/carries no token/);
  });

  it('checks root and key ranges', async () => {
    const alice = auth.identify(creds({ certificate: ALICE_CERT }));
    expect(() => auth.requireRoot(alice, 'member add')).toThrow('permission denied: member add needs the root role (user "alice" does not have it)');
    auth.requireAccess(alice, [{ access: 'write', range: { key: b('p/x') } }]);
    expect(() => auth.requireAccess(alice, [{ access: 'read', range: { key: b('p/'), rangeEnd: b('q') } }])).toThrow('permission denied: user "alice" may not read range ["p/", "q")');
    const root = auth.identify(creds({ token: (await auth.authenticate('root', 'pw')).token }));
    auth.requireRoot(root, 'member add');
    auth.requireAccess(root, [{ access: 'write', range: { key: b('anything') } }]);
  });

  it('runs 8 password checks at once, queues the next 256 and refuses the rest', async () => {
    const attempts = Array.from({ length: 8 + 256 + 3 }, () => auth.authenticate('alice', 'pw').then(() => 'ok', (e: { kind: string }) => e.kind));
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(8 + 256);
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(3);
    // Every slot came back: the next one runs at once.
    expect(await auth.authenticate('alice', 'pw')).toMatchObject({ token: expect.stringMatching(/^rdb1\./) });
  });

  it('lets everyone through while auth is disabled', async () => {
    await run({ op: 'disable' });
    const nobody = auth.identify(creds({}));
    expect(nobody.user).toBeNull();
    auth.requireRoot(nobody, 'x');
    auth.requireAccess(nobody, [{ access: 'write', range: { key: b('z') } }]);
    await expect(auth.authenticate('alice', 'pw')).rejects.toThrow('auth is not enabled: requests need no token'); // the wire contract (src/common/wire-errors.ts)
  });
});
