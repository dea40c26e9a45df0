// The auth administration API (raftdb.v1.Auth), reached as `client.auth`: the auth switch, users,
// roles and permissions, in etcd's shapes. Changes are sent once (they carry no request id): a
// change whose outcome is unknown is safe to repeat by hand, as each states what should hold
// (grant, revoke, add: a repeat answers "already" or "not found").
import { type Bytes, prefixEnd, toBuffer } from './bytes.js';
import { invalidArgument } from './errors.js';
import type { CallPolicy, Invoker } from './invoke.js';
import type { CallOptions } from './kv.js';
import { type ResponseHeader, header } from './types.js';
import type { WireHeader } from './wire.js';

/** What a permission grants. */
export type PermissionType = 'read' | 'write' | 'readwrite';

/** A permission of a role: on a key, a range [key, rangeEnd), or every key with a prefix. */
export interface Permission {
  type: PermissionType;
  key: Buffer;
  /** Empty: the key alone; [0x00]: every key from `key` on. */
  rangeEnd: Buffer;
}

/** Where a permission applies: a key, a range, or a prefix ({ key, prefix: true }). */
export interface PermissionTarget {
  key: Bytes;
  rangeEnd?: Bytes;
  prefix?: boolean;
}

/** A user as `user get` shows it. */
export interface UserInfo {
  name: string;
  roles: string[];
  hasPassword: boolean;
}

/** The answer to every change: the auth revision after it. */
export interface AuthChange {
  authRevision: number;
  header: ResponseHeader;
}

const WIRE_TYPE: Record<PermissionType, string> = { read: 'READ', write: 'WRITE', readwrite: 'READWRITE' };
const TYPE_OF: Record<string, PermissionType> = { READ: 'read', WRITE: 'write', READWRITE: 'readwrite' };

type WireChange = { header: WireHeader | null; authRevision: number };
type WirePermission = { type: string; key: Buffer; rangeEnd: Buffer };

/** The wire key range of a permission target. */
export function permissionRange(t: PermissionTarget): { key: Buffer; rangeEnd: Buffer } {
  const key = toBuffer(t.key, 'key');
  if (t.prefix) {
    if (t.rangeEnd !== undefined && toBuffer(t.rangeEnd, 'rangeEnd').length > 0) throw invalidArgument('a prefix permission has no rangeEnd');
    return { key, rangeEnd: key.length === 0 ? Buffer.from([0]) : prefixEnd(key) };
  }
  return { key, rangeEnd: t.rangeEnd === undefined ? Buffer.alloc(0) : toBuffer(t.rangeEnd, 'rangeEnd') };
}

/** Auth administration of a client; reached as `client.auth`. */
export class AuthApi {
  constructor(
    private readonly invoker: Invoker,
    private readonly defaultTimeoutMs: number,
  ) {}

  private policy(kind: CallPolicy['kind'], opts: CallOptions | undefined): CallPolicy {
    return { kind, route: 'leader', timeoutMs: opts?.timeoutMs ?? this.defaultTimeoutMs };
  }

  private async change(method: string, request: object, opts?: CallOptions): Promise<AuthChange> {
    const w = await this.invoker.unary<WireChange>('auth', method, request, this.policy('once', opts));
    return { authRevision: w.authRevision, header: header(w.header) };
  }

  private read<T>(method: string, request: object, opts?: CallOptions): Promise<T> {
    return this.invoker.unary<T>('auth', method, request, this.policy('read', opts));
  }

  /** Whether auth is enabled, and the auth revision (any node answers). */
  async status(opts?: CallOptions): Promise<{ enabled: boolean; authRevision: number; header: ResponseHeader }> {
    const w = await this.invoker.unary<{ enabled: boolean; authRevision: number; header: WireHeader | null }>('auth', 'AuthStatus', {}, { ...this.policy('read', opts), route: 'any' });
    return { enabled: w.enabled, authRevision: w.authRevision, header: header(w.header) };
  }

  /** Turns auth on (refused unless a user holds the root role). */
  enable(opts?: CallOptions): Promise<AuthChange> {
    return this.change('AuthEnable', {}, opts);
  }

  disable(opts?: CallOptions): Promise<AuthChange> {
    return this.change('AuthDisable', {}, opts);
  }

  /** A new token signing key: every token issued so far stops working. */
  rotateKey(opts?: CallOptions): Promise<AuthChange> {
    return this.change('AuthRotateKey', {}, opts);
  }

  /** Adds a user with a password, or (password null) one known only by its certificate's CN. */
  userAdd(name: string, password: string | null, opts?: CallOptions): Promise<AuthChange> {
    return this.change('UserAdd', password === null ? { name, noPassword: true } : { name, password }, opts);
  }

  userDelete(name: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('UserDelete', { name }, opts);
  }

  userChangePassword(name: string, password: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('UserChangePassword', { name, password }, opts);
  }

  userGrantRole(user: string, role: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('UserGrantRole', { user, role }, opts);
  }

  userRevokeRole(user: string, role: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('UserRevokeRole', { user, role }, opts);
  }

  async userGet(name: string, opts?: CallOptions): Promise<UserInfo> {
    const w = await this.read<UserInfo>('UserGet', { name }, opts);
    return { name: w.name, roles: w.roles ?? [], hasPassword: w.hasPassword };
  }

  async userList(opts?: CallOptions): Promise<string[]> {
    return (await this.read<{ users: string[] }>('UserList', {}, opts)).users ?? [];
  }

  roleAdd(name: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('RoleAdd', { name }, opts);
  }

  roleDelete(name: string, opts?: CallOptions): Promise<AuthChange> {
    return this.change('RoleDelete', { name }, opts);
  }

  /** Grants `type` on a key, a range or a prefix; a permission on the same range is replaced. */
  roleGrantPermission(role: string, type: PermissionType, target: PermissionTarget, opts?: CallOptions): Promise<AuthChange> {
    if (!WIRE_TYPE[type]) throw invalidArgument('permission type must be read, write or readwrite');
    return this.change('RoleGrantPermission', { name: role, permission: { type: WIRE_TYPE[type], ...permissionRange(target) } }, opts);
  }

  /** Removes the permission on exactly this key, range or prefix. */
  roleRevokePermission(role: string, target: PermissionTarget, opts?: CallOptions): Promise<AuthChange> {
    return this.change('RoleRevokePermission', { name: role, ...permissionRange(target) }, opts);
  }

  async roleGet(name: string, opts?: CallOptions): Promise<{ name: string; permissions: Permission[] }> {
    const w = await this.read<{ name: string; permissions: WirePermission[] }>('RoleGet', { name }, opts);
    return { name: w.name, permissions: (w.permissions ?? []).map((p) => ({ type: TYPE_OF[p.type] ?? 'read', key: p.key, rangeEnd: p.rangeEnd })) };
  }

  async roleList(opts?: CallOptions): Promise<string[]> {
    return (await this.read<{ roles: string[] }>('RoleList', {}, opts)).roles ?? [];
  }
}
