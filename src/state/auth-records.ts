// The replicated auth records (users, roles, the auth settings) and the commands that change
// them. Like every command, an auth command's bytes come from the log and are validated field by
// field before anything is applied. Passwords never appear here: the leader hashes a password
// (scrypt, src/auth/password.ts) before it proposes the command, so the log and the snapshots
// hold only salts and hashes.
import { InvalidCommandError } from './errors.js';
import type { PermissionType } from './auth-ranges.js';

/** The built-in role: every key, read and write, and every administrative verb. */
export const ROOT_ROLE = 'root';

/** A salted scrypt hash and its parameters (kept per user, so they can change later). */
export interface PasswordHash {
  algorithm: 'scrypt';
  salt: Uint8Array;
  hash: Uint8Array;
  /** scrypt cost parameters. */
  N: number;
  r: number;
  p: number;
}

/** A permission of a role: a type on a key, a prefix (as its range) or a range. */
export interface Permission {
  type: PermissionType;
  key: Uint8Array;
  /** Empty: the key alone; [0x00]: every key from `key` on. */
  rangeEnd: Uint8Array;
}

/** A user. `password` null: the user authenticates only by a client certificate whose CN is its name. */
export interface UserRecord {
  name: string;
  roles: string[];
  password: PasswordHash | null;
  /** The auth revision of the user's last change (created, password, roles): older tokens are refused. */
  revision: number;
}

/** A role and its permissions. */
export interface RoleRecord {
  name: string;
  permissions: Permission[];
  revision: number;
}

/** The auth settings: whether auth is on, the auth revision, and the key that signs tokens. */
export interface AuthSettings {
  enabled: boolean;
  /** Moves by one with every auth change; tokens and write commands carry the one they were checked at. */
  revision: number;
  /** HMAC-SHA256 key of the tokens (32 random bytes chosen by the leader), or null before the first enable. */
  tokenKey: Uint8Array | null;
  /** The revision at which tokenKey was set: a token names it, so a token from a retired key is told apart. */
  keyRevision: number;
}

/** One change of the auth state. */
export type AuthOp =
  | { op: 'enable'; tokenKey: Uint8Array }
  | { op: 'disable' }
  | { op: 'rotateKey'; tokenKey: Uint8Array }
  | { op: 'userAdd'; name: string; password: PasswordHash | null }
  | { op: 'userDelete'; name: string }
  | { op: 'userPassword'; name: string; password: PasswordHash | null }
  | { op: 'userGrant'; name: string; role: string }
  | { op: 'userRevoke'; name: string; role: string }
  | { op: 'roleAdd'; name: string }
  | { op: 'roleDelete'; name: string }
  | { op: 'roleGrant'; name: string; permission: Permission }
  | { op: 'roleRevoke'; name: string; key: Uint8Array; rangeEnd: Uint8Array };

/** Who a write was checked for, and at which auth revision (re-checked at apply when it moved). */
export interface CommandAuth {
  user: string;
  revision: number;
}

// Bounds of the auth state: all of it is held in memory on every node.
/** Users at most. */
export const MAX_USERS = 10_000;
/** Roles at most (besides the built-in root). */
export const MAX_ROLES = 10_000;
/** Roles one user may hold. */
export const MAX_ROLES_PER_USER = 64;
/** Permissions one role may hold. */
export const MAX_PERMISSIONS_PER_ROLE = 1_000;
/** Longest user or role name, in characters. */
export const MAX_AUTH_NAME_CHARS = 128;
/** Longest permission key or range end (the server's key limit is 4 KiB by default). */
const MAX_PERMISSION_KEY_BYTES = 64 * 1024;

/**
 * Why `name` is not a usable user or role name, or null. Names are what a client certificate's
 * CN carries, so most printable text is allowed; not control characters, and not ':' (the CLI's
 * `user add name:password` splits at the first one).
 */
