// TLS for the TypeScript client: the CA that signed the nodes' certificates, and a client
// certificate when the cluster asks for one (--client-cert-auth, or a user named by its CN).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { invalidArgument } from './errors.js';

/** Files or PEM bytes; a file is read once, at connect(). */
export interface ClientTlsOptions {
  /** CA bundle that verifies the nodes (default: the system's roots). */
  caFile?: string;
  ca?: Buffer;
  /** Client certificate and key, both or neither. */
  certFile?: string;
  cert?: Buffer;
  keyFile?: string;
  key?: Buffer;
  /** Name to verify in the nodes' certificates instead of the endpoint's host. */
  serverName?: string;
}

function pem(bytes: Buffer | undefined, file: string | undefined, what: string): Buffer | null {
  if (bytes) return bytes;
  if (!file) return null;
  try {
    return readFileSync(file);
  } catch (err) {
    throw invalidArgument(`tls: cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** Channel credentials for `tls` (plaintext when absent) and the channel options they need. */
export function clientCredentials(tls: ClientTlsOptions | undefined): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const ca = pem(tls.ca, tls.caFile, 'CA file');
  const cert = pem(tls.cert, tls.certFile, 'certificate');
  const key = pem(tls.key, tls.keyFile, 'key');
  if ((cert === null) !== (key === null)) throw invalidArgument('tls: a client certificate needs its key, and a key its certificate');
  let credentials: grpc.ChannelCredentials;
  try {
    credentials = grpc.credentials.createSsl(ca, key, cert);
  } catch (err) {
    throw invalidArgument(`tls: ${(err as Error).message}`);
  }
  return { credentials, options: tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {} };
}
