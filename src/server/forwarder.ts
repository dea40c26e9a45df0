import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../proto/load.js';

/** Metadata marking a request a follower forwarded, so the leader never forwards it again. */
export const FORWARDED = 'raftdb-forwarded';

type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/**
 * Followers pass writes and linearizable reads on to the leader, acting as its client: one
 * channel per leader address, reused. The leader's answer (or status) goes back unchanged.
 */
export class Forwarder {
  private readonly clients = new Map<string, { kv: grpc.Client; cluster: grpc.Client }>();

  private client(address: string): { kv: grpc.Client; cluster: grpc.Client } {
    let c = this.clients.get(address);
    if (!c) {
      const pkg = loadRaftdbProto();
      const creds = grpc.credentials.createInsecure();
      const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.enable_channelz': 0 };
      c = { kv: new pkg.KV(address, creds, channelOptions), cluster: new pkg.Cluster(address, creds, channelOptions) };
      this.clients.set(address, c);
    }
    return c;
  }

  /** Calls `method` of `service` on the leader at `address` with the caller's deadline. */
  forward<T>(address: string, service: 'kv' | 'cluster', method: string, request: unknown, deadline: Date): Promise<T> {
    const client = this.client(address)[service] as unknown as Record<string, UnaryMethod>;
    const fn = client[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`no method ${method}`));
    const md = new grpc.Metadata();
    md.set(FORWARDED, '1');
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, md, { deadline }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  close(): void {
    for (const c of this.clients.values()) {
      c.kv.close();
      c.cluster.close();
    }
    this.clients.clear();
  }
}
