// Which peer messages a node accepts. Every message names its sender (`from`); that name is
// believed only if the sender is a current member and — with peer TLS — the caller's
// certificate, issued by a trusted peer CA, carries that name (as its CN or a DNS name). A
// non-member, a client certificate, or a member's certificate used to speak for another member
// cannot make a node change term, step down, vote or append.
import type { NodeId } from '../raft/types.js';

/** The words of the refusal a non-member gets; the sender recognises its removal by them (peer.ts). */
export const NOT_A_MEMBER = 'is not a member of this cluster';

/** A caller that cannot speak for the member it claims: PERMISSION_DENIED (UNAUTHENTICATED without a certificate). */
export class PeerIdentityError extends Error {
  override readonly name = 'PeerIdentityError';
  constructor(
    message: string,
    /** No certificate at all (the caller did not authenticate), as opposed to the wrong one. */
    readonly unauthenticated = false,
  ) {
    super(message);
  }
}

/** What a gRPC call says about the TLS peer (grpc-js `call.getAuthContext()`). */
export interface CallAuth {
  transportSecurityType?: string;
  sslPeerCertificate?: { raw?: Buffer } | undefined;
}

/** Decides who may send peer messages; built by the node from its peer TLS settings and membership. */
export interface PeerAuthorizer {
  /**
   * The names the caller has proven by its certificate, or null when peers are not authenticated
   * (no peer TLS: a sender's id is taken at its word, and only membership is checked). Throws
   * PeerIdentityError when a certificate is required and missing or not trusted.
   */
  identify(auth: CallAuth | null): readonly string[] | null;
  /** Whether `id` is a member now. */
  isMember(id: NodeId): boolean;
}

/** Accepts any member's id at its word: the behaviour without peer TLS. */
export const MEMBERS_ONLY = (isMember: (id: NodeId) => boolean): PeerAuthorizer => ({ identify: () => null, isMember });

/** Longest id quoted back in errors and logs: ids come from the network. */
const MAX_QUOTED = 64;

/** `s` cut for a log line or an error message (a peer could send a megabyte of `from`). */
export function clip(s: string): string {
  return s.length <= MAX_QUOTED ? s : `${s.slice(0, MAX_QUOTED)}…(${s.length} chars)`;
}

/** Throws PeerIdentityError unless `from` is a member and, when names were proven, one of them. */
export function checkSender(authorizer: PeerAuthorizer, proven: readonly string[] | null, from: NodeId): void {
  if (proven !== null && !proven.includes(from)) {
    throw new PeerIdentityError(`a message from '${clip(from)}' over a connection whose certificate names ${proven.map(clip).join(', ') || 'nothing'}`);
  }
  if (!authorizer.isMember(from)) throw new PeerIdentityError(`'${clip(from)}' ${NOT_A_MEMBER}`);
}

/** What a certificate proves (NodeTls.provePeer): the names, or why it proves nothing. */
export type PeerProof = { names: readonly string[] } | { error: string; unauthenticated: boolean };

/** An authorizer for mutual TLS: `prove` checks the caller's certificate (DER) against the peer CA. */
export function tlsPeerAuthorizer(prove: (der: Buffer | undefined) => PeerProof, isMember: (id: NodeId) => boolean): PeerAuthorizer {
  return {
    identify(auth) {
      const proof = prove(auth?.sslPeerCertificate?.raw);
      if ('error' in proof) throw new PeerIdentityError(proof.error, proof.unauthenticated);
      return proof.names;
    },
    isMember,
  };
}
