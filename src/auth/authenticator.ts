// Who is calling. With auth enabled every request must show a token (from Authenticate) or a TLS
// client certificate whose CN names a user; a request forwarded by a follower carries its
// caller's token, or the user name of its caller's certificate, which is believed only when the
// forwarding node proves by its own certificate that it is a member. Everything here is checked
// against the node's replicated auth state in memory: no Raft round trip per request.
import { randomBytes } from 'node:crypto';
import { AUTH_NOT_ENABLED_MESSAGE } from '../common/wire-errors.js';
import { type AuthStore, type NeededAccess, describeRange } from '../state/index.js';
import { readToken, signToken, type TokenClaims } from './token.js';
import { verifyPassword } from './password.js';

/** Why a request is refused: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED (busy), UNAVAILABLE (behind), FAILED_PRECONDITION (notEnabled). */
export type AuthErrorKind = 'unauthenticated' | 'permissionDenied' | 'busy' | 'behind' | 'notEnabled';

/** The reasons counted in raftdb_auth_failures_total. */
export type AuthFailureReason =
  | 'no_credentials'
  | 'bad_password'
  | 'bad_token'
  | 'expired_token'
  | 'stale_token'
  | 'unknown_user'
  | 'untrusted_forward'
  | 'permission_denied';

/** A refused request; the server maps `kind` to a gRPC status. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
    /** For metrics (absent for busy/behind, which are not failures of the caller). */
    readonly reason?: AuthFailureReason,
    /** For `behind`: the auth revision the node must reach first. */
    readonly revision?: number,
  ) {
    super(message);
  }
}

/** What a call shows about its caller, before anything is believed. */
export interface CallerCredentials {
  /** The `token` metadata. */
  token: string | null;
  /** DER of the TLS client certificate of the connection, if it presented one. */
  certificate: Buffer | null;
  /** With `forwarded`: the user a forwarding node says its caller's certificate names. */
  assertedUser: string | null;
  /** Came through another node: the connection's certificate is that node's, not the caller's. */
  forwarded: boolean;
}

/** Who the caller is: a user, or nobody while auth is disabled. */
export interface Identity {
  /** null: auth is disabled and the request needs no user. */
  user: string | null;
  /** The auth revision this identity was established at (written into the commands it proposes). */
  revision: number;
}

/** Token lifetime, the clock, how certificates are judged, and the failure hook. */
export interface AuthenticatorOptions {
  /** How long a token is good for. */
  tokenTtlMs: number;
  nowMs?: () => number;
  /** The CN of a client certificate issued by a trusted client CA and valid now, else null. */
  certificateUser?: (der: Buffer) => string | null;
  /** Whether a certificate proves its holder is a current member of the cluster (peer CA, member's name). */
  isMemberCertificate?: (der: Buffer | null) => boolean;
  /** Called on every refused authentication (metrics). */
  onFailure?: (reason: AuthFailureReason) => void;
}

/** Default token lifetime (etcd's simple tokens last 5 minutes too). */
export const DEFAULT_TOKEN_TTL_MS = 5 * 60_000;
/** Password checks (scrypt, ~16 MiB each) running at once on a node; more wait in line. */
export const MAX_CONCURRENT_PASSWORD_CHECKS = 8;
/** Password checks waiting for a slot; more are refused (RESOURCE_EXHAUSTED). */
export const MAX_QUEUED_PASSWORD_CHECKS = 256;
/** Verified tokens remembered, so a token's MAC is computed once, not per request. */
const TOKEN_CACHE_ENTRIES = 4096;

/** Identifies callers and issues tokens for one node. */
export class Authenticator {
  private readonly nowMs: () => number;
  private readonly verified = new Map<string, TokenClaims>();
  private checking = 0;
  private readonly queued: (() => void)[] = [];
  /** Set by peek(): a failure found there is not a refused request. */
  private quiet = false;

  constructor(
    readonly store: AuthStore,
    private readonly opts: AuthenticatorOptions,
  ) {
    this.nowMs = opts.nowMs ?? Date.now;
    // A new key or a reloaded state: what was verified before may not verify now.
    store.onChange(() => this.verified.clear());
  }

  /** The user a verified client certificate names, or null (no client CA, or not issued by it). */
  certificateUser(der: Buffer): string | null {
    return this.opts.certificateUser?.(der) ?? null;
  }

  /** Whether a certificate proves a current member (never without peer TLS). */
  isMemberCertificate(der: Buffer | null): boolean {
    return this.opts.isMemberCertificate?.(der) ?? false;
  }

  /** The user a caller proves, or null (auth off, or no valid credentials): for the audit log, counts nothing. */
  peek(c: CallerCredentials): string | null {
    this.quiet = true;
    try {
      return this.identify(c).user;
    } catch (err) {
      // Credentials that do not prove a user (the request itself is refused, and counted, elsewhere).
      if (err instanceof AuthError) return null;
      throw err;
    } finally {
      this.quiet = false;
    }
  }

  /** The caller's identity; throws AuthError (`behind` when the token is newer than this node's auth state). */
  identify(c: CallerCredentials): Identity {
    const store = this.store;
    if (!store.enabled) return { user: null, revision: store.revision };
    if (c.token !== null) return { user: this.tokenUser(c.token), revision: store.revision };
    if (c.forwarded) {
      if (c.assertedUser === null) throw this.fail('no_credentials', 'authentication required: the request carries no token (raftdb --user, or connect({ auth }))');
      if (!this.opts.isMemberCertificate?.(c.certificate)) {
        throw this.fail('untrusted_forward', 'a forwarded user name is believed only from a member proven by its peer certificate; send the request to the leader');
      }
      return { user: this.existing(c.assertedUser, 'the certificate'), revision: store.revision };
    }
    if (c.certificate !== null) {
      const cn = this.opts.certificateUser?.(c.certificate) ?? null;
      if (cn !== null) return { user: this.existing(cn, 'the client certificate'), revision: store.revision };
    }
    throw this.fail('no_credentials', 'authentication required: pass a token (raftdb --user, or connect({ auth })) or a client certificate whose CN is a user');
  }

