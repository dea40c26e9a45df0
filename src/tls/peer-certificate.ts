// Who a TLS peer is: the names its certificate carries, once the certificate is shown to be
// issued by a trusted CA and valid now. Used where the TLS layer alone cannot decide — on a port
// shared by clients and peers, clients' certificates may come from another CA, and a client
// certificate must never pass for a member's.
import { X509Certificate } from 'node:crypto';
import { CertificateError, checkValidity } from './certificate-files.js';

/** The subject CN and the DNS names of the subject alternative names. */
export function certificateNames(cert: X509Certificate): string[] {
  const names = new Set<string>();
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) names.add(line.slice(3));
  for (const part of (cert.subjectAltName ?? '').split(', ')) if (part.startsWith('DNS:')) names.add(part.slice(4));
  return [...names];
}

/** The subject CN, if any. */
export function commonName(cert: X509Certificate): string | null {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return null;
}

/**
 * The certificate from its DER bytes, checked: issued and signed by one of `cas` (directly) and
 * valid at `nowMs`. Throws CertificateError saying which check failed.
 */
export function verifyIssuedBy(der: Buffer, cas: readonly X509Certificate[], nowMs: number): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new CertificateError(`peer certificate cannot be parsed: ${(err as Error).message}`);
  }
  const subject = cert.subject.replace(/\n/g, ', ').slice(0, 200);
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw new CertificateError(`peer certificate (${subject}) is not issued by a trusted peer CA`);
  }
  checkValidity(cert, `of peer (${subject})`, nowMs);
  return cert;
}
