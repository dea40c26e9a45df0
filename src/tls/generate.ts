// `raftdb certs init`: a small CA and the certificates a local or compose cluster needs, made with
// @peculiar/x509 (no hand-written ASN.1). ECDSA P-256 keys, SHA-256 signatures. Each node's
// certificate names the node (CN and DNS name) — that is what binds a peer connection to a
// member — plus localhost, 127.0.0.1 and ::1, and serves both as server and client certificate.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** A name usable as a file name and as a DNS label or CN: what a member id and a user look like. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** What to generate. */
export interface CertsInitOptions {
  /** Node ids: one certificate each, named by the id. */
  nodes: string[];
  /** Extra DNS names or IP addresses for every node certificate (e.g. container hostnames). */
  hosts?: string[];
  /** CN of the client certificate (the user it authenticates as); default root. */
  clientName?: string;
  /** Validity of the node and client certificates; the CA gets ten times as long. */
  days?: number;
  /** Replace existing files instead of refusing. */
  force?: boolean;
  /**
   * A complete set already in `dir` (every file this call would write) is kept and nothing is
   * written; part of a set is still an error. For a one-shot job that runs on every start (the
   * compose files' `certs` service).
   */
  keepExisting?: boolean;
  /** For tests: the start of the validity period. */
  notBefore?: Date;
}

/** One file written. */
export interface WrittenFile {
  path: string;
  kind: 'ca-certificate' | 'ca-key' | 'certificate' | 'key';
  subject: string;
  validTo: string;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function serial(): string {
  // A positive 64-bit serial number (the high bit clear keeps it positive in DER).
  const b = webcrypto.getRandomValues(new Uint8Array(8));
  b[0]! &= 0x7f;
  b[0]! |= 0x01;
  return Buffer.from(b).toString('hex');
}

const isIp = (h: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');

/** Writes `<name>.crt` (0644) and `<name>.key` (0600) into `dir`. */
async function writePair(dir: string, name: string, cert: x509.X509Certificate, key: CryptoKey, isCa: boolean): Promise<WrittenFile[]> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await writeFile(certPath, cert.toString('pem') + '\n', { mode: 0o644 });
  await writeFile(keyPath, (await keyPem(key)) + '\n', { mode: 0o600 });
  await chmod(keyPath, 0o600); // writeFile's mode applies only to new files
  const validTo = cert.notAfter.toISOString();
  return [
    { path: certPath, kind: isCa ? 'ca-certificate' : 'certificate', subject: cert.subject, validTo },
    { path: keyPath, kind: isCa ? 'ca-key' : 'key', subject: cert.subject, validTo },
  ];
}

/** A certificate for `cn` signed by the CA, with new keys. */
async function issueLeaf(
  ca: { cert: x509.X509Certificate; key: CryptoKey },
  cn: string,
  sans: x509.JsonGeneralName[],
  usages: string[],
  notBefore: Date,
  notAfter: Date,
): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${cn}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { cert, key: keys.privateKey };
}

/** The CA that `certs init` left in `dir` (ca.crt, ca.key), to sign more certificates with. */
async function readCa(dir: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const [caPem, caKeyPem] = await Promise.all([readFile(join(dir, 'ca.crt'), 'utf8'), readFile(join(dir, 'ca.key'), 'utf8')]);
  const cert = new x509.X509Certificate(caPem);
  const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), ALG, false, ['sign']);
  return { cert, key };
}

/** A node certificate's names: the node id (what binds a peer connection to a member), localhost, loopback addresses, `hosts`. */
function nodeNames(node: string, hosts: readonly string[]): x509.JsonGeneralName[] {
  return [node, 'localhost', '127.0.0.1', '::1', ...hosts]
    .filter((h, i, all) => all.indexOf(h) === i)
    .map((h): x509.JsonGeneralName => (isIp(h) ? { type: 'ip', value: h } : { type: 'dns', value: h }));
}

/**
 * Writes `<node>.crt/.key` into `dir`, signed by the CA that `certs init` left there: for a node
 * added after the set was made (the drills' membership changes). Refuses to replace a file.
 */
