// raftdb.v1.Auth: Authenticate, the auth switch, and users and roles. Every change goes through
// the log as an `auth` command (the leader hashes passwords and picks token keys before it
// proposes, so no secret but the token key is replicated); reads of users and roles are served
// by the leader after a ReadIndex barrier. With auth enabled everything but Authenticate and
// AuthStatus needs the root role, checked on the leader and again at apply.
import * as grpc from '@grpc/grpc-js';
import { badPassword, hashPassword, newTokenKey, type Identity } from '../auth/index.js';
import { type AuthOp, type Command, type Permission, badAuthName, encodeCommand } from '../state/index.js';
import { requireRoot } from './access.js';
import { audited, type AuditAbout } from './audit.js';
import { header, onLeader, unary, withDeadline, type IncomingCall, type NodeContext } from './context.js';
import { commandError, invalidArgument, RequestError } from './errors.js';
import { optionalBytes } from './kv-convert.js';

type Handler = grpc.handleUnaryCall<unknown, object>;

const PERMISSION_TYPES = { READ: 'read', WRITE: 'write', READWRITE: 'readwrite' } as const;
const PERMISSION_NAMES = { read: 'READ', write: 'WRITE', readwrite: 'READWRITE' } as const;

function name(v: unknown, field: string): string {
  const why = badAuthName(v);
  if (why) throw invalidArgument(field, why);
  return v as string;
}

function password(v: unknown, field: string): string {
  const why = badPassword(v);
  if (why) throw invalidArgument(field, why);
  return v as string;
}

/** A permission from the wire, checked like a key range of a request. */
function permission(ctx: NodeContext, p: { type?: string; key?: Buffer; rangeEnd?: Buffer } | null | undefined): Permission {
  if (!p) throw invalidArgument('permission', 'is required');
  const type = PERMISSION_TYPES[p.type as keyof typeof PERMISSION_TYPES];
  if (!type) throw invalidArgument('permission.type', `unknown permission type ${String(p.type)}`);
  const { key, rangeEnd } = keyRange(ctx, p.key, p.rangeEnd, 'permission.');
  return { type, key, rangeEnd };
}

function keyRange(ctx: NodeContext, k: unknown, e: unknown, field: string): { key: Buffer; rangeEnd: Buffer } {
  const key = optionalBytes(k, `${field}key`, ctx.limits);
  const rangeEnd = optionalBytes(e, `${field}range_end`, ctx.limits);
  const toEnd = rangeEnd.length === 1 && rangeEnd[0] === 0;
  if (key.length === 0 && !toEnd) throw invalidArgument(`${field}key`, 'must not be empty (use range_end [0x00] with an empty key for every key)');
  if (rangeEnd.length > 0 && !toEnd && Buffer.compare(rangeEnd, key) <= 0) throw invalidArgument(`${field}range_end`, 'must be greater than key');
  return { key, rangeEnd };
}

/** What an auth request is about, for the audit log: its user and role names, a permission's range (never a password). */
function aboutOf(r: unknown): AuditAbout {
  const o = (r ?? {}) as { name?: unknown; user?: unknown; role?: unknown; key?: unknown; rangeEnd?: unknown; permission?: { key?: unknown; rangeEnd?: unknown } | null };
  const names = [o.name, o.user, o.role].filter((x): x is string => typeof x === 'string' && x.length > 0).map((x) => x.slice(0, 128));
  const about: AuditAbout = names.length > 0 ? { subject: names.join(' ') } : {};
  const key = o.permission?.key ?? o.key;
  const rangeEnd = o.permission?.rangeEnd ?? o.rangeEnd;
  if (key instanceof Uint8Array) about.ranges = [{ key, ...(rangeEnd instanceof Uint8Array ? { rangeEnd } : {}) }];
  return about;
}

/** Proposes an auth change as `who` and waits until it is applied. */
async function propose(ctx: NodeContext, who: Identity, op: AuthOp, deadline: Date): Promise<object> {
  const command: Command = { type: 'auth', op, ...(who.user !== null ? { auth: { user: who.user, revision: ctx.auth.store.revision } } : {}) };
  const { result } = ctx.driver.propose(encodeCommand(command));
  result.catch(() => {}); // a proposal that outlives its caller must not be an unhandled rejection
  const applied = await withDeadline(ctx, result, deadline, `auth change ${op.op}`);
  const r = applied.result;
  if (r.type === 'error') throw commandError(r);
  if (r.type !== 'auth') throw new RequestError(grpc.status.INTERNAL, `auth change ${op.op} produced ${r.type}`);
  return { header: header(ctx), authRevision: r.authRevision };
}

