// TLS and auth for a drill cluster, as a real deployment runs: certificates made on the host
// (a CA, one per node naming it and carrying 127.0.0.1, a root client certificate), handed to
// the nodes read-only, TLS on every port and mutual TLS between nodes; once a leader is up, a
// root user, and the workload's own user with readwrite on the drill's key prefix only, then
// auth on. The workload authenticates as that user (password, token renewed by the client),
// operators' calls (membership changes) go as root by its client certificate, and probes read
// the open Status over TLS. So a drill also checks that TLS, peer identity and auth hold up
// under crashes, partitions and membership changes without costing linearizability.
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, RaftdbError, type AuthOptions, type ClientTlsOptions, type ConnectOptions } from '../client/index.js';

/** The user the workload runs as, and the prefix it may read and write (every drill key starts with it). */
export const WORKLOAD_USER = 'drill';
export const WORKLOAD_PREFIX = 'drill/';
const WORKLOAD_ROLE = 'drill-workload';

/** How clients reach a cluster that runs with TLS and auth. */
export interface ClientAccess {
  /** The CA only: probes (Status is open to any caller). */
  tls: ClientTlsOptions;
  /** The CA and the root client certificate: administration (membership changes). */
  adminTls: ClientTlsOptions;
  /** The workload's user: readwrite on WORKLOAD_PREFIX, nothing else. */
  workload: AuthOptions;
}

/** Who a drill client is. */
export type DrillClientRole = 'probe' | 'admin' | 'workload';

/** The connect() options a client of `role` needs for `access` (none on a plaintext cluster without auth). */
export function accessOptions(access: ClientAccess | null | undefined, role: DrillClientRole): Pick<ConnectOptions, 'tls' | 'auth'> {
  if (!access) return {};
  if (role === 'admin') return { tls: access.adminTls };
  if (role === 'workload') return { tls: access.tls, auth: access.workload };
  return { tls: access.tls };
}

/** Options of DrillSecurity.create. */
export interface DrillSecurityOptions {
  /** The owner the files are given (the containers' node user; keys stay 0600). Default: unchanged. */
  ownerUid?: number;
}

/** The certificates and users of one drill cluster. */
export class DrillSecurity {
  readonly access: ClientAccess;

  private constructor(
    /** Where the files are: ca.crt, <id>.crt/.key, client.crt/.key. */
    readonly dir: string,
    private readonly root: string,
    private readonly opts: DrillSecurityOptions,
    workloadPassword: string,
  ) {
    const ca = join(dir, 'ca.crt');
    this.access = {
      tls: { caFile: ca },
      adminTls: { caFile: ca, certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') },
      workload: { user: WORKLOAD_USER, password: workloadPassword },
    };
  }

  /** Makes a CA and a certificate for each of `nodes` in a new temporary directory. */
  static async create(nodes: readonly string[], opts: DrillSecurityOptions = {}): Promise<DrillSecurity> {
    const root = await mkdtemp(join(tmpdir(), 'raftdb-drill-certs-'));
    const s = new DrillSecurity(join(root, 'certs'), root, opts, randomBytes(12).toString('hex'));
    try {
      const { initCertificates } = await import('../tls/generate.js');
      await initCertificates(s.dir, { nodes: [...nodes] });
      await s.handOver();
      return s;
    } catch (err) {
      await s.remove();
      throw err;
    }
  }

  /** A certificate for a node added later (before it starts). */
  async addNode(id: string): Promise<void> {
    const { issueNodeCertificate } = await import('../tls/generate.js');
    await issueNodeCertificate(this.dir, id);
    await this.handOver();
  }

  /**
   * serve's environment for node `id`, with this directory seen at `certsPath` (a container's
   * read-only mount, or the directory itself): TLS everywhere, mutual TLS between peers, --http-auth.
   */
  nodeEnv(id: string, certsPath = this.dir): Record<string, string> {
    const f = (name: string): string => `${certsPath}/${name}`;
    return {
      RAFTDB_CERT_FILE: f(`${id}.crt`),
      RAFTDB_KEY_FILE: f(`${id}.key`),
      RAFTDB_TRUSTED_CA_FILE: f('ca.crt'),
      RAFTDB_PEER_CERT_FILE: f(`${id}.crt`),
      RAFTDB_PEER_KEY_FILE: f(`${id}.key`),
      RAFTDB_PEER_TRUSTED_CA_FILE: f('ca.crt'),
      RAFTDB_HTTP_CERT_FILE: f(`${id}.crt`),
      RAFTDB_HTTP_KEY_FILE: f(`${id}.key`),
      RAFTDB_HTTP_AUTH: '1',
    };
  }

  /**
   * Turns auth on through `endpoints` (a cluster with a leader): root, the workload's role and
   * user, then AuthEnable. Each change goes once; one whose outcome is unknown (a leader change
   * mid-call) is repeated, and "already" answers count as done.
   */
  async enableAuth(endpoints: readonly string[], addressMap: ReadonlyMap<string, string>): Promise<void> {
    const admin = connect({ endpoints: [...endpoints], addressMap, timeoutMs: 10_000, ...accessOptions(this.access, 'admin') });
    const rootPassword = randomBytes(12).toString('hex');
    const { user, password } = this.access.workload;
    try {
      await idempotent(() => admin.auth.userAdd('root', rootPassword));
      await idempotent(() => admin.auth.userGrantRole('root', 'root'));
      await idempotent(() => admin.auth.roleAdd(WORKLOAD_ROLE));
      await idempotent(() => admin.auth.roleGrantPermission(WORKLOAD_ROLE, 'readwrite', { key: WORKLOAD_PREFIX, prefix: true }));
      await idempotent(() => admin.auth.userAdd(user, password));
      await idempotent(() => admin.auth.userGrantRole(user, WORKLOAD_ROLE));
      await idempotent(() => admin.auth.enable());
    } finally {
      admin.close();
    }
  }

  /** Deletes the certificates. */
  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  /** Gives every file to the node user (the container reads its key as uid 10001; keys stay 0600). */
  private async handOver(): Promise<void> {
    const uid = this.opts.ownerUid;
    if (uid === undefined) return;
    try {
      await chown(this.dir, uid, uid);
      for (const name of await readdir(this.dir)) await chown(join(this.dir, name), uid, uid);
    } catch (err) {
      throw new Error(`cannot hand the drill's certificates to uid ${uid} (the containers' node user): ${(err as Error).message}; the Docker backend runs as root`);
    }
  }
}

const ATTEMPTS = 5;

/** Runs an auth change until it is done: ALREADY_EXISTS (a repeat of a change that happened) counts as done. */
async function idempotent(change: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await change();
      return;
    } catch (err) {
      if (err instanceof RaftdbError && err.code === 'ALREADY_EXISTS') return;
      const message = (err as Error).message;
      if (attempt >= ATTEMPTS) throw new Error(`enabling auth on the drill cluster: ${message}`);
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}
