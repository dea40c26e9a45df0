// The per-connection limits of the gRPC port: connections per client address, and calls one
// connection may run at once. grpc-js has no hook where a connection is accepted, so the node
// accepts connections itself (listener.ts) and hands them to grpc-js through
// Server.createConnectionInjector() (its public API for connections accepted elsewhere); the
// gate decides first. A connection past its address's limit is still handed over, marked: each
// of its calls is answered RESOURCE_EXHAUSTED naming the limit, so its client learns why, and it
// is closed after REFUSED_GRACE_MS. Only REFUSED_OPEN_MAX such connections are held at once;
// past that they are closed at once (the client sees UNAVAILABLE). Calls are counted per
// connection by a server interceptor, which answers the call past the limit RESOURCE_EXHAUSTED;
// HTTP/2's own SETTINGS_MAX_CONCURRENT_STREAMS is advertised at twice the limit
// (httpStreamsSetting), a protocol backstop that a conforming client waits on.
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Counts } from './counts.js';

/** The limits the gate applies (from ClientLimits). */
export interface ConnectionGateLimits {
  maxConnectionsPerAddress: number;
  maxConcurrentStreams: number;
}

/** How long a refused connection is kept open so that its calls learn why. */
export const REFUSED_GRACE_MS = 2000;
/** Refused connections held open at once (node-wide); more are closed at once. */
export const REFUSED_OPEN_MAX = 64;

/** The HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS advertised for a limit: twice it (a backstop). */
export function httpStreamsSetting(limits: Pick<ConnectionGateLimits, 'maxConcurrentStreams'>): number {
  return Math.min(2 * limits.maxConcurrentStreams, 2 ** 31 - 1);
}

/** A socket's client address, IPv4-mapped IPv6 written as IPv4 (the same client either way). */
function clientAddress(socket: Socket): string | undefined {
  const a = socket.remoteAddress;
  return a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** The id grpc-js gives the connection of a call (ServerInterceptingCall.getPeer()). */
function connectionId(socket: Socket): string {
  return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : (socket.remoteAddress ?? 'unknown');
}

/** Counts connections per address and calls per connection; see the file comment. */
export class ConnectionGate {
  private readonly perAddress = new Counts();
  /** Connections past their address's limit, by connection id: why their calls are refused. */
  private readonly refused = new Map<string, string>();
  private readonly callsPerConnection = new Counts();

  constructor(
    private readonly limits: ConnectionGateLimits,
    /** Called with the limit's name for each refusal (a metric). */
    private readonly onRefused: (limit: 'connections_per_address' | 'concurrent_streams') => void = () => {},
  ) {}

  /** Open connections of `address` (as counted; refused ones excluded). */
  connectionsOf(address: string): number {
    return this.perAddress.get(address);
  }

  /**
   * Decides on an accepted socket: true to hand it to grpc-js (admitted, or refused but held to
   * answer its calls), false when it was closed at once.
   */
  admit(socket: Socket): boolean {
    const address = clientAddress(socket);
    if (address === undefined) {
      socket.destroy(); // already gone
      return false;
    }
    const open = this.perAddress.get(address);
    if (open < this.limits.maxConnectionsPerAddress) {
      this.perAddress.add(address);
      socket.once('close', () => this.perAddress.remove(address));
      return true;
    }
    this.onRefused('connections_per_address');
    if (this.refused.size >= REFUSED_OPEN_MAX) {
      socket.destroy();
      return false;
    }
    const id = connectionId(socket);
    this.refused.set(id, `too many connections from ${address}: ${open} open, at most ${this.limits.maxConnectionsPerAddress} (--max-connections-per-address); reuse a connection`);
    const timer = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      this.refused.delete(id);
    });
    return true;
  }

  /** The server interceptor: refuses the calls of refused connections, and calls past the per-connection limit. */
  readonly interceptor: grpc.ServerInterceptor = (_method, call) => {
    const connection = call.getPeer();
    let counted = false;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.callsPerConnection.remove(connection);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        const why = this.refused.get(connection) ?? this.overStreams(connection);
        if (why !== null) {
          call.sendStatus({ code: grpc.status.RESOURCE_EXHAUSTED, details: why });
          return;
        }
        counted = true;
        this.callsPerConnection.add(connection);
        next({ onCancel: release });
      },
      sendStatus: (status, next) => {
        release();
        next(status);
      },
    });
  };

  /** Why another call on `connection` is refused, or null. */
  private overStreams(connection: string): string | null {
    const running = this.callsPerConnection.get(connection);
    if (running < this.limits.maxConcurrentStreams) return null;
    this.onRefused('concurrent_streams');
    return `too many calls at once on this connection: ${running} running, at most ${this.limits.maxConcurrentStreams} (--max-concurrent-streams); wait for some to finish, or open another connection`;
  }
}
