// Who sent a request, as the call shows it (nothing here is believed yet: src/auth decides), and
// what a follower adds when it forwards the request, so that the leader checks the original
// caller rather than the follower: the caller's token; for a caller known by its client
// certificate, the user that certificate names (believed by the leader only from a proven member);
// and the caller's address for the audit log.
import type * as grpc from '@grpc/grpc-js';
import type { CallerCredentials } from '../auth/index.js';
import { forwardHops } from './forwarder.js';

/** Metadata holding a token from Authenticate (etcd's name for it). */
export const TOKEN_METADATA = 'token';
/** Set by a forwarding node: the user its caller's certificate names. */
export const USER_METADATA = 'raftdb-user';
/** Set by a forwarding node: its caller's address (for the audit log). */
export const CLIENT_METADATA = 'raftdb-client';

/** The credentials of a request and where it came from. */
export interface Caller extends CallerCredentials {
  /** The caller's address (`ipv4:127.0.0.1:5678`), as the first node saw it. */
  address: string;
  /** For a forwarded request: the forwarding node's address. */
  via: string | null;
}

/** The parts of a grpc-js server call the caller is read from. */
export interface CallerSource {
  readonly metadata: grpc.Metadata;
  getPeer?(): string;
  getAuthContext?(): { sslPeerCertificate?: { raw?: Buffer } | undefined };
  /** Set by a pipeline for its operations: the stream's caller. */
  readonly caller?: Caller;
}

/** Longest metadata value read (a token is at most 1 KiB; anything longer is nobody's). */
const MAX_VALUE_CHARS = 2048;

function text(md: grpc.Metadata, key: string): string | null {
  const [v] = md.get(key);
  if (v === undefined) return null;
  const s = typeof v === 'string' ? v : v.toString('utf8');
  return s.length > MAX_VALUE_CHARS ? s.slice(0, MAX_VALUE_CHARS) : s;
}

function clipped(s: string): string {
  return s.length > MAX_VALUE_CHARS ? s.slice(0, MAX_VALUE_CHARS) : s;
}

const cache = new WeakMap<object, Caller>();

/** The caller of a unary call, a stream, or a pipeline operation (computed once per call). */
export function callerOf(call: CallerSource): Caller {
  if (call.caller) return call.caller;
  const known = cache.get(call);
  if (known) return known;
  const md = call.metadata;
  const forwarded = forwardHops(md) > 0;
  const peer = call.getPeer?.() ?? '';
  const raw = call.getAuthContext?.()?.sslPeerCertificate?.raw;
  const caller: Caller = {
    token: text(md, TOKEN_METADATA),
    certificate: raw && raw.length > 0 ? raw : null,
    assertedUser: forwarded ? text(md, USER_METADATA) : null,
    forwarded,
    address: (forwarded ? text(md, CLIENT_METADATA) : null) ?? peer,
    via: forwarded ? peer : null,
  };
  cache.set(call, caller);
  return caller;
}

/**
 * The caller of a request a member forwarded on Raft.Forward: what callerOf reads from a
 * unary-forwarded request's metadata, taken from the forwarded fields themselves (no metadata
 * is built and parsed again per request). `peer` is the member's connection, `certificate` its
 * certificate.
 */
export function forwardedCaller(fields: { token: string; user: string; clientAddress: string }, peer: string, certificate: Buffer | undefined): Caller {
  return {
    token: fields.token ? clipped(fields.token) : null,
    certificate: certificate && certificate.length > 0 ? certificate : null,
    assertedUser: fields.user ? clipped(fields.user) : null,
    forwarded: true,
    address: fields.clientAddress ? clipped(fields.clientAddress) : peer,
    via: peer,
  };
}

/** What the forwarding node may say about its caller (see the file comment). */
export interface ForwardedIdentity {
  token: string | null;
  user: string | null;
  address: string;
}

/**
 * The identity to forward for `caller`: its token, else the user its certificate names as this
 * node verifies it (`certificateUser`), or the user another member asserted to this node
 * (`isMember` of the forwarding node's certificate): never this node's own certificate.
 */
export function forwardedIdentity(
  caller: Caller,
  certificateUser: (der: Buffer) => string | null,
  isMember: (der: Buffer | null) => boolean,
): ForwardedIdentity {
  let user: string | null = null;
  if (caller.token === null) {
    if (caller.forwarded) user = caller.assertedUser !== null && isMember(caller.certificate) ? caller.assertedUser : null;
    else if (caller.certificate !== null) user = certificateUser(caller.certificate);
  }
  return { token: caller.token, user, address: caller.address };
}
