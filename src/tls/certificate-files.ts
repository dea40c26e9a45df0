// Reading certificates and keys from disk, with the checks an operator needs to hear about at
// once: a certificate that is expired or not yet valid, a key that does not belong to its
// certificate, a CA file with nothing usable in it. Each error names the file and the dates.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A certificate problem, naming the file it came from. */
export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

/** A certificate, its key and (optionally) the CA bundle that verifies the other side. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** PEM bundle of CA certificates trusted to sign the other side's certificate. */
  caFile?: string;
}

/** An identity read and checked: PEM bytes as TLS wants them, and the parsed certificate. */
export interface Identity {
  cert: Buffer;
  key: Buffer;
  x509: X509Certificate;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CertificateError(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Throws unless `cert` is valid at `nowMs` (the message names `path` and both dates). */
export function checkValidity(cert: X509Certificate, path: string, nowMs: number): void {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (nowMs < from) throw new CertificateError(`certificate ${path} (${cert.subject.replace(/\n/g, ', ')}) is not valid yet: valid from ${cert.validFrom} to ${cert.validTo}`);
  if (nowMs > to) throw new CertificateError(`certificate ${path} (${cert.subject.replace(/\n/g, ', ')}) has expired: valid from ${cert.validFrom} to ${cert.validTo}`);
}

/** The certificates of a PEM bundle, parsed; throws naming the file when there are none. */
export function parseBundle(pem: Buffer, path: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new CertificateError(`${path} holds no PEM certificate`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new CertificateError(`${path}: certificate ${i + 1} cannot be parsed: ${(err as Error).message}`);
    }
  });
}

/** Reads and checks a certificate and its private key (dates, and that the key matches). */
export function readIdentity(files: Pick<TlsFiles, 'certFile' | 'keyFile'>, nowMs: number): Identity {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'private key');
  const [leaf] = parseBundle(cert, files.certFile);
  checkValidity(leaf!, files.certFile, nowMs);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new CertificateError(`${files.keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!leaf!.checkPrivateKey(privateKey)) throw new CertificateError(`${files.keyFile} is not the private key of ${files.certFile}`);
  return { cert, key, x509: leaf! };
}

/** Reads a CA bundle; certificates outside their validity are dropped, none left is an error. */
export function readCaBundle(path: string, nowMs: number): { pem: Buffer; certs: X509Certificate[] } {
  const pem = read(path, 'CA bundle');
  const all = parseBundle(pem, path);
  const problems: string[] = [];
  const certs = all.filter((c) => {
    try {
      checkValidity(c, path, nowMs);
      return true;
    } catch (err) {
      problems.push((err as Error).message);
      return false;
    }
  });
  if (certs.length === 0) throw new CertificateError(`${path} holds no CA certificate valid now: ${problems.join('; ')}`);
  return { pem: Buffer.from(certs.map((c) => c.toString()).join('\n')), certs };
}
