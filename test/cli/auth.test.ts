// The auth, user and role verbs and --user against a fake node: what they send, print and exit with.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeNode, fault, hdr } from '../client/fake-server.js';
import { raftdb } from './harness.js';

let n: FakeNode;
let ep: string[];
const changed = (): Record<string, unknown> => ({ header: hdr(1), authRevision: 7 });
beforeEach(async () => {
  n = await FakeNode.start();
  ep = ['--endpoints', n.address];
  for (const m of ['AuthEnable', 'AuthDisable', 'AuthRotateKey', 'UserAdd', 'UserDelete', 'UserChangePassword', 'UserGrantRole', 'UserRevokeRole', 'RoleAdd', 'RoleDelete', 'RoleGrantPermission', 'RoleRevokePermission']) {
    n.handlers.set(m, changed);
  }
});
afterEach(() => n.close());

describe('user', () => {
  it('add name:password sends the password; --json prints the auth revision', async () => {
    expect(await raftdb(['user', 'add', 'alice:s3:cret', ...ep])).toMatchObject({ code: 0, stdout: 'User alice created\n' });
    expect(n.requests('UserAdd')[0]).toMatchObject({ name: 'alice', password: 's3:cret', noPassword: false });
    const j = await raftdb(['user', 'add', 'bob:x', '--json', ...ep]);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, authRevision: 7 });
  });

  it('add without a password asks for it (standard input without a terminal)', async () => {
    expect(await raftdb(['user', 'add', 'bob', ...ep], { stdin: 'typed pw\n' })).toMatchObject({ code: 0, stdout: 'User bob created\n' });
    expect(n.requests('UserAdd')[0]).toMatchObject({ name: 'bob', password: 'typed pw' });
    expect(await raftdb(['user', 'add', 'carol', ...ep])).toMatchObject({ code: 2, stderr: expect.stringContaining('no answer to "Password of carol:"') });
  });

  it('add --no-password makes a certificate-only user; with name:password it is a usage error', async () => {
    expect(await raftdb(['user', 'add', 'cn-user', '--no-password', ...ep])).toMatchObject({ code: 0 });
    expect(n.requests('UserAdd')[0]).toMatchObject({ name: 'cn-user', noPassword: true, password: '' });
    expect(await raftdb(['user', 'add', 'x:y', '--no-password', ...ep])).toMatchObject({ code: 2 });
  });

  it('passwd, delete, grant-role, revoke-role', async () => {
    expect(await raftdb(['user', 'passwd', 'alice:new', ...ep])).toMatchObject({ code: 0, stdout: 'Password updated\n' });
    expect(n.requests('UserChangePassword')[0]).toMatchObject({ name: 'alice', password: 'new' });
    expect(await raftdb(['user', 'grant-role', 'alice', 'app', ...ep])).toMatchObject({ code: 0, stdout: 'Role app is granted to user alice\n' });
    expect(n.requests('UserGrantRole')[0]).toMatchObject({ user: 'alice', role: 'app' });
    expect(await raftdb(['user', 'revoke-role', 'alice', 'app', ...ep])).toMatchObject({ code: 0, stdout: 'Role app is revoked from user alice\n' });
    expect(await raftdb(['user', 'delete', 'alice', ...ep])).toMatchObject({ code: 0, stdout: 'User alice deleted\n' });
    expect(n.requests('UserDelete')[0]).toMatchObject({ name: 'alice' });
  });

  it('list and get, as text and JSON', async () => {
    n.handlers.set('UserList', () => ({ header: hdr(1), users: ['alice', 'root'] }));
    n.handlers.set('UserGet', () => ({ header: hdr(1), name: 'alice', roles: ['app', 'ops'], hasPassword: true }));
    expect(await raftdb(['user', 'list', ...ep])).toMatchObject({ stdout: 'alice\nroot\n' });
    expect(JSON.parse((await raftdb(['user', 'list', '--json', ...ep])).stdout)).toEqual({ users: ['alice', 'root'] });
    expect(await raftdb(['user', 'get', 'alice', ...ep])).toMatchObject({ stdout: 'User: alice\nRoles: app ops\nPassword: yes\n' });
    expect(JSON.parse((await raftdb(['user', 'get', 'alice', '--json', ...ep])).stdout)).toEqual({ name: 'alice', roles: ['app', 'ops'], hasPassword: true });
  });

  it('reports a refusal with its status, exit 1', async () => {
    n.handlers.set('UserAdd', () => Promise.reject(fault(status.PERMISSION_DENIED, 'permission denied: user add needs the root role')));
    expect(await raftdb(['user', 'add', 'x:y', ...ep])).toEqual({ code: 1, stdout: '', stderr: 'raftdb: PERMISSION_DENIED: permission denied: user add needs the root role\n' });
  });
});