  /** The user a token names, checked: signature, expiry, the user's last change. */
  private tokenUser(token: string): string {
    const store = this.store;
    let claims = this.verified.get(token);
    if (!claims) {
      const key = store.tokenKey;
      const read = key ? readToken(token, key.key) : { error: 'no token key' };
      if ('error' in read) throw this.fail('bad_token', `invalid token: ${read.error}; authenticate again`);
      claims = read;
      if (this.verified.size >= TOKEN_CACHE_ENTRIES) this.verified.clear();
      this.verified.set(token, claims);
    }
    if (claims.expiresAtMs <= this.nowMs()) throw this.fail('expired_token', 'the token has expired; authenticate again');
    // Issued by a node further along: this one has not applied some auth change yet.
    if (claims.revision > store.revision) {
      throw new AuthError('behind', `this node's auth state (revision ${store.revision}) is behind the token's (${claims.revision})`, undefined, claims.revision);
    }
    const user = store.user(claims.user);
    if (!user) throw this.fail('unknown_user', `user ${JSON.stringify(claims.user)} does not exist (any more)`);
    if (user.revision > claims.revision) {
      throw this.fail('stale_token', `user ${JSON.stringify(claims.user)} changed (auth revision ${user.revision}) after the token was issued (${claims.revision}); authenticate again`);
    }
    return claims.user;
  }

  private existing(name: string, source: string): string {
    if (!this.store.user(name)) throw this.fail('unknown_user', `${source} names ${JSON.stringify(name.slice(0, 128))}, which is not a user`);
    return name;
  }

  private fail(reason: AuthFailureReason, message: string): AuthError {
    if (!this.quiet) this.opts.onFailure?.(reason);
    return new AuthError('unauthenticated', message, reason);
  }

  /** Checks a password and issues a token; throws AuthError. The same message for an unknown user and a wrong password. */
  async authenticate(name: string, password: string): Promise<{ token: string; ttlMs: number; revision: number }> {
    const store = this.store;
    if (!store.enabled) throw new AuthError('notEnabled', AUTH_NOT_ENABLED_MESSAGE);
    await this.passwordSlot();
    try {
      const user = store.user(name);
      const ok = user?.password ? await verifyPassword(password, user.password) : false;
      if (!ok) throw this.fail('bad_password', 'authentication failed: wrong user name or password');
    } finally {
      const next = this.queued.shift();
      if (next) next();
      else this.checking--;
    }
    // The state may have moved while scrypt ran: issue against what is there now.
    const key = store.tokenKey;
    if (!store.enabled || !key || !store.user(name)) throw this.fail('unknown_user', 'authentication failed: the user or auth changed meanwhile; retry');
    return { token: this.issue(name), ttlMs: this.opts.tokenTtlMs, revision: store.revision };
  }

  /**
   * One of MAX_CONCURRENT_PASSWORD_CHECKS slots (scrypt takes ~16 MiB each), waiting in line
   * behind at most MAX_QUEUED_PASSWORD_CHECKS others: many clients starting at once queue, a
   * flood is refused.
   */
  private async passwordSlot(): Promise<void> {
    if (this.checking < MAX_CONCURRENT_PASSWORD_CHECKS) {
      this.checking++;
      return;
    }
    if (this.queued.length >= MAX_QUEUED_PASSWORD_CHECKS) {
      throw new AuthError('busy', `${MAX_CONCURRENT_PASSWORD_CHECKS} password checks run and ${MAX_QUEUED_PASSWORD_CHECKS} wait on this node; retry shortly`);
    }
    // The slot passes straight from a finishing check to the first in line (checking stays up).
    await new Promise<void>((resolve) => this.queued.push(resolve));
  }

  /** A token for `user` at the current auth revision. */
  issue(user: string): string {
    const key = this.store.tokenKey;
    if (!key) throw new AuthError('unauthenticated', 'auth has never been enabled: no token key');
    return signToken({ user, revision: this.store.revision, expiresAtMs: this.nowMs() + this.opts.tokenTtlMs }, key.key);
  }

  /** Whether `identity` may use administrative verbs (root, or anyone while auth is off). */
  requireRoot(identity: Identity, what: string): void {
    if (identity.user === null) return;
    if (this.store.isRoot(identity.user)) return;
    this.opts.onFailure?.('permission_denied');
    throw new AuthError('permissionDenied', `permission denied: ${what} needs the root role (user ${JSON.stringify(identity.user)} does not have it)`, 'permission_denied');
  }

  /** Counts a permission denial decided elsewhere (a watch whose read was revoked). */
  denied(): void {
    this.opts.onFailure?.('permission_denied');
  }

  /** Throws PERMISSION_DENIED naming the first range `identity` may not access as needed. */
  requireAccess(identity: Identity, needs: readonly NeededAccess[]): void {
    const user = identity.user;
    if (user === null) return;
    for (const n of needs) {
      if (this.store.permits(user, n.access, n.range)) continue;
      this.opts.onFailure?.('permission_denied');
      throw new AuthError('permissionDenied', `permission denied: user ${JSON.stringify(user)} may not ${n.access} ${describeRange(n.range)}`, 'permission_denied');
    }
  }
}

/** A fresh token signing key (HMAC-SHA256, 32 bytes), chosen by the leader for auth enable and key rotation. */
export function newTokenKey(): Buffer {
  return randomBytes(32);
}
