// Tokens: `rdb1.<claims>.<mac>`, the claims (user, auth revision, expiry) in
// base64url JSON and an HMAC-SHA256 over `rdb1.<claims>` with the cluster's token key. The key is
// in the replicated auth state, so every node can check a token any node issued without asking
// anyone (a follower forwards the token with the request; the node that executes it checks it).
// Not a JWT: nothing but raftdb reads these, and a fixed format has no algorithm field to
// negotiate (JWT's `alg: none` and key-confusion pitfalls) and needs no dependency.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token says. */
export interface TokenClaims {
  user: string;
  /** The auth revision when it was issued: a user changed after it makes it stale. */
  revision: number;
  expiresAtMs: number;
}

const VERSION = 'rdb1';
/** Longest token looked at: it comes from the network, before anything is verified. */
export const MAX_TOKEN_CHARS = 1024;

function mac(key: Uint8Array, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

/** A signed token for `claims`. */
export function signToken(claims: TokenClaims, key: Uint8Array): string {
  const body = Buffer.from(JSON.stringify([claims.user, claims.revision, claims.expiresAtMs])).toString('base64url');
  const signed = `${VERSION}.${body}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** The claims of a token signed with `key`, or why it is not one (its expiry is the caller's to check). */
export function readToken(token: string, key: Uint8Array): TokenClaims | { error: string } {
  if (token.length > MAX_TOKEN_CHARS) return { error: `token longer than ${MAX_TOKEN_CHARS} characters` };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { error: 'not a raftdb token' };
  const given = Buffer.from(parts[2]!, 'base64url');
  const expected = mac(key, `${parts[0]}.${parts[1]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'token signature does not verify (forged, or signed with a retired key)' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return { error: 'token claims are not JSON' };
  }
  if (!Array.isArray(raw) || raw.length !== 3 || typeof raw[0] !== 'string' || !isCount(raw[1]) || !isCount(raw[2])) {
    return { error: 'token claims are malformed' };
  }
  return { user: raw[0], revision: raw[1], expiresAtMs: raw[2] };
}
