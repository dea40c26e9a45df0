// The Auth service in a 3-node in-process cluster, through a follower and the leader: preparing
// users while auth is off, enabling it (refused without a root user), Authenticate, root-only
// administration, tokens that stop working when their user changes or the key rotates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawAuth } from './fixtures/raw-auth.js';
import { InProcessCluster } from './in-process.js';

describe('Auth service, 3 nodes in one process', () => {
  let cluster: InProcessCluster;
  let viaFollower: RawAuth;
  let viaLeader: RawAuth;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(3);
    const leader = await cluster.leader();
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id)!;
    viaLeader = new RawAuth(leader.address);
    viaFollower = new RawAuth(follower.address);
  });
  afterAll(async () => {
    viaFollower?.close();
    viaLeader?.close();
    await cluster?.close();
  });

  test('users are prepared while auth is off; enable needs a root user', async () => {
    expect(await viaFollower.call('AuthStatus')).toMatchObject({ code: 'OK', response: { enabled: false } });
    // The wire contract clients recognise (auth.proto): this code and exactly this message, also
    // when a follower forwards the call to the leader.
    const off = { code: 'FAILED_PRECONDITION', details: 'auth is not enabled: requests need no token' };
    expect(await viaFollower.call('Authenticate', { name: 'root', password: 'x' })).toMatchObject(off);
    expect(await viaLeader.call('Authenticate', { name: 'root', password: 'x' })).toMatchObject(off);
    expect(await viaFollower.call('AuthEnable')).toMatchObject({ code: 'FAILED_PRECONDITION', details: expect.stringContaining('root role') });
    expect(await viaFollower.call('UserAdd', { name: 'root', password: 'rootpw' })).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserGrantRole', { user: 'root', role: 'root' })).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserAdd', { name: 'alice', password: 'alicepw' })).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserAdd', { name: 'alice', password: 'x' })).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await viaFollower.call('UserAdd', { name: 'bad:name', password: 'x' })).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.stringContaining('name') });
    expect(await viaFollower.call('UserAdd', { name: 'nopw' })).toMatchObject({ code: 'INVALID_ARGUMENT', details: expect.stringContaining('password') });
    expect(await viaFollower.call('RoleAdd', { name: 'reader' })).toMatchObject({ code: 'OK' });
    const grant = { name: 'reader', permission: { type: 'READ', key: Buffer.from('p/'), rangeEnd: Buffer.from('p0') } };
    expect(await viaFollower.call('RoleGrantPermission', grant)).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('AuthEnable')).toMatchObject({ code: 'OK' });
    expect(await viaLeader.call('AuthStatus')).toMatchObject({ code: 'OK', response: { enabled: true } });
  });

  test('Authenticate on a follower or the leader; a wrong password and an unknown user look alike', async () => {
    const bad = await viaFollower.call('Authenticate', { name: 'alice', password: 'wrong' });
    const unknown = await viaLeader.call('Authenticate', { name: 'mallory', password: 'x' });
    expect(bad).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(unknown).toEqual(bad);
    expect(await viaFollower.token('alice', 'alicepw')).toMatch(/^rdb1\./);
  });

  test('administration needs root: none, a user without root, and root', async () => {
    const alice = await viaLeader.token('alice', 'alicepw');
    const root = await viaFollower.token('root', 'rootpw');
    expect(await viaFollower.call('UserList')).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await viaFollower.call('UserList', {}, alice)).toMatchObject({ code: 'PERMISSION_DENIED', details: expect.stringContaining('root role') });
    expect(await viaFollower.call('UserAdd', { name: 'eve', password: 'x' }, alice)).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await viaFollower.call('UserList', {}, root)).toMatchObject({ code: 'OK', response: { users: ['alice', 'root'] } });
    expect(await viaFollower.call('UserGrantRole', { user: 'alice', role: 'reader' }, root)).toMatchObject({ code: 'OK' });
    expect(await viaLeader.call('UserGet', { name: 'alice' }, root)).toMatchObject({ code: 'OK', response: { roles: ['reader'], hasPassword: true } });
    const role = await viaLeader.call('RoleGet', { name: 'reader' }, root);
    expect(role.response).toMatchObject({ permissions: [{ type: 'READ', key: Buffer.from('p/'), rangeEnd: Buffer.from('p0') }] });
    expect(await viaLeader.call('RoleList', {}, root)).toMatchObject({ response: { roles: ['root', 'reader'] } });
  });

  test('a token stops working when its user changes, and when the key rotates', async () => {
    const root = await viaLeader.token('root', 'rootpw');
    const alice = await viaLeader.token('alice', 'alicepw');
    expect(await viaFollower.call('UserRevokeRole', { user: 'alice', role: 'reader' }, root)).toMatchObject({ code: 'OK' });
    // Only alice changed: root's token still works, alice's does not.
    const stale = await viaFollower.call('UserGet', { name: 'alice' }, alice);
    expect(stale).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('authenticate again') });
    expect(await viaFollower.call('AuthRotateKey', {}, root)).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserList', {}, root)).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('invalid token') });
    const fresh = await viaFollower.token('root', 'rootpw');
    expect(await viaFollower.call('UserList', {}, fresh)).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserDelete', { name: 'root' }, fresh)).toMatchObject({ code: 'FAILED_PRECONDITION', details: expect.stringContaining('last one with the root role') });
    expect(await viaFollower.call('AuthDisable', {}, fresh)).toMatchObject({ code: 'OK' });
    expect(await viaFollower.call('UserList')).toMatchObject({ code: 'OK' });
  });
});
