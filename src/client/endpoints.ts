// Which node to talk to. One channel per endpoint, shared by the KV and Cluster stubs and reused
// for the client's lifetime; a leader remembered from the last write or from a follower's hint;
// and a rotation cursor for when a node stops answering.
import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../proto/load.js';
import { invalidArgument, isEndpoint } from './errors.js';
import { Pipeline } from './pipeline.js';

/** Where a call should go: the leader (writes, linearizable reads) or any reachable node. */
export type Route = 'leader' | 'any';

/** The generated stubs of one endpoint, sharing its channel. */
export interface Stubs {
  readonly kv: grpc.Client;
  readonly cluster: grpc.Client;
  readonly maintenance: grpc.Client;
  readonly auth: grpc.Client;
}

/** Endpoints learnt from leader hints are added, but never past this many in total. */
export const MAX_ENDPOINTS = 64;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Fail fast on a dead node so that the retry loop can rotate, instead of gRPC's own back-off
  // holding a call until its deadline.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.enable_channelz': 0,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  // HTTP/2's default 64 KiB receive window let a server send 64 KiB of results per round trip:
  // 16 gets of 4 KiB values on a Pipeline stream (the server's side: src/server/receive-windows.ts).
  'grpc-node.flow_control_window': 4 * 1024 * 1024,
};

/** The endpoints of one client and what it knows about the leader. */
export class EndpointPool {
  private readonly endpoints: string[];
  private readonly stubsByEndpoint = new Map<string, Stubs>();
  private readonly pipelines = new Map<string, Pipeline>();
  private cursor = 0;
  private leaderEndpoint: string | null = null;
  private closed = false;

  constructor(
    endpoints: readonly string[],
    private readonly hints: { addressMap: ReadonlyMap<string, string>; discover: boolean } = { addressMap: new Map(), discover: false },
    private readonly channel: { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } = { credentials: grpc.credentials.createInsecure(), options: {} },
  ) {
    if (endpoints.length === 0) throw invalidArgument('endpoints must name at least one host:port');
    for (const e of endpoints) if (!isEndpoint(e)) throw invalidArgument(`endpoint "${e}" is not host:port`);
    this.endpoints = [...new Set(endpoints)].slice(0, MAX_ENDPOINTS);
  }

  /** The known endpoints, configured first, then those learnt from hints. */
  list(): readonly string[] {
    return this.endpoints;
  }

  /** The remembered leader, if any. */
  get leader(): string | null {
    return this.leaderEndpoint;
  }

  /** The endpoint for the next attempt of a call with this route. */
  target(route: Route): string {
    if (route === 'leader' && this.leaderEndpoint !== null) return this.leaderEndpoint;
    return this.endpoints[this.cursor % this.endpoints.length]!;
  }

  /** The stubs of an endpoint, created on first use. */
  stubs(endpoint: string): Stubs {
    if (this.closed) throw new Error('raftdb client is closed');
    let s = this.stubsByEndpoint.get(endpoint);
    if (!s) {
      const pkg = loadRaftdbProto();
      const kv = new pkg.KV(endpoint, this.channel.credentials, { ...CHANNEL_OPTIONS, ...this.channel.options });
      const cluster = new pkg.Cluster(endpoint, this.channel.credentials, { channelOverride: kv.getChannel() });
      const maintenance = new pkg.Maintenance(endpoint, this.channel.credentials, { channelOverride: kv.getChannel() });
      const auth = new pkg.Auth(endpoint, this.channel.credentials, { channelOverride: kv.getChannel() });
      s = { kv, cluster, maintenance, auth };
      this.stubsByEndpoint.set(endpoint, s);
    }
    return s;
  }

  /** The endpoint's KV pipeline, or null when the node does not offer one. */
  pipeline(endpoint: string): Pipeline | null {
    let p = this.pipelines.get(endpoint);
    if (!p) {
      p = new Pipeline(this.stubs(endpoint).kv);
      this.pipelines.set(endpoint, p);
    }
    return p.unsupported ? null : p;
  }

  /** An endpoint answered a call with this route: a leader-routed answer marks it as the leader. */
  noteSuccess(endpoint: string, route: Route): void {
    if (route === 'leader') this.leaderEndpoint = endpoint;
    const i = this.endpoints.indexOf(endpoint);
    // Stay on a node that works, so reads do not keep hitting the one that failed before.
    if (route === 'any' && i >= 0) this.cursor = i;
  }

  /** An endpoint could not be reached (or timed out): forget it as leader and move past it. */
  noteUnreachable(endpoint: string): void {
    if (this.leaderEndpoint === endpoint) this.leaderEndpoint = null;
    const i = this.endpoints.indexOf(endpoint);
    this.cursor = i >= 0 ? i + 1 : this.cursor + 1;
    if (this.cursor >= this.endpoints.length) this.cursor = 0;
  }

  /** A node named the leader; returns false when the hint cannot be used (unknown address, pool full). */
  noteLeaderHint(advertised: string): boolean {
    const endpoint = this.hints.addressMap.get(advertised) ?? advertised;
    if (!this.endpoints.includes(endpoint)) {
      if (!this.hints.discover) return false;
      if (this.endpoints.length >= MAX_ENDPOINTS) return false;
      this.endpoints.push(endpoint);
    }
    this.leaderEndpoint = endpoint;
    return true;
  }

  /**
   * Connects the endpoint's channel: true once it is ready, false as soon as a connection attempt
   * fails or `deadlineMs` (epoch ms) passes. (grpc-js's waitForReady would keep retrying a
   * refused connection until the deadline instead of letting the caller try another node.)
   */
  waitConnected(endpoint: string, deadlineMs: number): Promise<boolean> {
    const channel = this.stubs(endpoint).kv.getChannel();
    return new Promise((resolve) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY) resolve(true);
        else if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) resolve(false);
        else if (Date.now() >= deadlineMs) resolve(false);
        else channel.watchConnectivityState(state, new Date(deadlineMs), (err) => (err ? resolve(false) : check()));
      };
      check();
    });
  }

  /** Closes every channel; later calls fail. */
  close(): void {
    this.closed = true;
    for (const p of this.pipelines.values()) p.close();
    this.pipelines.clear();
    for (const s of this.stubsByEndpoint.values()) s.kv.close();
    this.stubsByEndpoint.clear();
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }
}
