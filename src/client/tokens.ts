// The client's side of authentication: connect({ auth: { user, password } }) authenticates on
// first use, keeps the token, sends it with every request, authenticates again shortly before it
// expires, and at once when a node refuses it (UNAUTHENTICATED: the user changed, the key was
// rotated, the token expired by the node's clock). One authentication at a time, whatever the
// number of calls waiting for it.
import { Metadata } from '@grpc/grpc-js';
import { AUTH_NOT_ENABLED_MESSAGE } from '../common/wire-errors.js';
import { RaftdbError } from './errors.js';

/** The metadata of a call: the token, if any (the server reads the `token` key, as etcd does). */
export function tokenMetadata(token: string | null): Metadata {
  const md = new Metadata();
  if (token !== null) md.set('token', token);
  return md;
}

/** A user and its password (connect's `auth` option; the CLI's --user name:password). */
export interface AuthOptions {
  user: string;
  password: string;
}

/** What Authenticate answered. */
export interface IssuedToken {
  token: string;
  ttlMs: number;
}

/** The part of a token's life after which a new one is asked for ahead of time. */
const REFRESH_AT = 0.8;
/** How long "auth is not enabled" is believed before asking again. */
const NOT_ENABLED_RECHECK_MS = 1000;

/** The token of one client. */
export class TokenSource {
  private token: string | null = null;
  private refreshAtMs = 0;
  /** While the cluster says auth is off: no token to send, until this time. */
  private offUntilMs = 0;
  private pending: Promise<string | null> | null = null;

  constructor(
    readonly user: string,
    private readonly authenticate: () => Promise<IssuedToken>,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The token to send: the cached one, or a new one; null while the cluster has auth off. */
  get(): Promise<string | null> {
    const now = this.nowMs();
    if (this.token !== null && now < this.refreshAtMs) return Promise.resolve(this.token);
    if (this.token === null && now < this.offUntilMs) return Promise.resolve(null);
    this.pending ??= this.renew().finally(() => (this.pending = null));
    return this.pending;
  }

  private async renew(): Promise<string | null> {
    try {
      const issued = await this.authenticate();
      this.token = issued.token;
      this.refreshAtMs = this.nowMs() + issued.ttlMs * REFRESH_AT;
      return issued.token;
    } catch (err) {
      // A cluster without auth (this status and message are a wire contract, src/common/wire-errors.ts):
      // requests go without a token (and a refusal brings us back here).
      if (err instanceof RaftdbError && err.code === 'FAILED_PRECONDITION' && err.details === AUTH_NOT_ENABLED_MESSAGE) {
        this.token = null;
        this.offUntilMs = this.nowMs() + NOT_ENABLED_RECHECK_MS;
        return null;
      }
      throw err;
    }
  }

  /**
   * The token held now, without authenticating (null when there is none): for the Status probes
   * that explain a failure, which must not wait on an authentication — when the failing call is
   * that authentication, they would wait on themselves.
   */
  held(): string | null {
    return this.token;
  }

  /** A node refused `token` (null: a request sent without one): the next get() authenticates again. */
  invalidate(token: string | null): void {
    if (token === null) this.offUntilMs = 0;
    else if (this.token === token) this.token = null;
  }
}
