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

/**
 * Metadata with the term in which the forwarding node knew the leader it forwarded to. A request
 * that has used up its MAX_FORWARD_HOPS may still go on when the node holding it knows a leader of
 * a later term: leadership changed again while it travelled (an election right after a
 * switchover). Terms only grow, so this cannot loop; MAX_FORWARD_HOPS_LIMIT bounds it anyway.
 */
export const FORWARDED_TERM = 'raftdb-forwarded-term';

/** Forwards one request may take: a follower to the old leader, the old leader to the new one. */
export const MAX_FORWARD_HOPS = 2;

/** Forwards one request may take at all, each past MAX_FORWARD_HOPS needing a later term. */
export const MAX_FORWARD_HOPS_LIMIT = 6;

/**
 * How many forwards the request has taken (0: it comes from a client). Anything unreadable
 * counts as the limit: a client that sets the header itself only loses forwarding.
 */
export function forwardHops(md: grpc.Metadata): number {
  const values = md.get(FORWARDED);
  if (values.length === 0) return 0;
  const v = values[0];
  const n = typeof v === 'string' && /^[0-9]{1,2}$/.test(v) ? Number(v) : MAX_FORWARD_HOPS_LIMIT;
  return Math.min(n, MAX_FORWARD_HOPS_LIMIT);
}

/**
 * The term the previous hop knew its leader in; infinite when absent or unreadable, so such a
 * request never earns a forward past MAX_FORWARD_HOPS.
 */
export function forwardedTerm(md: grpc.Metadata): number {
  const v = md.get(FORWARDED_TERM)[0];
  return typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.POSITIVE_INFINITY;
}

/**
 * Whether a request that has taken `hops` forwards, the last one to a leader of `previousTerm`,
 * may be forwarded once more by a node that knows a leader of `knownTerm`.
 */
export function mayForward(hops: number, previousTerm: number, knownTerm: number): boolean {
  if (hops < MAX_FORWARD_HOPS) return true;
  return hops < MAX_FORWARD_HOPS_LIMIT && knownTerm > previousTerm;
}

type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/**
 * Followers pass writes and linearizable reads on to the leader, acting as its client: one
 * channel per leader address, reused. The leader's answer (or status) goes back unchanged.
 */
/** Calls on another node's client port, as a follower passes a request on (Forwarder; the simulation's twin). */
export interface UnaryForwarder {
  forward<T>(address: string, service: 'kv' | 'cluster' | 'auth', method: string, request: unknown, deadline: Date, hops?: number, identity?: ForwardedIdentity, leaderTerm?: number): Promise<T>;
  close(): void;
}

/** The metadata a forwarded call carries: its hop count, the leader's term, the original caller. */
export function forwardMetadata(hops: number, identity?: ForwardedIdentity, leaderTerm = 0): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(FORWARDED, String(hops));
  if (leaderTerm > 0) md.set(FORWARDED_TERM, String(leaderTerm));
  if (identity?.token) md.set(TOKEN_METADATA, identity.token);
  if (identity?.user) md.set(USER_METADATA, identity.user);
  if (identity?.address) md.set(CLIENT_METADATA, identity.address);
  return md;
}

export class Forwarder implements UnaryForwarder {
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
   * the count of forwards including this one; `leaderTerm` the term this node knows the leader in;
   * `identity` what the leader needs to know of the
   * original caller (caller.ts).
   */
  forward<T>(address: string, service: 'kv' | 'cluster' | 'auth', method: string, request: unknown, deadline: Date, hops = 1, identity?: ForwardedIdentity, leaderTerm = 0): Promise<T> {
    const client = this.client(address)[service] as unknown as Record<string, UnaryMethod>;
    const fn = client[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`no method ${method}`));
    const md = forwardMetadata(hops, identity, leaderTerm);
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
