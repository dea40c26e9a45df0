// The replicated auth state: users, roles, permissions and the token key, applied from the log
// like any other command, stored under the 'a' records in the same LevelDB batch as the entry
// that changed them, and carried by snapshots. Every node therefore decides the same, and an
// auth change takes effect on a node at the entry that makes it.
//
// The in-memory copy is what requests are checked against (no I/O per request). It changes while
// a batch is applied, before LevelDB has it, as the dedupe index does: if the batch write fails,
// the state machine refuses further work and only a reopen (which reloads from LevelDB) goes on.
import type { Command } from './commands.js';
import { pack, unpack } from './codec.js';
import { StateInvariantError } from './errors.js';
import { PREFIX_AUTH, prefixed } from './keys.js';
import type { Db } from './kv-records.js';
import type { CommandResult } from './types.js';
import { type Access, GrantedRanges, type KeyRange, describeRange } from './auth-ranges.js';
import {
  type AuthOp,
  type AuthSettings,
  MAX_PERMISSIONS_PER_ROLE,
  MAX_ROLES,
  MAX_ROLES_PER_USER,
  MAX_USERS,
  ROOT_ROLE,
  type RoleRecord,
  type UserRecord,
  decodeRole,
  decodeSettings,
  decodeUser,
} from './auth-records.js';

type Batch = ReturnType<Db['batch']>;

const SETTINGS_KEY = Buffer.from([PREFIX_AUTH, 0x73]); // 'a' 's'
const USER_TAG = 0x75; // 'u'
const ROLE_TAG = 0x72; // 'r'

function recordKey(tag: number, name: string): Buffer {
  return prefixed(PREFIX_AUTH, prefixed(tag, Buffer.from(name, 'utf8')));
}

/** One key range a command needs, and how. */
export interface NeededAccess {
  access: Access;
  range: KeyRange;
}

/** Every key range a write command reads or writes (a txn: every compare and both branches). */
export function accessesOf(cmd: Command): NeededAccess[] {
  switch (cmd.type) {
    case 'put':
    case 'delete':
      return [{ access: 'write', range: { key: cmd.key } }];
    case 'deleteRange':
      return [{ access: 'write', range: { key: cmd.key, rangeEnd: cmd.rangeEnd } }];
    case 'txn': {
      const out: NeededAccess[] = cmd.compare.map((c) => ({ access: 'read' as const, range: { key: c.key } }));
      for (const op of [...cmd.success, ...cmd.failure]) {
        if (op.type === 'range') out.push({ access: 'read', range: op.rangeEnd ? { key: op.key, rangeEnd: op.rangeEnd } : { key: op.key } });
        else if (op.type === 'deleteRange') out.push({ access: 'write', range: { key: op.key, rangeEnd: op.rangeEnd } });
        else out.push({ access: 'write', range: { key: op.key } });
      }
      return out;
    }
    case 'setMeta':
    case 'auth':
    case 'alarm':
    case 'compact':
      return [];
  }
}

const ok = (revision: number, authRevision: number): CommandResult => ({ type: 'auth', revision, authRevision });
/** A change that was already in place (granting a role held, enabling an enabled cluster): success, no new revision. */
const UNCHANGED = Symbol('unchanged');
type Outcome = CommandResult | typeof UNCHANGED | null;
const fail = (code: 'notFound' | 'alreadyExists' | 'refused' | 'permissionDenied' | 'unauthenticated', message: string): CommandResult => ({ type: 'error', code, message });

/** Users, roles and settings, in memory, over their LevelDB records. */
export class AuthStore {
  private settings: AuthSettings = decodeSettings(undefined);
  private readonly users = new Map<string, UserRecord>();
  private readonly roles = new Map<string, RoleRecord>();
  /** Merged permissions per user, built on first use and dropped at every change. */
  private readonly granted = new Map<string, GrantedRanges>();
  private readonly listeners = new Set<() => void>();
  /** Listener exceptions caught (a broken listener must not stop apply). */
  listenerErrors = 0;
  /** Told of each listener exception (the state machine's onListenerError). */
  onListenerError: ((err: unknown) => void) | null = null;

  /** Loads (or reloads, after a snapshot restore) every auth record; listeners hear of it. */
  async load(db: Db): Promise<void> {
    this.users.clear();
    this.roles.clear();
    const settings = await db.get(SETTINGS_KEY);
    this.settings = decodeSettings(settings === undefined ? undefined : unpack(settings));
    const gt = Buffer.from([PREFIX_AUTH]);
    const lt = Buffer.from([PREFIX_AUTH + 1]);
    for await (const [k, v] of db.iterator({ gt, lt })) {
      try {
        if (k[1] === USER_TAG) this.users.set(k.subarray(2).toString('utf8'), decodeUser(unpack(v)));
        else if (k[1] === ROLE_TAG) this.roles.set(k.subarray(2).toString('utf8'), decodeRole(unpack(v)));
      } catch (err) {
        throw new StateInvariantError(`corrupt auth record ${k.subarray(0, 64).toString('hex')}: ${(err as Error).message}`);
      }
    }
    this.changed();
  }

