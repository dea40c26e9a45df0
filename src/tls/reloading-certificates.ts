// A certificate and CA bundle that follow their files: reloaded when a file changes (polled, so
// a Kubernetes secret's symlink swap is seen too) or when reload() is called (SIGHUP). A reload
// that fails a check keeps the previous pair in service and says why; nothing is half-applied.
// Implements grpc-js's CertificateProvider, so gRPC servers and channels pick up new pairs for
// new connections without a restart.
import type { X509Certificate } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import type { experimental } from '@grpc/grpc-js';
import { type Identity, type TlsFiles, readCaBundle, readIdentity } from './certificate-files.js';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** What a reload reports (the node logs it). */
export interface ReloadLog {
  info(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** How often the files are checked for changes. */
const POLL_INTERVAL_MS = 2000;

/** One certificate + key (+ CA bundle), current and reloadable. */
export class ReloadingCertificates implements CertificateProvider {
  private current: Identity;
  private ca: { pem: Buffer; certs: X509Certificate[] } | null;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly changeListeners = new Set<() => void>();
  private watching = false;

  /** Reads the files now; throws CertificateError (naming the file and dates) if they fail a check. */
  constructor(
    readonly files: TlsFiles,
    private readonly log: ReloadLog,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.current = readIdentity(files, nowMs());
    this.ca = files.caFile ? readCaBundle(files.caFile, nowMs()) : null;
  }

  /** The certificate in service. */
  get identity(): Identity {
    return this.current;
  }

  /** The trusted CA certificates in service (empty without a CA file). */
  get caCertificates(): readonly X509Certificate[] {
    return this.ca?.certs ?? [];
  }

  /** The CA bundle in service, PEM. */
  get caPem(): Buffer | null {
    return this.ca?.pem ?? null;
  }

  /** Starts polling the files for changes (stop with close()). */
  watch(): this {
    if (this.watching) return this;
    this.watching = true;
    for (const f of this.paths()) watchFile(f, { interval: POLL_INTERVAL_MS, persistent: false }, () => this.reload('file changed'));
    return this;
  }

  /** Re-reads the files; on success every listener gets the new pair, on failure the old stays. */
  reload(why: string): boolean {
    let identity: Identity;
    let ca: { pem: Buffer; certs: X509Certificate[] } | null;
    try {
      identity = readIdentity(this.files, this.nowMs());
      ca = this.files.caFile ? readCaBundle(this.files.caFile, this.nowMs()) : null;
    } catch (err) {
      this.log.error({ why, certFile: this.files.certFile, err: (err as Error).message }, 'certificate reload refused; the previous certificate stays in service');
      return false;
    }
    const changed = !identity.cert.equals(this.current.cert) || !identity.key.equals(this.current.key) || !(ca?.pem ?? Buffer.alloc(0)).equals(this.ca?.pem ?? Buffer.alloc(0));
    if (!changed) return true;
    this.current = identity;
    this.ca = ca;
    this.log.info({ why, certFile: this.files.certFile, subject: identity.x509.subject, validTo: identity.x509.validTo }, 'certificates reloaded');
    for (const l of this.identityListeners) l({ certificate: identity.cert, privateKey: identity.key });
    if (ca) for (const l of this.caListeners) l({ caCertificate: ca.pem });
    for (const l of this.changeListeners) l();
    return true;
  }

  /** Called after every successful reload that changed something (HTTPS servers, peer checks). */
  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  /** Stops watching the files. */
  close(): void {
    if (!this.watching) return;
    this.watching = false;
    for (const f of this.paths()) unwatchFile(f);
  }

  // The first update goes out after the caller returns: grpc-js registers its own watcher only
  // after adding these listeners, and would miss an update made during the call.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener(this.ca ? { caCertificate: this.ca.pem } : null);
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener({ certificate: this.current.cert, privateKey: this.current.key });
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private paths(): string[] {
    return [this.files.certFile, this.files.keyFile, ...(this.files.caFile ? [this.files.caFile] : [])];
  }
}