export async function issueNodeCertificate(dir: string, node: string, o: { hosts?: string[]; days?: number } = {}): Promise<WrittenFile[]> {
  checkCertsOptions({ nodes: [node], hosts: o.hosts ?? [] });
  if (await stat(join(dir, `${node}.crt`)).then(() => true, () => false)) throw new Error(`${join(dir, `${node}.crt`)} exists`);
  const ca = await readCa(dir);
  const notBefore = new Date(Date.now() - 60_000);
  const usages = [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const leaf = await issueLeaf(ca, node, nodeNames(node, o.hosts ?? []), usages, notBefore, new Date(notBefore.getTime() + (o.days ?? 365) * DAY_MS));
  return writePair(dir, node, leaf.cert, leaf.key, false);
}

/**
 * Writes `client-<user>.crt/.key` into `dir`: a client certificate whose CN is `user`, signed by
 * the CA that `certs init` left there (ca.crt, ca.key). With auth enabled the holder is that user.
 */
export async function issueClientCertificate(dir: string, user: string, o: { days?: number; force?: boolean } = {}): Promise<WrittenFile[]> {
  if (!NAME.test(user)) throw new Error(`"${user}" is not a usable name (letters, digits, . _ -; at most 63)`);
  const name = `client-${user}`;
  if (!o.force && (await stat(join(dir, `${name}.crt`)).then(() => true, () => false))) throw new Error(`${join(dir, `${name}.crt`)} exists; use --force to replace it`);
  const ca = await readCa(dir);
  const notBefore = new Date(Date.now() - 60_000);
  const leaf = await issueLeaf(ca, user, [], [x509.ExtendedKeyUsage.clientAuth], notBefore, new Date(notBefore.getTime() + (o.days ?? 365) * DAY_MS));
  return writePair(dir, name, leaf.cert, leaf.key, false);
}

/** Checks the options; throws with the reason. */
export function checkCertsOptions(o: CertsInitOptions): void {
  if (o.nodes.length === 0) throw new Error('--nodes must name at least one node');
  for (const n of [...o.nodes, o.clientName ?? 'root']) if (!NAME.test(n)) throw new Error(`"${n}" is not a usable name (letters, digits, . _ -; at most 63)`);
  if (new Set(o.nodes).size !== o.nodes.length) throw new Error('--nodes lists a node twice');
  if (o.nodes.includes('ca') || o.nodes.includes(o.clientName ?? 'root') || o.nodes.includes('client')) throw new Error('a node may not be called ca, client or the client name');
  for (const h of o.hosts ?? []) if (!isIp(h) && !/^[A-Za-z0-9*][A-Za-z0-9.-]{0,252}$/.test(h)) throw new Error(`"${h}" is not a host name or IP address`);
}

/** Writes ca.crt/ca.key, <node>.crt/<node>.key for each node and client.crt/client.key into `dir`. */
export async function initCertificates(dir: string, o: CertsInitOptions): Promise<WrittenFile[]> {
  checkCertsOptions(o);
  const days = o.days ?? 365;
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const leafUntil = new Date(notBefore.getTime() + days * DAY_MS);
  const caUntil = new Date(notBefore.getTime() + 10 * days * DAY_MS);
  const names = ['ca', ...o.nodes, 'client'];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!o.force) {
    const files = names.flatMap((n) => [`${n}.crt`, `${n}.key`]);
    const present = await Promise.all(files.map((file) => stat(join(dir, file)).then(() => true, () => false)));
    if (o.keepExisting && present.every(Boolean)) return [];
    const found = files.find((_, i) => present[i]);
    if (found !== undefined && o.keepExisting) {
      const missing = files.filter((_, i) => !present[i]);
      throw new Error(`${dir} holds part of a certificate set (missing ${missing.join(', ')}): remove the directory to make a new set, or use --force to replace it`);
    }
    if (found !== undefined) throw new Error(`${join(dir, found)} exists; use --force to replace it (or --keep-existing to keep a complete set)`);
  }
  const written: WrittenFile[] = [];
  const write = async (name: string, cert: x509.X509Certificate, key: CryptoKey, isCa: boolean): Promise<void> => {
    written.push(...(await writePair(dir, name, cert, key, isCa)));
  };

  const caKeys = await newKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=raftdb CA',
    notBefore,
    notAfter: caUntil,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  await write('ca', ca, caKeys.privateKey, true);

  const issue = (cn: string, sans: x509.JsonGeneralName[], usages: string[]): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> =>
    issueLeaf({ cert: ca, key: caKeys.privateKey }, cn, sans, usages, notBefore, leafUntil);

  for (const node of o.nodes) {
    const { cert, key } = await issue(node, nodeNames(node, o.hosts ?? []), [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    await write(node, cert, key, false);
  }
  const { cert, key } = await issue(o.clientName ?? 'root', [], [x509.ExtendedKeyUsage.clientAuth]);
  await write('client', cert, key, false);
  return written;
}
