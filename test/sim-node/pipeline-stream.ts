// KV.Pipeline streams over the simulated network: the TypeScript client's real Pipeline class
// (src/client/pipeline.ts: batching per turn, results matched by seq, a broken stream failing
// what it carries) on one side, the member's real stream handler (src/server/pipeline.ts:
// per-stream byte bounds, results batched per turn, operations routed and forwarded like unary
// calls) on the other, with every message through the real codec (the KV service's serializers,
// the server's tolerant decoder). Only the HTTP/2 connection is a twin: each direction is ordered
// and loses nothing (TCP), each message takes a link delay; a paused member neither reads nor
// sends until it resumes (its queued messages then arrive in order); a member that crashes or
// loses power resets the connection (the client sees UNAVAILABLE after a link delay), and a
// message that reaches a newer incarnation does too. Client-server links are never partitioned.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { Pipeline } from '../../src/client/pipeline.js';
import { loadRaftdbProto } from '../../src/proto/load.js';
import { tolerant } from '../../src/proto/tolerant.js';
import { pipelineHandler } from '../../src/server/pipeline.js';
import type { SimMember } from './member.js';
import type { SimNetwork } from './network.js';

const KV = loadRaftdbProto().KV.service;
/** What the client serializes with and deserializes results with. */
const CLIENT_SIDE = KV.Pipeline!;
/** What the node decodes requests with (undecodable bytes become a marker the handler refuses). */
const SERVER_SIDE = tolerant(KV).Pipeline!;

let connections = 0;

/** The client's end of one stream: what grpc-js's ClientDuplexStream offers the Pipeline class. */
class ClientEnd extends EventEmitter {
  constructor(private readonly conn: Connection) {
    super();
  }
  write(message: object): boolean {
    this.conn.up(CLIENT_SIDE.requestSerialize(message), 'data');
    return true;
  }
  end(): void {
    this.conn.up(null, 'end');
  }
  cancel(): void {
    this.conn.cancel();
  }
}

/** The node's end of one stream: what the handler reads of grpc-js's ServerDuplexStream. */
class ServerEnd extends EventEmitter {
  readonly metadata = new grpc.Metadata();
  private paused = false;
  private readonly inbox: (object | null)[] = [];

  constructor(private readonly conn: Connection) {
    super();
  }
  getPeer(): string {
    return `sim:${this.conn.name}`;
  }
  getDeadline(): number {
    return Infinity;
  }
  write(message: object, taken?: () => void): boolean {
    this.conn.down(CLIENT_SIDE.responseSerialize(message));
    // The transport takes it at once (the client reads everything it is sent).
    if (taken) setImmediate(taken);
    return true;
  }
  end(): void {
    this.conn.status({ code: grpc.status.OK, details: 'OK' });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    while (!this.paused && this.inbox.length > 0) this.hand(this.inbox.shift()!);
  }
  /** A request (or the client's half-close, null) arrived: read now, or when reading resumes. */
  arrive(message: object | null): void {
    if (this.paused || this.inbox.length > 0) this.inbox.push(message);
    else this.hand(message);
  }
  private hand(message: object | null): void {
    if (message === null) this.emit('end');
    else this.emit('data', message);
  }
}

/** One HTTP/2 stream between a client and one incarnation of a member. */
class Connection {
  readonly name = `pipe${++connections}`;
  readonly client = new ClientEnd(this);
  private server: ServerEnd | null = null;
  private readonly incarnation: number;
  private lastUpAt = 0;
  private lastDownAt = 0;
  private closed = false;

  constructor(
    private readonly net: SimNetwork,
    private readonly member: SimMember,
  ) {
    this.incarnation = member.incarnation;
    // Opening the stream: its headers reach the node first, like any message.
    this.up(null, 'open');
  }

  /** A message from the client, in order after the earlier ones. */
  up(bytes: Buffer | null, kind: 'open' | 'data' | 'end' | 'cancel'): void {
    if (this.closed && kind !== 'cancel') return;
    const delayMs = this.ordered('up');
    setTimeout(() => {
      const core = this.member.core;
      if (!core || this.member.incarnation !== this.incarnation) {
        // The process that had the connection is gone (a restarted one does not know it).
        if (kind !== 'cancel') this.reset(`${this.member.config.id} is down (connection reset)`);
        return;
      }
      this.net.runOn(this.member.config.id, this.incarnation, this.name, () => {
        if (kind === 'open') return this.accept(core);
        const server = this.server;
        if (!server) return;
        if (kind === 'cancel') server.emit('cancelled');
        else if (kind === 'end') server.arrive(null);
        else server.arrive(SERVER_SIDE.requestDeserialize(bytes!) as object);
      });
    }, delayMs);
  }

  /** The handler takes the stream (what grpc-js does when the call's headers arrive). */
  private accept(core: NonNullable<SimMember['core']>): void {
    const server = new ServerEnd(this);
    this.server = server;
    // The handler ends a stream with an error by emitting it: that is its status to the client.
    server.on('error', (err: { code?: number; details?: string; message?: string }) => {
      const status = { code: err.code ?? grpc.status.UNKNOWN, details: err.details ?? err.message ?? 'error' };
      // Emitted because the process is going away (a crash): the kernel resets the connection.
      if (this.member.core !== core) this.reset(`${this.member.config.id} is down (connection reset)`);
      else this.status(status);
    });
    // What kvService registers for KV.Pipeline, on the same handlers as the unary calls.
    pipelineHandler(core.ctx, core.kv)(server as unknown as grpc.ServerDuplexStream<never, object>);
  }

  /** A message of results from the node, sent when the node runs (not while it is paused). */
  down(bytes: Buffer): void {
    this.fromNode(() => this.client.emit('data', CLIENT_SIDE.responseDeserialize(bytes)));
  }

  /** The stream's status from the node: its end. */
  status(s: { code: number; details: string }): void {
    this.fromNode(() => {
      if (this.closed) return;
      this.closed = true;
      if (s.code !== grpc.status.OK) this.client.emit('error', Object.assign(new Error(s.details), { ...s, metadata: new grpc.Metadata() }));
      this.client.emit('status', { ...s, metadata: new grpc.Metadata() });
    });
  }

  private fromNode(deliver: () => void): void {
    this.net.runOn(this.member.config.id, this.incarnation, this.name, () => {
      const delayMs = this.ordered('down');
      setTimeout(deliver, delayMs);
    });
  }

  /** The client cancels (its stream broke): the node sees the stream cancelled. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.up(null, 'cancel');
  }

  /** The connection is reset: the client sees UNAVAILABLE after a link delay. */
  private reset(why: string): void {
    if (this.closed) return;
    this.closed = true;
    setTimeout(() => {
      this.client.emit('error', Object.assign(new Error(why), { code: grpc.status.UNAVAILABLE, details: why, metadata: new grpc.Metadata() }));
    }, this.net.linkDelayMs());
  }

  /** The delay of the next message one way, so that it arrives after the one before it. */
  private ordered(way: 'up' | 'down'): number {
    const now = performance.now();
    const at = Math.max(way === 'up' ? this.lastUpAt : this.lastDownAt, now + this.net.linkDelayMs());
    if (way === 'up') this.lastUpAt = at;
    else this.lastDownAt = at;
    return at - now;
  }
}

/** One client's pipeline to `member`: the real client class on a stub that opens simulated streams. */
export function simPipeline(net: SimNetwork, member: SimMember): Pipeline {
  const stub = { Pipeline: () => new Connection(net, member).client };
  return new Pipeline(stub as unknown as grpc.Client);
}