  /** Whether requests must be authenticated and authorized. */
  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The auth revision: moves by one with every auth change. */
  get revision(): number {
    return this.settings.revision;
  }

  /** The token signing key and the revision it was set at (null before auth was first enabled). */
  get tokenKey(): { key: Uint8Array; revision: number } | null {
    return this.settings.tokenKey ? { key: this.settings.tokenKey, revision: this.settings.keyRevision } : null;
  }

  user(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  role(name: string): RoleRecord | undefined {
    return this.roles.get(name);
  }

  /** Every user, by name. */
  userList(): UserRecord[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every role, by name (the built-in root role is not stored). */
  roleList(): RoleRecord[] {
    return [...this.roles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether `user` holds the root role. */
  isRoot(user: string): boolean {
    return this.users.get(user)?.roles.includes(ROOT_ROLE) === true;
  }

  /** Whether `user` may `access` every key of `range` (root may do anything). */
  permits(user: string, access: Access, range: KeyRange): boolean {
    const u = this.users.get(user);
    if (!u) return false;
    if (u.roles.includes(ROOT_ROLE)) return true;
    let g = this.granted.get(user);
    if (!g) {
      g = new GrantedRanges(u.roles.flatMap((r) => this.roles.get(r)?.permissions ?? []));
      this.granted.set(user, g);
    }
    return g.covers(access, range);
  }

  /**
   * Why `cmd` may not be applied, as an error result, or null when it may. Writes carry the user
   * they were checked for and the auth revision of that check; `recheck` false skips the
   * permission check when that revision is still current (the leader made exactly this check),
   * so only a write whose auth state changed since is checked again, at apply.
   */
  denial(cmd: Command, recheck: boolean): CommandResult | null {
    // Internal commands, proposed by the node itself after its own checks (a Compact RPC needs root).
    if (!this.settings.enabled || cmd.type === 'setMeta' || cmd.type === 'alarm' || cmd.type === 'compact') return null;
    if (cmd.type === 'auth' && cmd.op.op === 'enable') return null; // already on: a no-op
    const auth = cmd.auth;
    if (!auth) return fail('unauthenticated', 'auth was enabled after this request was checked: authenticate and retry');
    if (!this.users.has(auth.user)) return fail('unauthenticated', `user ${JSON.stringify(auth.user)} does not exist (any more)`);
    if (cmd.type === 'auth') {
      return this.isRoot(auth.user) ? null : fail('permissionDenied', `user ${JSON.stringify(auth.user)} needs the root role to change users, roles or auth settings`);
    }
    if (!recheck && auth.revision === this.settings.revision) return null;
    for (const need of accessesOf(cmd)) {
      if (!this.permits(auth.user, need.access, need.range)) {
        return fail('permissionDenied', `user ${JSON.stringify(auth.user)} may not ${need.access} ${describeRange(need.range)}`);
      }
    }
    return null;
  }

  /** Subscribes to every auth change (applied, or loaded from a snapshot); returns unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies one auth op at store revision `kvRevision`, writing its records into `batch`. */
  apply(op: AuthOp, batch: Batch, kvRevision: number): CommandResult {
    const result = this.change(op, batch, this.settings.revision + 1);
    if (result === UNCHANGED) return ok(kvRevision, this.settings.revision);
    if (result !== null) return result;
    this.settings = { ...this.settings, revision: this.settings.revision + 1 };
    batch.put(SETTINGS_KEY, pack(this.settings));
    this.changed();
    return ok(kvRevision, this.settings.revision);
  }

  /** Makes the change at auth revision `rev`; null when done, else UNCHANGED or the error result (nothing changed). */
  private change(op: AuthOp, batch: Batch, rev: number): Outcome {
    switch (op.op) {
      case 'enable':
        if (this.settings.enabled) return UNCHANGED; // the key stays: a retried enable changes nothing
        if (![...this.users.values()].some((u) => u.roles.includes(ROOT_ROLE))) {
          return fail('refused', 'auth enable needs a user with the root role first (raftdb user add root, then raftdb user grant-role root root)');
        }
        this.settings = { ...this.settings, enabled: true, tokenKey: op.tokenKey, keyRevision: rev };
        return null;
      case 'disable':
        if (!this.settings.enabled) return UNCHANGED;
        this.settings = { ...this.settings, enabled: false };
        return null;
      case 'rotateKey':
        this.settings = { ...this.settings, tokenKey: op.tokenKey, keyRevision: rev };
        return null;
      default:
        return op.op.startsWith('user') ? this.changeUser(op, batch, rev) : this.changeRole(op, batch, rev);
    }
  }

  private changeUser(op: AuthOp, batch: Batch, rev: number): Outcome {
    if (!('name' in op)) throw new StateInvariantError(`auth op ${op.op} has no name`);
    const user = this.users.get(op.name);
    const quoted = JSON.stringify(op.name);
    if (op.op === 'userAdd') {
      if (user) return fail('alreadyExists', `user ${quoted} already exists`);
      if (this.users.size >= MAX_USERS) return fail('refused', `there are already ${MAX_USERS} users`);
      return this.putUser({ name: op.name, roles: [], password: op.password, revision: rev }, batch);
    }
    if (!user) return fail('notFound', `user ${quoted} does not exist`);
    switch (op.op) {
      case 'userDelete':
        if (this.lastRoot(user)) return fail('refused', `user ${quoted} is the last one with the root role while auth is enabled`);
        this.users.delete(op.name);
        batch.del(recordKey(USER_TAG, op.name));
        return null;
      case 'userPassword':
        return this.putUser({ ...user, password: op.password, revision: rev }, batch);
      case 'userGrant':
        if (user.roles.includes(op.role)) return UNCHANGED;
        if (op.role !== ROOT_ROLE && !this.roles.has(op.role)) return fail('notFound', `role ${JSON.stringify(op.role)} does not exist`);
        if (user.roles.length >= MAX_ROLES_PER_USER) return fail('refused', `user ${quoted} already has ${MAX_ROLES_PER_USER} roles`);
        return this.putUser({ ...user, roles: [...user.roles, op.role].sort(), revision: rev }, batch);
      case 'userRevoke':
        if (!user.roles.includes(op.role)) return fail('notFound', `user ${quoted} does not have role ${JSON.stringify(op.role)}`);
        if (op.role === ROOT_ROLE && this.lastRoot(user)) return fail('refused', `user ${quoted} is the last one with the root role while auth is enabled`);
        return this.putUser({ ...user, roles: user.roles.filter((r) => r !== op.role), revision: rev }, batch);
      default:
        throw new StateInvariantError(`not a user op: ${op.op}`);
    }
  }

  private changeRole(op: AuthOp, batch: Batch, rev: number): Outcome {
    if (!('name' in op)) throw new StateInvariantError(`auth op ${op.op} has no name`);
    const quoted = JSON.stringify(op.name);
    if (op.name === ROOT_ROLE) return fail(op.op === 'roleAdd' ? 'alreadyExists' : 'refused', 'the root role is built in: it has every permission and cannot be changed');
    const role = this.roles.get(op.name);
    if (op.op === 'roleAdd') {
      if (role) return fail('alreadyExists', `role ${quoted} already exists`);
      if (this.roles.size >= MAX_ROLES) return fail('refused', `there are already ${MAX_ROLES} roles`);
      return this.putRole({ name: op.name, permissions: [], revision: rev }, batch);
    }
    if (!role) return fail('notFound', `role ${quoted} does not exist`);
    const same = (p: { key: Uint8Array; rangeEnd: Uint8Array }, q: { key: Uint8Array; rangeEnd: Uint8Array }): boolean =>
      Buffer.compare(p.key, q.key) === 0 && Buffer.compare(p.rangeEnd, q.rangeEnd) === 0;
    switch (op.op) {
      case 'roleDelete':
        this.roles.delete(op.name);
        batch.del(recordKey(ROLE_TAG, op.name));
        // Its holders lose it (and their tokens, since what they may do changed).
        for (const u of this.users.values()) {
          if (u.roles.includes(op.name)) this.putUser({ ...u, roles: u.roles.filter((r) => r !== op.name), revision: rev }, batch);
        }
        return null;
      case 'roleGrant': {
        // A permission on the same key range replaces the old one (its type changes), as in etcd.
        const rest = role.permissions.filter((p) => !same(p, op.permission));
        if (rest.length >= MAX_PERMISSIONS_PER_ROLE) return fail('refused', `role ${quoted} already has ${MAX_PERMISSIONS_PER_ROLE} permissions`);
        return this.putRole({ ...role, permissions: [...rest, op.permission], revision: rev }, batch);
      }
      case 'roleRevoke': {
        const rest = role.permissions.filter((p) => !same(p, op));
        if (rest.length === role.permissions.length) {
          return fail('notFound', `role ${quoted} has no permission on ${describeRange({ key: op.key, rangeEnd: op.rangeEnd })}`);
        }
        return this.putRole({ ...role, permissions: rest, revision: rev }, batch);
      }
      default:
        throw new StateInvariantError(`not a role op: ${op.op}`);
    }
  }

  /** Whether removing root from `user` would leave an enabled cluster with no root user. */
  private lastRoot(user: UserRecord): boolean {
    if (!this.settings.enabled || !user.roles.includes(ROOT_ROLE)) return false;
    for (const u of this.users.values()) if (u !== user && u.roles.includes(ROOT_ROLE)) return false;
    return true;
  }

  private putUser(u: UserRecord, batch: Batch): null {
    this.users.set(u.name, u);
    batch.put(recordKey(USER_TAG, u.name), pack(u));
    return null;
  }

  private putRole(r: RoleRecord, batch: Batch): null {
    this.roles.set(r.name, r);
    batch.put(recordKey(ROLE_TAG, r.name), pack(r));
    return null;
  }

  private changed(): void {
    this.granted.clear();
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.listenerErrors++;
        this.onListenerError?.(err);
      }
    }
  }
}
