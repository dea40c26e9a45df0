// --http-auth: who may read the dashboard and its JSON (and /metrics with --http-auth-metrics)
// while auth is enabled. A browser shows its own login prompt for HTTP Basic (RFC 7617) and then
// sends the user and password with every request of the page, polls included, so a password
// check (scrypt, tens of milliseconds) per request would make the dashboard a load generator.
// A successful Basic login therefore gets a token from the Authenticator, remembered under a hash
// of the header: later requests are checked as that token (the user's current record, its
// expiry, the cluster's token key), and a token that stops working sends the password through
// scrypt once more — so a password change, a deleted user or a key rotation takes effect at once.
// `Authorization: Bearer <token>` (a token from Authenticate) works as well, for scripts.
import { createHash } from 'node:crypto';
import { AuthError, type Authenticator, type AuditLog } from '../auth/index.js';
import type { HttpAuthDecision, HttpAuthGate, HttpAuthRequest } from '../metrics/index.js';

/** Basic logins remembered at once; past it the table starts over (each login then costs one scrypt again). */
export const MAX_HTTP_LOGINS = 256;
/** Longest Authorization header read (a user and a password of at most 1 KiB each, base64). */
const MAX_HEADER_CHARS = 4096;

/** What the gate needs of the node. */
export interface HttpAuthDeps {
  auth: Authenticator;
  audit: AuditLog | null;
  nodeId: string;
  /** Gate /metrics too. */
  metrics: boolean;
}

type Credentials = { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };

/** The credentials an Authorization header carries, or why it cannot be read. */
export function parseAuthorization(header: string): Credentials | string {
  if (header.length > MAX_HEADER_CHARS) return `the Authorization header is longer than ${MAX_HEADER_CHARS} characters`;
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m) return 'the Authorization header is not "<scheme> <credentials>"';
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer') return { kind: 'bearer', token: m[2]! };
  if (scheme !== 'basic') return `the Authorization scheme ${JSON.stringify(m[1]!.slice(0, 32))} is not Basic or Bearer`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(m[2]!)) return 'Basic credentials are not base64';
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'Basic credentials are not "user:password"';
  return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The --http-auth gate of one node. */
export class HttpBasicAuth implements HttpAuthGate {
  readonly metrics: boolean;
  /** SHA-256 of a Basic header that logged in -> the token it got. */
  private readonly logins = new Map<string, string>();

  constructor(private readonly deps: HttpAuthDeps) {
    this.metrics = deps.metrics;
  }

  /** Lets a request in while auth is disabled; otherwise only with a user's password or token. */
  async check(req: HttpAuthRequest): Promise<HttpAuthDecision> {
    const auth = this.deps.auth;
    if (!auth.store.enabled) return { ok: true, user: null };
    const decision = await this.decide(req.authorization);
    if (!decision.ok) this.audit(req, decision);
    return decision;
  }

  private async decide(header: string | undefined): Promise<HttpAuthDecision> {
    if (header === undefined) return refuse('authentication required: log in with a raftdb user and password (HTTP Basic) or send a token (Bearer)');
    const creds = parseAuthorization(header);
    if (typeof creds === 'string') return refuse(creds);
    if (creds.kind === 'bearer') return this.asToken(creds.token);
    const key = createHash('sha256').update(header).digest('base64');
    const known = this.logins.get(key);
    if (known !== undefined) {
      const again = this.asToken(known);
      if (again.ok) return again;
      this.logins.delete(key); // expired, or the user or the key changed: check the password again
    }
    try {
      const { token } = await this.deps.auth.authenticate(creds.user, creds.password);
      if (this.logins.size >= MAX_HTTP_LOGINS) this.logins.clear();
      this.logins.set(key, token);
      return { ok: true, user: creds.user };
    } catch (err) {
      return refused(err);
    }
  }

  private asToken(token: string): HttpAuthDecision {
    try {
      const who = this.deps.auth.identify({ token, certificate: null, assertedUser: null, forwarded: false });
      return { ok: true, user: who.user };
    } catch (err) {
      return refused(err);
    }
  }

  private audit(req: HttpAuthRequest, d: Extract<HttpAuthDecision, { ok: false }>): void {
    const outcome = d.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    this.deps.audit?.record({ time: new Date().toISOString(), node: this.deps.nodeId, user: null, client: req.client, method: `HTTP ${req.method} ${req.path}`, outcome, error: d.error });
  }
}

function refuse(error: string): HttpAuthDecision {
  return { ok: false, status: 401, error };
}

/** An Authenticator refusal as an HTTP answer: busy or behind is 503 (retry), the rest 401. */
function refused(err: unknown): HttpAuthDecision {
  if (!(err instanceof AuthError)) throw err;
  if (err.kind === 'notEnabled') return { ok: true, user: null }; // auth was turned off meanwhile
  if (err.kind === 'busy' || err.kind === 'behind') return { ok: false, status: 503, error: err.message };
  return refuse(err.message);
}