/** The Auth service of one node. */
export function authService(ctx: NodeContext): grpc.UntypedServiceImplementation {
  const store = ctx.auth.store;
  /** A change: `prepare` validates the request before anything is forwarded; `op` runs on the leader after the root check. */
  const change = <R>(method: string, what: string, prepare: (r: R) => () => Promise<AuthOp> | AuthOp): Handler =>
    unary<unknown, object>(ctx, async (call) => {
      const make = prepare(call.request as R);
      const c = call as IncomingCall;
      return onLeader(ctx, c, 'auth', method, (deadline) =>
        audited(ctx, c, method, 'auth', aboutOf(call.request), async () => {
          const who = await requireRoot(ctx, c, deadline, what);
          return propose(ctx, who, await make(), deadline);
        }),
      );
    });
  /** A read of users or roles: on the leader, after a ReadIndex barrier, root only. */
  const read = <R>(method: string, what: string, serve: (r: R) => object): Handler =>
    unary<unknown, object>(ctx, async (call) =>
      onLeader(ctx, call as IncomingCall, 'auth', method, async (deadline) => {
        await withDeadline(ctx, ctx.driver.readBarrier(false), deadline, what);
        await audited(ctx, call as IncomingCall, method, 'read', aboutOf(call.request), () => requireRoot(ctx, call as IncomingCall, deadline, what));
        return { header: header(ctx), ...serve(call.request as R) };
      }),
    );

  return {
    Authenticate: unary<{ name: string; password: string }, object>(ctx, async (call) => {
      const n = name(call.request.name, 'name');
      const pw = password(call.request.password, 'password');
      return onLeader(ctx, call, 'auth', 'Authenticate', async (deadline) => {
        // Linearizable: a user added (or a password changed) before this call began is seen.
        await withDeadline(ctx, ctx.driver.readBarrier(false), deadline, 'authenticate');
        return audited(ctx, call, 'Authenticate', 'auth', { subject: n }, async () => {
          const { token, ttlMs } = await withDeadline(ctx, ctx.auth.authenticate(n, pw), deadline, 'authenticate');
          return { header: header(ctx), token, ttlMs };
        });
      });
    }),
    AuthStatus: unary<object, object>(ctx, async () => ({ header: header(ctx), enabled: store.enabled, authRevision: store.revision })),
    AuthEnable: change<object>('AuthEnable', 'auth enable', () => () => ({ op: 'enable', tokenKey: newTokenKey() })),
    AuthDisable: change<object>('AuthDisable', 'auth disable', () => () => ({ op: 'disable' })),
    AuthRotateKey: change<object>('AuthRotateKey', 'auth rotate-key', () => () => ({ op: 'rotateKey', tokenKey: newTokenKey() })),
    UserAdd: change<{ name: string; password: string; noPassword: boolean }>('UserAdd', 'user add', (r) => {
      const n = name(r.name, 'name');
      if (r.noPassword && r.password) throw invalidArgument('password', 'must be empty with no_password');
      const pw = r.noPassword ? null : password(r.password, 'password');
      return async () => ({ op: 'userAdd', name: n, password: pw === null ? null : await hashPassword(pw) });
    }),
    UserDelete: change<{ name: string }>('UserDelete', 'user delete', (r) => {
      const n = name(r.name, 'name');
      return () => ({ op: 'userDelete', name: n });
    }),
    UserChangePassword: change<{ name: string; password: string }>('UserChangePassword', 'user passwd', (r) => {
      const n = name(r.name, 'name');
      const pw = password(r.password, 'password');
      return async () => ({ op: 'userPassword', name: n, password: await hashPassword(pw) });
    }),
    UserGrantRole: change<{ user: string; role: string }>('UserGrantRole', 'user grant-role', (r) => {
      const [n, role] = [name(r.user, 'user'), name(r.role, 'role')];
      return () => ({ op: 'userGrant', name: n, role });
    }),
    UserRevokeRole: change<{ user: string; role: string }>('UserRevokeRole', 'user revoke-role', (r) => {
      const [n, role] = [name(r.user, 'user'), name(r.role, 'role')];
      return () => ({ op: 'userRevoke', name: n, role });
    }),
    RoleAdd: change<{ name: string }>('RoleAdd', 'role add', (r) => {
      const n = name(r.name, 'name');
      return () => ({ op: 'roleAdd', name: n });
    }),
    RoleDelete: change<{ name: string }>('RoleDelete', 'role delete', (r) => {
      const n = name(r.name, 'name');
      return () => ({ op: 'roleDelete', name: n });
    }),
    RoleGrantPermission: change<{ name: string; permission: Parameters<typeof permission>[1] }>('RoleGrantPermission', 'role grant-permission', (r) => {
      const n = name(r.name, 'name');
      const p = permission(ctx, r.permission);
      return () => ({ op: 'roleGrant', name: n, permission: p });
    }),
    RoleRevokePermission: change<{ name: string; key: Buffer; rangeEnd: Buffer }>('RoleRevokePermission', 'role revoke-permission', (r) => {
      const n = name(r.name, 'name');
      const { key, rangeEnd } = keyRange(ctx, r.key, r.rangeEnd, '');
      return () => ({ op: 'roleRevoke', name: n, key, rangeEnd });
    }),
    UserGet: read<{ name: string }>('UserGet', 'user get', (r) => {
      const u = store.user(name(r.name, 'name'));
      if (!u) throw new RequestError(grpc.status.NOT_FOUND, `user ${JSON.stringify(r.name)} does not exist`);
      return { name: u.name, roles: u.roles, hasPassword: u.password !== null };
    }),
    UserList: read<object>('UserList', 'user list', () => ({ users: store.userList().map((u) => u.name) })),
    RoleGet: read<{ name: string }>('RoleGet', 'role get', (r) => {
      const n = name(r.name, 'name');
      if (n === 'root') return { name: 'root', permissions: [{ type: 'READWRITE', key: Buffer.alloc(0), rangeEnd: Buffer.from([0]) }] };
      const role = store.role(n);
      if (!role) throw new RequestError(grpc.status.NOT_FOUND, `role ${JSON.stringify(n)} does not exist`);
      return { name: role.name, permissions: role.permissions.map((p) => ({ type: PERMISSION_NAMES[p.type], key: Buffer.from(p.key), rangeEnd: Buffer.from(p.rangeEnd) })) };
    }),
    RoleList: read<object>('RoleList', 'role list', () => ({ roles: ['root', ...store.roleList().map((r) => r.name)] })),
  };
}
