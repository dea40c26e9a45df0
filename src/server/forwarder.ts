import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../proto/load.js';
import { CLIENT_METADATA, TOKEN_METADATA, USER_METADATA, type ForwardedIdentity } from './caller.js';

/**
 * Metadata marking a forwarded request, with the number of forwards it has taken so far. A node
 * that is not the leader forwards a request at most until MAX_FORWARD_HOPS, so a request that
 * reaches the old leader just after a leadership change still reaches the new one, and two nodes
 * with stale views of each other cannot bounce a request for ever.
 */
export const FORWARDED = 'raftdb-forwarded';

/** Forwards one request may take: a follower to the old leader, the old leader to the new one. */
export const MAX_FORWARD_HOPS = 2;

/**
 * How many forwards the request has taken (0: it comes from a client). Anything unreadable
 * counts as the maximum: a client that sets the header itself only loses forwarding.
 */
export function forwardHops(md: grpc.Metadata): number {
  const values = md.get(FORWARDED);
  if (values.length === 0) return 0;
  const v = values[0];
  const n = typeof v === 'string' && /^[0-9]{1,2}$/.test(v) ? Number(v) : MAX_FORWARD_HOPS;
  return Math.min(n, MAX_FORWARD_HOPS);
}

type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/**
 * Followers pass writes and linearizable reads on to the leader, acting as its client: one
 * channel per leader address, reused. The leader's answer (or status) goes back unchanged.
 */
export class Forwarder {
  private readonly clients = new Map<string, { kv: grpc.Client; cluster: grpc.Client; auth: grpc.Client }>();

  /** `credentials`: how this node reaches another node's gRPC port (TLS when the cluster uses it). */
  constructor(private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {}

  private client(address: string): { kv: grpc.Client; cluster: grpc.Client; auth: grpc.Client } {
    let c = this.clients.get(address);
    if (!c) {
      const pkg = loadRaftdbProto();
      const creds = this.credentials;
      const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.enable_channelz': 0 };
      const kv = new pkg.KV(address, creds, channelOptions);
      // One channel per node for every service.
      c = { kv, cluster: new pkg.Cluster(address, creds, { channelOverride: kv.getChannel() }), auth: new pkg.Auth(address, creds, { channelOverride: kv.getChannel() }) };
      this.clients.set(address, c);
    }
    return c;
  }

  /**
   * Calls `method` of `service` on the leader at `address` with the caller's deadline; `hops` is
   * the count of forwards including this one; `identity` what the leader needs to know of the
   * original caller (caller.ts).
   */
  forward<T>(address: string, service: 'kv' | 'cluster' | 'auth', method: string, request: unknown, deadline: Date, hops = 1, identity?: ForwardedIdentity): Promise<T> {
    const client = this.client(address)[service] as unknown as Record<string, UnaryMethod>;
    const fn = client[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`no method ${method}`));
    const md = new grpc.Metadata();
    md.set(FORWARDED, String(hops));
    if (identity?.token) md.set(TOKEN_METADATA, identity.token);
    if (identity?.user) md.set(USER_METADATA, identity.user);
    if (identity?.address) md.set(CLIENT_METADATA, identity.address);
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, md, { deadline }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  close(): void {
    for (const c of this.clients.values()) {
      c.kv.close();
      c.cluster.close();
      c.auth.close();
    }
    this.clients.clear();
  }
}
