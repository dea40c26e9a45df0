// One node's TLS: which certificates each listener and each outgoing connection uses, built once
// from the operator's files and reloaded together (on a file change or SIGHUP). Clients and peers
// share the gRPC port, so the port presents the client certificate and trusts both CA bundles;
// which of the callers may speak for a member is decided per call (peer-certificate.ts), never
// by the TLS handshake alone.
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { CertificateError, type TlsFiles } from './certificate-files.js';
import { certificateNames, commonName, verifyIssuedBy } from './peer-certificate.js';
import { type ReloadLog, ReloadingCertificates } from './reloading-certificates.js';

/** The operator's TLS settings for one node; every part is optional (plaintext without it). */
export interface NodeTlsOptions {
  /** The gRPC port as clients see it: --cert-file, --key-file, --trusted-ca-file. */
  client?: TlsFiles & {
    /** --client-cert-auth: refuse clients without a certificate issued by the trusted CA. */
    clientCertAuth: boolean;
  };
  /** Peer connections, mutual TLS: --peer-cert-file, --peer-key-file, --peer-trusted-ca-file. */
  peer?: TlsFiles & {
    caFile: string;
    /** --peer-allowed-cn: peers' certificates must also carry exactly this CN. */
    allowedCn?: string;
  };
  /** Metrics, health and dashboard over HTTPS: --http-cert-file, --http-key-file. */
  http?: Pick<TlsFiles, 'certFile' | 'keyFile'>;
}

/** The names a peer proved, or why it could not (the same shape as the transport's PeerProof). */
export type PeerProof = { names: readonly string[] } | { error: string; unauthenticated: boolean };

/** A CA provider that trusts the bundles of several providers together. */
class UnionCa implements grpc.experimental.CertificateProvider {
  private readonly listeners = new Set<grpc.experimental.CaCertificateUpdateListener>();

  constructor(private readonly sources: readonly ReloadingCertificates[]) {
    for (const s of sources) s.onChange(() => this.push());
  }

  private pem(): Buffer | null {
    const parts = this.sources.map((s) => s.caPem).filter((p): p is Buffer => p !== null);
    return parts.length === 0 ? null : Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')]));
  }

  private push(): void {
    const pem = this.pem();
    for (const l of this.listeners) l(pem ? { caCertificate: pem } : null);
  }

  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.listeners.add(l);
    // After the caller returns, as in ReloadingCertificates (grpc-js adds its watcher afterwards).
    queueMicrotask(() => {
      const pem = this.pem();
      if (this.listeners.has(l)) l(pem ? { caCertificate: pem } : null);
    });
  }

  removeCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.listeners.delete(l);
  }

  addIdentityCertificateListener(): void {}
  removeIdentityCertificateListener(): void {}
}

/** The TLS material of one node, loaded and checked; close() stops watching the files. */
export class NodeTls {
  readonly client: ReloadingCertificates | null;
  readonly peer: ReloadingCertificates | null;
  readonly http: ReloadingCertificates | null;
  private readonly trusted: UnionCa;

  /** Reads every file now; throws CertificateError naming the file (and dates) on any problem. */
  constructor(
    private readonly opts: NodeTlsOptions,
    log: ReloadLog,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (opts.peer && !opts.client) {
      throw new CertificateError('peer TLS needs client TLS too: clients and peers share the gRPC port (give --cert-file and --key-file)');
    }
    if (opts.client?.clientCertAuth && !opts.client.caFile) throw new CertificateError('--client-cert-auth needs --trusted-ca-file');
    this.client = opts.client ? new ReloadingCertificates(opts.client, log, nowMs).watch() : null;
    this.peer = opts.peer ? new ReloadingCertificates(opts.peer, log, nowMs).watch() : null;
    this.http = opts.http ? new ReloadingCertificates(opts.http, log, nowMs).watch() : null;
    this.trusted = new UnionCa([this.client, this.peer].filter((c): c is ReloadingCertificates => c !== null));
  }

