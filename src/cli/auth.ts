// Auth verbs in etcdctl's shapes: `auth enable|disable|status|rotate-key`, `user add|delete|
// passwd|grant-role|revoke-role|list|get`, `role add|delete|list|get|grant-permission|
// revoke-permission`. Passwords come after a ':' (`user add alice:secret`, for scripts) or are
// asked for (twice at a terminal).
import type { Command } from 'commander';
import type { AuthChange, Permission, PermissionTarget, PermissionType, RaftdbClient } from '../client/index.js';
import { type CliIo, type CommonOptions, UsageError, bytesJson, printJson, readSecret, withClient, withCommonOptions } from './common.js';

const PERMISSION_TYPES: PermissionType[] = ['read', 'write', 'readwrite'];

/** The name and password of `name[:password]`; the password is asked for when absent. */
async function nameAndPassword(value: string, io: CliIo): Promise<{ name: string; password: string }> {
  const colon = value.indexOf(':');
  if (colon === 0) throw new UsageError('the user name is empty');
  if (colon > 0) return { name: value.slice(0, colon), password: value.slice(colon + 1) };
  const password = await readSecret(io, `Password of ${value}: `);
  // At a terminal a typo would lock the user out: ask again.
  if (io.readSecret && (await readSecret(io, `Type password of ${value} again for confirmation: `)) !== password) {
    throw new UsageError('the two passwords differ');
  }
  return { name: value, password };
}

/** Prints a change: `text` for people, the auth revision for scripts. */
function changed(io: CliIo, opts: CommonOptions, r: AuthChange, text: string): void {
  if (opts.json) printJson(io, { ok: true, authRevision: r.authRevision, header: r.header });
  else io.out(`${text}\n`);
}

/** Runs `fn` with a client and prints its change. */
function change(io: CliIo, opts: CommonOptions, text: string, fn: (c: RaftdbClient) => Promise<AuthChange>): Promise<void> {
  return withClient(opts, fn).then((r) => changed(io, opts, r, text));
}

/** A permission's key range from KEY [RANGE_END] [--prefix] [--from-key]. */
function target(key: string, rangeEnd: string | undefined, o: { prefix?: boolean; fromKey?: boolean }): PermissionTarget {
  if ([rangeEnd !== undefined, o.prefix === true, o.fromKey === true].filter(Boolean).length > 1) {
    throw new UsageError('give one of RANGE_END, --prefix and --from-key');
  }
  if (o.prefix) return { key, prefix: true };
  if (o.fromKey) return { key, rangeEnd: Buffer.from([0]) };
  return rangeEnd === undefined ? { key } : { key, rangeEnd };
}

/** A permission's range for people: key, [key, end), prefix, from key. */
export function rangeText(p: Pick<Permission, 'key' | 'rangeEnd'>): string {
  const k = p.key.toString('utf8');
  if (p.rangeEnd.length === 0) return k;
  if (p.rangeEnd.length === 1 && p.rangeEnd[0] === 0) return p.key.length === 0 ? '(every key)' : `[${k}, <end>) (from key)`;
  return `[${k}, ${p.rangeEnd.toString('utf8')})`;
}

/** Registers auth, user and role. */
export function registerAuthCommands(program: Command, io: CliIo): void {
  const auth = program.command('auth').description('turn authentication on or off, or show it');
  withCommonOptions(auth.command('enable').description('turn authentication on (needs a user with the root role)'), io).action((o: CommonOptions) =>
    change(io, o, 'Authentication Enabled', (c) => c.auth.enable()),
  );
  withCommonOptions(auth.command('disable').description('turn authentication off'), io).action((o: CommonOptions) =>
    change(io, o, 'Authentication Disabled', (c) => c.auth.disable()),
  );
  withCommonOptions(auth.command('rotate-key').description('a new token signing key: every token issued so far stops working'), io).action((o: CommonOptions) =>
    change(io, o, 'Token key rotated: clients authenticate again', (c) => c.auth.rotateKey()),
  );
  withCommonOptions(auth.command('status').description('whether authentication is on, and the auth revision'), io).action(async (o: CommonOptions) => {
    const s = await withClient(o, (c) => c.auth.status());
    if (o.json) printJson(io, { enabled: s.enabled, authRevision: s.authRevision, header: s.header });
    else io.out(`Authentication Status: ${s.enabled}\nAuthRevision: ${s.authRevision}\n`);
  });
  registerUserCommands(program, io);
  registerRoleCommands(program, io);
}

function registerUserCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description('users: add, delete, passwd, grant-role, revoke-role, list, get');
  withCommonOptions(user.command('add').description('add a user (name:password, or asked for)').argument('<name[:password]>'), io)
    .option('--no-password', 'no password: the user authenticates only by a client certificate whose CN is its name')
    .action(async (arg: string, o: CommonOptions & { password: boolean }) => {
      if (!o.password) {
        if (arg.includes(':')) throw new UsageError('--no-password and name:password contradict each other');
        return change(io, o, `User ${arg} created`, (c) => c.auth.userAdd(arg, null));
      }
      const { name, password } = await nameAndPassword(arg, io);
      return change(io, o, `User ${name} created`, (c) => c.auth.userAdd(name, password));
    });
  withCommonOptions(user.command('delete').description('delete a user').argument('<name>'), io).action((name: string, o: CommonOptions) =>
    change(io, o, `User ${name} deleted`, (c) => c.auth.userDelete(name)),
  );
  withCommonOptions(user.command('passwd').description("change a user's password (name:password, or asked for)").argument('<name[:password]>'), io).action(
    async (arg: string, o: CommonOptions) => {
      const { name, password } = await nameAndPassword(arg, io);
      return change(io, o, 'Password updated', (c) => c.auth.userChangePassword(name, password));
    },
  );
  withCommonOptions(user.command('grant-role').description('give a user a role').argument('<user>').argument('<role>'), io).action(
    (name: string, role: string, o: CommonOptions) => change(io, o, `Role ${role} is granted to user ${name}`, (c) => c.auth.userGrantRole(name, role)),
  );
  withCommonOptions(user.command('revoke-role').description('take a role from a user').argument('<user>').argument('<role>'), io).action(
    (name: string, role: string, o: CommonOptions) => change(io, o, `Role ${role} is revoked from user ${name}`, (c) => c.auth.userRevokeRole(name, role)),
  );
  withCommonOptions(user.command('list').description('list users'), io).action(async (o: CommonOptions) => {
    const users = await withClient(o, (c) => c.auth.userList());
    if (o.json) printJson(io, { users });
    else io.out(users.map((u) => `${u}\n`).join(''));
  });
  withCommonOptions(user.command('get').description("a user's roles").argument('<name>'), io).action(async (name: string, o: CommonOptions) => {
    const u = await withClient(o, (c) => c.auth.userGet(name));
    if (o.json) printJson(io, u);
    else io.out(`User: ${u.name}\nRoles: ${u.roles.join(' ')}\nPassword: ${u.hasPassword ? 'yes' : 'no (client certificate only)'}\n`);
  });
}

function registerRoleCommands(program: Command, io: CliIo): void {
  const role = program.command('role').description('roles: add, delete, list, get, grant-permission, revoke-permission');
  withCommonOptions(role.command('add').description('add a role').argument('<name>'), io).action((name: string, o: CommonOptions) =>
    change(io, o, `Role ${name} created`, (c) => c.auth.roleAdd(name)),
  );
  withCommonOptions(role.command('delete').description('delete a role (its users lose it)').argument('<name>'), io).action((name: string, o: CommonOptions) =>
    change(io, o, `Role ${name} deleted`, (c) => c.auth.roleDelete(name)),
  );
  withCommonOptions(role.command('list').description('list roles'), io).action(async (o: CommonOptions) => {
    const roles = await withClient(o, (c) => c.auth.roleList());
    if (o.json) printJson(io, { roles });
    else io.out(roles.map((r) => `${r}\n`).join(''));
  });
  withCommonOptions(role.command('get').description("a role's permissions").argument('<name>'), io).action(async (name: string, o: CommonOptions) => {
    const r = await withClient(o, (c) => c.auth.roleGet(name));
    if (o.json) {
      printJson(io, { name: r.name, permissions: r.permissions.map((p) => ({ type: p.type, ...bytesJson('key', p.key), ...bytesJson('rangeEnd', p.rangeEnd) })) });
      return;
    }
    const of = (t: PermissionType): string => r.permissions.filter((p) => p.type === t || p.type === 'readwrite').map((p) => `\t${rangeText(p)}\n`).join('');
    io.out(`Role ${r.name}\nKV Read:\n${of('read')}KV Write:\n${of('write')}`);
  });
  withCommonOptions(
    role
      .command('grant-permission')
      .description('grant read, write or readwrite on a key, a range [KEY, RANGE_END), a prefix or every key from KEY')
      .argument('<role>')
      .argument('<type>', PERMISSION_TYPES.join(' | '))
      .argument('<key>')
      .argument('[range_end]'),
    io,
  )
    .option('--prefix', 'every key starting with KEY')
    .option('--from-key', 'every key from KEY on')
    .action((name: string, type: string, key: string, rangeEnd: string | undefined, o: CommonOptions & { prefix?: boolean; fromKey?: boolean }) => {
      if (!PERMISSION_TYPES.includes(type as PermissionType)) throw new UsageError(`permission type "${type}" is not one of ${PERMISSION_TYPES.join(', ')}`);
      const t = target(key, rangeEnd, o);
      return change(io, o, `Role ${name} updated`, (c) => c.auth.roleGrantPermission(name, type as PermissionType, t));
    });
  withCommonOptions(
    role.command('revoke-permission').description('remove the permission on exactly this key, range, prefix or from-key range').argument('<role>').argument('<key>').argument('[range_end]'),
    io,
  )
    .option('--prefix', 'every key starting with KEY')
    .option('--from-key', 'every key from KEY on')
    .action((name: string, key: string, rangeEnd: string | undefined, o: CommonOptions & { prefix?: boolean; fromKey?: boolean }) => {
      const t = target(key, rangeEnd, o);
      return change(io, o, `Permission of ${key} is revoked from role ${name}`, (c) => c.auth.roleRevokePermission(name, t));
    });
}
