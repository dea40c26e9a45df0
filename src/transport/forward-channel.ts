// The sending half of Raft.Forward: one long-lived bidirectional stream from this node to one
// peer (the leader) on a connection of its own, carrying forwarded client requests and read-index
// rounds in batches (everything asked for in one event-loop turn goes in one message) and
// matching the replies by id. A unary gRPC call per forwarded request cost a follower an HTTP/2
// stream with headers and trailers on both nodes, which more than halved the puts per second a
// follower endpoint served (docs/performance.md). Bounded: requests and bytes in flight, bytes
// per message; past the bounds a request is refused at once, never queued without limit.
import * as grpc from '@grpc/grpc-js';
import { describeError } from './errors.js';
import { newPeerClient, type ForwardBatch, type ForwardReplies, type ForwardReply, type ForwardRequest, type RaftMethods } from './rpc.js';
import type { TransportOptions } from './types.js';

/** What a caller asks for: a ForwardRequest without the id the channel picks. */
export type ForwardCall = Omit<ForwardRequest, 'id'>;

/**
 * A forwarded request the channel could not get answered. `executed` says what the caller may
 * assume: 'no' when the peer never ran it (refused here, or the peer lacks Raft.Forward), so it
 * may be sent another way; 'unknown' when it may have run (the stream broke after sending it).
 */
export class ForwardChannelError extends Error {
  override readonly name = 'ForwardChannelError';
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly executed: 'no' | 'unknown',
  ) {
    super(message);
  }
}

/** Counters of one channel (PeerStats.forward). */
export interface ForwardChannelStats {
  /** Requests sent, messages (batches) sent, and requests refused at the bounds. */
  requests: number;
  batches: number;
  refused: number;
  /** Requests failed because the stream broke or their deadline passed without a reply. */
  failed: number;
  inFlight: number;
  inFlightBytes: number;
}

interface Pending {
  bytes: number;
  /** Past this (ms since epoch) without a reply the request fails with DEADLINE_EXCEEDED. */
  expiresAtMs: number;
  resolve(reply: ForwardReply): void;
  reject(err: ForwardChannelError): void;
}

/** Bytes of a request besides its payload (fields, framing): a generous estimate. */
const REQUEST_OVERHEAD_BYTES = 2048;
/**
 * A request whose deadline passed gets this long for the peer's own DEADLINE_EXCEEDED reply
 * before the channel gives up on it (the peer enforces the same deadline, relative to its clock).
 */
const EXPIRY_GRACE_MS = 200;
const SWEEP_INTERVAL_MS = 100;

/** One peer's forwarding stream; opened on first use and again after it breaks. */
export class ForwardChannel {
  private client: grpc.Client | null = null;
  private call: grpc.ClientDuplexStream<ForwardBatch, ForwardReplies> | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Requests of the current turn, not yet written. */
  private queue: ForwardRequest[] = [];
  private nextId = 1;
  private inFlightBytes = 0;
  private flushScheduled = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly counts = { requests: 0, batches: 0, refused: 0, failed: 0 };

  constructor(
    private readonly address: string,
    private readonly selfId: string,
    private readonly clusterId: string,
    private readonly methods: RaftMethods,
    private readonly options: TransportOptions,
    private readonly credentials: grpc.ChannelCredentials | undefined,
    /** Called for each message sent, with its number of requests (metrics). */
    private readonly onBatch: (requests: number) => void = () => {},
  ) {}

  /**
   * Sends `req` in the next batch; resolves with the peer's reply (whatever its status), rejects
   * with ForwardChannelError when there is none: refused at the bounds (RESOURCE_EXHAUSTED for a
   * request too large for a message, UNAVAILABLE when too much is in flight), stream broken
   * (UNAVAILABLE, or UNIMPLEMENTED from a peer without Raft.Forward), or deadline passed.
   */
  send(req: ForwardCall): Promise<ForwardReply> {
    const bytes = req.request.length + req.token.length + req.user.length + req.clientAddress.length + REQUEST_OVERHEAD_BYTES;
    const o = this.options;
    if (this.closed) return Promise.reject(new ForwardChannelError(grpc.status.UNAVAILABLE, 'node shutting down', 'no'));
    if (bytes > o.maxMessageBytes) {
      return this.refuse(grpc.status.RESOURCE_EXHAUSTED, `a forwarded request of ${bytes} bytes exceeds the ${o.maxMessageBytes}-byte peer message limit`);
    }
    if (this.pending.size >= o.maxForwardInFlight || this.inFlightBytes + bytes > o.maxForwardInFlightBytes) {
      return this.refuse(
        grpc.status.UNAVAILABLE,
        `${this.pending.size} forwarded requests (${this.inFlightBytes} bytes) already wait for the leader at ${this.address} (limits ${o.maxForwardInFlight} and ${o.maxForwardInFlightBytes} bytes); retry shortly`,
      );
    }
    const id = this.nextId++;
    this.queue.push({ ...req, id });
    this.inFlightBytes += bytes;
    this.scheduleFlush();
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    return new Promise<ForwardReply>((resolve, reject) => {
      this.pending.set(id, { bytes, expiresAtMs: Date.now() + req.timeoutMs + EXPIRY_GRACE_MS, resolve, reject });
    });
  }