export function badAuthName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > MAX_AUTH_NAME_CHARS) return `longer than ${MAX_AUTH_NAME_CHARS} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f:]/.test(name)) return "must not contain control characters or ':'";
  if (name.trim() !== name) return 'must not start or end with a space';
  return null;
}

function authName(raw: unknown, field: string): string {
  const why = badAuthName(raw);
  if (why) throw new InvalidCommandError(field, why);
  return raw as string;
}

function record(raw: unknown, field: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) throw new InvalidCommandError(field, 'must be a map');
  return raw as Record<string, unknown>;
}

function bytes(raw: unknown, field: string, max: number): Uint8Array {
  if (!(raw instanceof Uint8Array)) throw new InvalidCommandError(field, 'must be bytes');
  if (raw.length > max) throw new InvalidCommandError(field, `longer than ${max} bytes`);
  return raw;
}

function int(raw: unknown, field: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < min || raw > max) throw new InvalidCommandError(field, `must be an integer in [${min}, ${max}]`);
  return raw;
}

function tokenKey(raw: unknown, field: string): Uint8Array {
  const k = bytes(raw, field, 64);
  if (k.length < 32) throw new InvalidCommandError(field, 'must be at least 32 bytes');
  return k;
}

/** A validated password hash (or null). */
export function passwordHash(raw: unknown, field: string): PasswordHash | null {
  if (raw === null || raw === undefined) return null;
  const o = record(raw, field);
  if (o.algorithm !== 'scrypt') throw new InvalidCommandError(`${field}.algorithm`, 'must be scrypt');
  return {
    algorithm: 'scrypt',
    salt: bytes(o.salt, `${field}.salt`, 64),
    hash: bytes(o.hash, `${field}.hash`, 128),
    // Bounded so that checking a password never needs more than 128 MiB (scrypt takes 128 * N * r bytes).
    N: int(o.N, `${field}.N`, 2, 2 ** 20),
    r: int(o.r, `${field}.r`, 1, 8),
    p: int(o.p, `${field}.p`, 1, 16),
  };
}

const PERMISSION_TYPES: ReadonlySet<string> = new Set(['read', 'write', 'readwrite']);

/** A validated permission. */
export function permission(raw: unknown, field: string): Permission {
  const o = record(raw, field);
  if (typeof o.type !== 'string' || !PERMISSION_TYPES.has(o.type)) throw new InvalidCommandError(`${field}.type`, 'must be read, write or readwrite');
  const key = bytes(o.key, `${field}.key`, MAX_PERMISSION_KEY_BYTES);
  const rangeEnd = o.rangeEnd === undefined || o.rangeEnd === null ? new Uint8Array(0) : bytes(o.rangeEnd, `${field}.rangeEnd`, MAX_PERMISSION_KEY_BYTES);
  if (key.length === 0 && !(rangeEnd.length === 1 && rangeEnd[0] === 0)) throw new InvalidCommandError(`${field}.key`, 'may be empty only with range end [0x00] (every key)');
  return { type: o.type as PermissionType, key, rangeEnd };
}

/** Decodes and validates the `op` of an auth command. */
export function authOp(raw: unknown): AuthOp {
  const o = record(raw, 'op');
  switch (o.op) {
    case 'enable':
    case 'rotateKey':
      return { op: o.op, tokenKey: tokenKey(o.tokenKey, 'op.tokenKey') };
    case 'disable':
      return { op: 'disable' };
    case 'userAdd':
    case 'userPassword':
      return { op: o.op, name: authName(o.name, 'op.name'), password: passwordHash(o.password, 'op.password') };
    case 'userDelete':
    case 'roleAdd':
    case 'roleDelete':
      return { op: o.op, name: authName(o.name, 'op.name') };
    case 'userGrant':
    case 'userRevoke':
      return { op: o.op, name: authName(o.name, 'op.name'), role: authName(o.role, 'op.role') };
    case 'roleGrant':
      return { op: 'roleGrant', name: authName(o.name, 'op.name'), permission: permission(o.permission, 'op.permission') };
    case 'roleRevoke': {
      const p = permission({ type: 'read', key: o.key, rangeEnd: o.rangeEnd }, 'op');
      return { op: 'roleRevoke', name: authName(o.name, 'op.name'), key: p.key, rangeEnd: p.rangeEnd };
    }
    default:
      throw new InvalidCommandError('op.op', `unknown auth op ${JSON.stringify(o.op)?.slice(0, 64)}`);
  }
}

/** Decodes and validates a command's `auth` (who it was checked for). */
export function commandAuth(raw: unknown): CommandAuth {
  const o = record(raw, 'auth');
  return { user: authName(o.user, 'auth.user'), revision: int(o.revision, 'auth.revision', 0, Number.MAX_SAFE_INTEGER) };
}

/** A user record from LevelDB (written by this code; a mismatch is corruption). */
export function decodeUser(raw: unknown): UserRecord {
  const o = record(raw, 'user');
  const roles = Array.isArray(o.roles) ? o.roles.map((r, i) => authName(r, `user.roles[${i}]`)) : [];
  return { name: authName(o.name, 'user.name'), roles, password: passwordHash(o.password, 'user.password'), revision: int(o.revision, 'user.revision', 0, Number.MAX_SAFE_INTEGER) };
}

/** A role record from LevelDB. */
export function decodeRole(raw: unknown): RoleRecord {
  const o = record(raw, 'role');
  const permissions = Array.isArray(o.permissions) ? o.permissions.map((p, i) => permission(p, `role.permissions[${i}]`)) : [];
  return { name: authName(o.name, 'role.name'), permissions, revision: int(o.revision, 'role.revision', 0, Number.MAX_SAFE_INTEGER) };
}

/** The settings record from LevelDB (absent: auth never enabled). */
export function decodeSettings(raw: unknown): AuthSettings {
  if (raw === undefined) return { enabled: false, revision: 0, tokenKey: null, keyRevision: 0 };
  const o = record(raw, 'auth settings');
  return {
    enabled: o.enabled === true,
    revision: int(o.revision, 'settings.revision', 0, Number.MAX_SAFE_INTEGER),
    tokenKey: o.tokenKey === null || o.tokenKey === undefined ? null : tokenKey(o.tokenKey, 'settings.tokenKey'),
    keyRevision: int(o.keyRevision, 'settings.keyRevision', 0, Number.MAX_SAFE_INTEGER),
  };
}