  /** Whether peers must prove who they are with a certificate. */
  get peersAuthenticated(): boolean {
    return this.peer !== null;
  }

  /** The gRPC port's credentials: plaintext, TLS, or TLS asking (or requiring) client certificates. */
  serverCredentials(): grpc.ServerCredentials {
    if (!this.client) return grpc.ServerCredentials.createInsecure();
    const asksForCertificates = this.client.files.caFile !== undefined || this.peer !== null;
    // grpc-js names the first parameter caCertificateProvider, but uses it as the identity and
    // the second as the CA (server-credentials.js): identity first.
    return grpc.experimental.createCertificateProviderServerCredentials(this.client, asksForCertificates ? this.trusted : null, this.opts.client!.clientCertAuth);
  }

  /**
   * Credentials to reach peer `id` (mutual TLS): its certificate must be issued by the peer CA,
   * match the address as usual, and name `id`; ours is the peer certificate.
   */
  peerCredentials(id: string): grpc.ChannelCredentials | undefined {
    if (!this.peer) return undefined;
    const check = (host: string, cert: PeerCertificate): Error | undefined => {
      const usual = checkServerIdentity(host, cert);
      if (usual) return usual;
      const proof = this.provePeer(cert.raw);
      if ('error' in proof) return new Error(proof.error);
      return proof.names.includes(id) ? undefined : new Error(`the server at ${host} presents a certificate for ${proof.names.join(', ')}, not member ${id}`);
    };
    return grpc.experimental.createCertificateProviderChannelCredentials(this.peer, this.peer, { checkServerIdentity: check });
  }

  /** Credentials for a node's own client calls to another node's gRPC port (forwarding, status). */
  clientCredentials(): grpc.ChannelCredentials {
    if (!this.client) return grpc.credentials.createInsecure();
    return grpc.experimental.createCertificateProviderChannelCredentials(this.trusted, this.client, {});
  }

  /**
   * The member names a caller's certificate proves: issued by a CA of the peer bundle, valid now,
   * and carrying --peer-allowed-cn when that is set. Without peer TLS nobody proves anything.
   */
  provePeer(der: Buffer | undefined): PeerProof {
    if (!this.peer) return { names: [] };
    if (!der || der.length === 0) return { error: 'peer connections need a client certificate (mutual TLS)', unauthenticated: true };
    try {
      const cert = verifyIssuedBy(der, this.peer.caCertificates, this.nowMs());
      const allowed = this.opts.peer!.allowedCn;
      if (allowed !== undefined && commonName(cert) !== allowed) {
        return { error: `peer certificate CN '${commonName(cert) ?? ''}' is not the allowed CN '${allowed}'`, unauthenticated: false };
      }
      return { names: certificateNames(cert) };
    } catch (err) {
      return { error: (err as Error).message, unauthenticated: false };
    }
  }

  /**
   * The user a client certificate names (its CN), when it is issued by a CA of --trusted-ca-file
   * and valid now; else null. Checked here, not only by the TLS handshake: without
   * --client-cert-auth the handshake accepts a certificate it cannot verify.
   */
  clientUser(der: Buffer): string | null {
    const cas = this.client?.files.caFile ? this.client.caCertificates : [];
    if (cas.length === 0 || der.length === 0) return null;
    try {
      return commonName(verifyIssuedBy(der, cas, this.nowMs()));
    } catch (err) {
      // A certificate that proves no user: the caller is treated as anonymous (a client's bytes, not logged per call).
      if (err instanceof CertificateError) return null;
      throw err;
    }
  }

  /** Calls `listener` whenever a reload changed the peer CA or certificates (to re-check open calls). */
  onChange(listener: () => void): void {
    for (const c of [this.client, this.peer, this.http]) c?.onChange(listener);
  }

  /** Re-reads every file (SIGHUP); each set that fails its checks keeps the previous one. */
  reload(why: string): void {
    for (const c of [this.client, this.peer, this.http]) c?.reload(why);
  }

  /** Stops watching the files. */
  close(): void {
    for (const c of [this.client, this.peer, this.http]) c?.close();
  }
}