  /** Current counters. */
  stats(): ForwardChannelStats {
    return { ...this.counts, inFlight: this.pending.size, inFlightBytes: this.inFlightBytes };
  }

  /** Fails what is in flight (UNAVAILABLE, outcome unknown) and closes the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new ForwardChannelError(grpc.status.UNAVAILABLE, 'node shutting down; the outcome is unknown', 'unknown'));
    this.call?.cancel();
    this.call = null;
    this.client?.close();
  }

  private refuse(code: grpc.status, message: string): Promise<never> {
    this.counts.refused++;
    return Promise.reject(new ForwardChannelError(code, message, 'no'));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // End of the turn: every request that arrives in this poll phase shares the message.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || this.queue.length === 0) return;
    const call = this.call ?? this.open();
    const maxBytes = this.options.maxBatchBytes;
    let start = 0;
    while (start < this.queue.length) {
      // Cut at maxBatchBytes; a single request up to maxMessageBytes still goes alone.
      let end = start;
      let bytes = 0;
      while (end < this.queue.length && (end === start || bytes + this.queue[end]!.request.length <= maxBytes)) bytes += this.queue[end++]!.request.length;
      call.write({ from: this.selfId, clusterId: this.clusterId, requests: this.queue.slice(start, end) });
      this.counts.batches++;
      this.counts.requests += end - start;
      this.onBatch(end - start);
      start = end;
    }
    this.queue = [];
  }

  private open(): grpc.ClientDuplexStream<ForwardBatch, ForwardReplies> {
    // A connection of its own: forwarded values must not delay appends and heartbeats, and its
    // replies (a Range result) may be far larger than anything else a peer sends back.
    this.client ??= newPeerClient(this.address, { ...this.options }, this.credentials, {
      'grpc.max_receive_message_length': this.options.maxForwardReplyBytes + 64 * 1024,
      // Replies of many forwarded gets: more than HTTP/2's default 64 KiB per round trip.
      'grpc-node.flow_control_window': 4 * 1024 * 1024,
    });
    const m = this.methods.forward;
    const call = this.client.makeBidiStreamRequest<ForwardBatch, ForwardReplies>(m.path, m.requestSerialize, m.responseDeserialize);
    call.on('data', (msg: ForwardReplies) => this.replies(msg));
    call.on('error', (err: grpc.ServiceError) => this.ended(call, err));
    call.on('end', () => this.ended(call, null));
    this.call = call;
    return call;
  }

  private replies(msg: ForwardReplies): void {
    for (const r of msg.replies ?? []) {
      const p = this.pending.get(r.id);
      if (!p) continue; // expired meanwhile, or an id we never sent
      this.pending.delete(r.id);
      this.inFlightBytes -= p.bytes;
      p.resolve(r);
    }
  }

  /** The stream ended: whatever it carried gets no reply. The next request opens a new one. */
  private ended(call: grpc.ClientDuplexStream<ForwardBatch, ForwardReplies>, err: grpc.ServiceError | null): void {
    if (call !== this.call) return;
    this.call = null;
    const unimplemented = err?.code === grpc.status.UNIMPLEMENTED;
    const why = err ? describeError(err) : 'stream ended by the peer';
    this.failAll(
      unimplemented
        ? new ForwardChannelError(grpc.status.UNIMPLEMENTED, `the peer at ${this.address} does not serve Raft.Forward: ${why}`, 'no')
        : new ForwardChannelError(grpc.status.UNAVAILABLE, `the forwarding stream to the leader at ${this.address} broke (${why}); the outcome is unknown`, 'unknown'),
    );
  }

  private failAll(err: ForwardChannelError): void {
    this.queue = [];
    const all = [...this.pending.values()];
    this.pending.clear();
    this.inFlightBytes = 0;
    this.counts.failed += all.length;
    for (const p of all) p.reject(err);
    this.stopSweep();
  }

  /** Fails the requests whose deadline (plus grace) passed: their reply is lost or very late. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.expiresAtMs > now) continue;
      this.pending.delete(id);
      this.inFlightBytes -= p.bytes;
      this.counts.failed++;
      p.reject(new ForwardChannelError(grpc.status.DEADLINE_EXCEEDED, `no answer from the leader at ${this.address} before the deadline; the outcome is unknown`, 'unknown'));
    }
    if (this.pending.size === 0) this.stopSweep();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }
}