describe('role', () => {
  it('grant-permission on a key, a range, a prefix and from a key', async () => {
    const grant = async (...args: string[]): Promise<Record<string, unknown>> => {
      expect(await raftdb(['role', 'grant-permission', 'app', ...args, ...ep])).toMatchObject({ code: 0, stdout: 'Role app updated\n' });
      return n.requests('RoleGrantPermission').at(-1)!;
    };
    expect(await grant('read', 'k')).toMatchObject({ name: 'app', permission: { type: 'READ', key: Buffer.from('k'), rangeEnd: Buffer.alloc(0) } });
    expect(await grant('write', 'a', 'c')).toMatchObject({ permission: { type: 'WRITE', key: Buffer.from('a'), rangeEnd: Buffer.from('c') } });
    expect(await grant('readwrite', 'p/', '--prefix')).toMatchObject({ permission: { type: 'READWRITE', key: Buffer.from('p/'), rangeEnd: Buffer.from('p0') } });
    expect(await grant('read', 'm', '--from-key')).toMatchObject({ permission: { key: Buffer.from('m'), rangeEnd: Buffer.from([0]) } });
  });

  it('refuses a bad type and contradictory range flags', async () => {
    expect(await raftdb(['role', 'grant-permission', 'app', 'admin', 'k', ...ep])).toMatchObject({ code: 2, stderr: expect.stringContaining('"admin" is not one of read, write, readwrite') });
    expect(await raftdb(['role', 'grant-permission', 'app', 'read', 'a', 'b', '--prefix', ...ep])).toMatchObject({ code: 2 });
    expect(n.requests('RoleGrantPermission')).toEqual([]);
  });

  it('revoke-permission, add, delete, list, get', async () => {
    expect(await raftdb(['role', 'revoke-permission', 'app', 'p/', '--prefix', ...ep])).toMatchObject({ code: 0, stdout: 'Permission of p/ is revoked from role app\n' });
    expect(n.requests('RoleRevokePermission')[0]).toMatchObject({ name: 'app', key: Buffer.from('p/'), rangeEnd: Buffer.from('p0') });
    expect(await raftdb(['role', 'add', 'ops', ...ep])).toMatchObject({ code: 0, stdout: 'Role ops created\n' });
    expect(await raftdb(['role', 'delete', 'ops', ...ep])).toMatchObject({ code: 0, stdout: 'Role ops deleted\n' });
    n.handlers.set('RoleList', () => ({ header: hdr(1), roles: ['root', 'app'] }));
    expect(await raftdb(['role', 'list', ...ep])).toMatchObject({ stdout: 'root\napp\n' });
    n.handlers.set('RoleGet', () => ({
      header: hdr(1),
      name: 'app',
      permissions: [
        { type: 'READ', key: Buffer.from('shared'), rangeEnd: Buffer.alloc(0) },
        { type: 'READWRITE', key: Buffer.from('p/'), rangeEnd: Buffer.from('p0') },
      ],
    }));
    expect((await raftdb(['role', 'get', 'app', ...ep])).stdout).toBe('Role app\nKV Read:\n\tshared\n\t[p/, p0)\nKV Write:\n\t[p/, p0)\n');
    expect(JSON.parse((await raftdb(['role', 'get', 'app', '--json', ...ep])).stdout)).toEqual({
      name: 'app',
      permissions: [
        { type: 'read', key: 'shared', rangeEnd: '' },
        { type: 'readwrite', key: 'p/', rangeEnd: 'p0' },
      ],
    });
  });
});

describe('auth', () => {
  it('enable, disable, rotate-key, status', async () => {
    expect(await raftdb(['auth', 'enable', ...ep])).toMatchObject({ code: 0, stdout: 'Authentication Enabled\n' });
    expect(await raftdb(['auth', 'disable', ...ep])).toMatchObject({ code: 0, stdout: 'Authentication Disabled\n' });
    expect(await raftdb(['auth', 'rotate-key', ...ep])).toMatchObject({ code: 0 });
    n.handlers.set('AuthStatus', () => ({ header: hdr(1), enabled: true, authRevision: 12 }));
    expect(await raftdb(['auth', 'status', ...ep])).toMatchObject({ stdout: 'Authentication Status: true\nAuthRevision: 12\n' });
    expect(JSON.parse((await raftdb(['auth', 'status', '--json', ...ep])).stdout)).toMatchObject({ enabled: true, authRevision: 12 });
  });
});

describe('--user on every verb', () => {
  beforeEach(() => {
    n.handlers.set('Authenticate', (req) => ({ header: hdr(1), token: `tok-${String(req.name)}`, ttlMs: 60_000 }));
    n.handlers.set('Put', () => ({ header: hdr(5) }));
    n.handlers.set('Status', () => ({ id: 'n1', role: 'leader', followers: [], voters: ['n1'], learners: [], alarms: [] }));
  });

  it('authenticates once and sends the token with the request', async () => {
    expect(await raftdb(['put', 'k', 'v', '--user', 'alice:pw', ...ep])).toMatchObject({ code: 0 });
    expect(n.requests('Authenticate')).toEqual([{ name: 'alice', password: 'pw' }]);
    expect(n.calls.find((c) => c.method === 'Put')).toMatchObject({ token: 'tok-alice' });
    await raftdb(['user', 'list', '--user', 'root:pw', ...ep]);
    expect(n.calls.find((c) => c.method === 'UserList')).toMatchObject({ token: 'tok-root' });
  });

  it('takes RAFTDB_USER, and asks for a missing password', async () => {
    await raftdb(['status', ...ep], { env: { RAFTDB_USER: 'ops:secret' } });
    expect(n.requests('Authenticate')).toEqual([{ name: 'ops', password: 'secret' }]);
    expect(n.calls.find((c) => c.method === 'Status')).toMatchObject({ token: 'tok-ops' });
    await raftdb(['put', 'k', 'v', '--user', 'bob', ...ep], { stdin: 'bobpw\n' });
    expect(n.requests('Authenticate')[1]).toEqual({ name: 'bob', password: 'bobpw' });
    expect(await raftdb(['put', 'k', 'v', '--user', ':pw', ...ep])).toMatchObject({ code: 2 });
  });

  it('a refused password fails the verb with UNAUTHENTICATED, exit 1', async () => {
    n.handlers.set('Authenticate', () => Promise.reject(fault(status.UNAUTHENTICATED, 'authentication failed: wrong user name or password')));
    const r = await raftdb(['put', 'k', 'v', '--user', 'alice:nope', ...ep]);
    expect(r).toMatchObject({ code: 1, stderr: 'raftdb: UNAUTHENTICATED: authentication failed: wrong user name or password\n' });
    expect(n.requests('Put')).toEqual([]);
  });
});
