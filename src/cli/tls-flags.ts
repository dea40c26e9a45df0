// serve's TLS flags (etcd's names: --cert-file, --peer-cert-file, ...), each with its RAFTDB_*
// environment variable. The client verbs' --cacert/--cert/--key are in common.ts.
import type { Command } from 'commander';
import type { NodeTlsOptions } from '../tls/index.js';
import { UsageError } from './common.js';

/** serve's TLS flags as commander hands them over. */
export interface ServeTlsFlags {
  certFile?: string;
  keyFile?: string;
  trustedCaFile?: string;
  clientCertAuth?: boolean;
  peerCertFile?: string;
  peerKeyFile?: string;
  peerTrustedCaFile?: string;
  peerAllowedCn?: string;
  httpCertFile?: string;
  httpKeyFile?: string;
}

/** Adds serve's TLS flags. */
export function addServeTlsOptions(cmd: Command): Command {
  return cmd
    .option('--cert-file <file>', 'certificate of the gRPC port (clients; TLS on when given) (RAFTDB_CERT_FILE)')
    .option('--key-file <file>', 'its private key (RAFTDB_KEY_FILE)')
    .option('--trusted-ca-file <file>', 'CA bundle for client certificates (RAFTDB_TRUSTED_CA_FILE)')
    .option('--client-cert-auth', 'refuse clients without a certificate from --trusted-ca-file (RAFTDB_CLIENT_CERT_AUTH=1)')
    .option('--peer-cert-file <file>', 'certificate this node presents to peers; mutual TLS between peers when given (RAFTDB_PEER_CERT_FILE)')
    .option('--peer-key-file <file>', 'its private key (RAFTDB_PEER_KEY_FILE)')
    .option('--peer-trusted-ca-file <file>', 'CA bundle for peer certificates (RAFTDB_PEER_TRUSTED_CA_FILE)')
    .option('--peer-allowed-cn <cn>', 'peers\' certificates must also have this CN (RAFTDB_PEER_ALLOWED_CN)')
    .option('--http-cert-file <file>', 'certificate of the HTTP port; HTTPS when given (RAFTDB_HTTP_CERT_FILE)')
    .option('--http-key-file <file>', 'its private key (RAFTDB_HTTP_KEY_FILE)');
}

const isTrue = (v: string | undefined): boolean => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());

/** A certificate and key given together, or neither; `what` names the flags in the error. */
function pair(cert: string | undefined, key: string | undefined, what: string): { certFile: string; keyFile: string } | null {
  if (!cert && !key) return null;
  if (!cert || !key) throw new UsageError(`${what}: give both the certificate and the key file`);
  return { certFile: cert, keyFile: key };
}

/** NodeTlsOptions from serve's flags and RAFTDB_* variables (undefined: plaintext everywhere). */
export function serveTlsOptions(f: ServeTlsFlags, env: Record<string, string | undefined>): NodeTlsOptions | undefined {
  const out: NodeTlsOptions = {};
  const client = pair(f.certFile ?? env.RAFTDB_CERT_FILE, f.keyFile ?? env.RAFTDB_KEY_FILE, '--cert-file/--key-file');
  const trustedCa = f.trustedCaFile ?? env.RAFTDB_TRUSTED_CA_FILE;
  const clientCertAuth = f.clientCertAuth ?? isTrue(env.RAFTDB_CLIENT_CERT_AUTH);
  if (client) out.client = { ...client, clientCertAuth, ...(trustedCa ? { caFile: trustedCa } : {}) };
  else if (trustedCa || clientCertAuth) throw new UsageError('--trusted-ca-file and --client-cert-auth need --cert-file and --key-file');
  const peer = pair(f.peerCertFile ?? env.RAFTDB_PEER_CERT_FILE, f.peerKeyFile ?? env.RAFTDB_PEER_KEY_FILE, '--peer-cert-file/--peer-key-file');
  const peerCa = f.peerTrustedCaFile ?? env.RAFTDB_PEER_TRUSTED_CA_FILE;
  const allowedCn = f.peerAllowedCn ?? env.RAFTDB_PEER_ALLOWED_CN;
  if (peer) {
    if (!peerCa) throw new UsageError('--peer-cert-file needs --peer-trusted-ca-file (peers verify each other)');
    if (!client) throw new UsageError('--peer-cert-file needs --cert-file and --key-file too: clients and peers share the gRPC port');
    out.peer = { ...peer, caFile: peerCa, ...(allowedCn ? { allowedCn } : {}) };
  } else if (peerCa || allowedCn) throw new UsageError('--peer-trusted-ca-file and --peer-allowed-cn need --peer-cert-file and --peer-key-file');
  const http = pair(f.httpCertFile ?? env.RAFTDB_HTTP_CERT_FILE, f.httpKeyFile ?? env.RAFTDB_HTTP_KEY_FILE, '--http-cert-file/--http-key-file');
  if (http) out.http = http;
  return out.client || out.http ? out : undefined;
}
