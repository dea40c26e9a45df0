// One peer's side of the transport: a long-lived Raft.Stream for appends, heartbeats and their
// responses (batched per event-loop turn, bounded queue, back-pressure, reconnect), unary
// Raft.Send for votes and TimeoutNow, and at most one InstallSnapshot in flight. Each peer has its
// own connections, queue and timers, so a dead or slow peer never delays the others.
import * as grpc from '@grpc/grpc-js';
import { entryBytes } from '../raft/log.js';
import type { Message, NodeId, SnapshotRequest } from '../raft/types.js';
import { Backoff } from './backoff.js';
import { encodeMessage } from './codec.js';
import { describeError } from './errors.js';
import { ForwardChannel, type ForwardCall } from './forward-channel.js';
import { NOT_A_MEMBER } from './peer-auth.js';
import type { SnapshotPacer } from './rate-limiter.js';
import { newPeerClient, type ForwardReply, type RaftAck, type RaftBatch, type RaftMethods } from './rpc.js';
import { SendQueue } from './send-queue.js';
import { sendSnapshot } from './snapshot-sender.js';
import type { PeerStats, TransportHandlers, TransportLogger, TransportOptions } from './types.js';

/** What every peer connection shares with the transport that owns it. */
export interface PeerContext {
  selfId: NodeId;
  clusterId: string;
  /** This process's incarnation, sent with every batch (raft.proto, RaftBatch.incarnation). */
  incarnation: number;
  handlers: TransportHandlers;
  options: TransportOptions;
  logger: TransportLogger;
  methods: RaftMethods;
  /** The budget all outgoing snapshots share (options.snapshotSendBytesPerSec). */
  snapshotLimiter: SnapshotPacer;
  /** Credentials of the connection to a peer (mutual TLS); plaintext when absent. */
  credentials?: ((peer: NodeId) => grpc.ChannelCredentials) | undefined;
}

/**
 * An urgent message still takes the stream when at most this many bytes are ahead of it there:
 * a few small appends cost less than a unary call; a large append's megabyte does not.
 */
const URGENT_BEHIND_BYTES = 64 * 1024;

/**
 * A queued stream message: encoded already (responses, heartbeats), or an append with its size
 * estimated, encoded only when its turn to be written comes. A leader's Ready can hold a whole
 * flow-control window of appends for a follower that is catching up (8 MiB by default):
 * encoding them at once cost 5-28 ms of one turn on the development VM, more on a busy host.
 */
type Outgoing = Buffer | { readonly msg: Message; readonly bytes: number };

const outgoingBytes = (o: Outgoing): number => (Buffer.isBuffer(o) ? o.length : o.bytes);

/** The channel failed to connect and waits out gRPC's reconnect back-off. */
function backingOff(client: grpc.Client): boolean {
  return client.getChannel().getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE;
}

/** An append's encoded size, near enough for queue bounds and batches: entry bytes plus headers. */
function appendBytes(msg: Extract<Message, { type: 'append' }>): number {
  let bytes = 64;
  for (const e of msg.entries) bytes += entryBytes(e);
  return bytes;
}

/** The connection state and queues of one peer. */
export class PeerConnection {
  private client: grpc.Client;
  private snapshotClient: grpc.Client | null = null;
  /** The urgent lane's own connection (opened on first use): unary heartbeats, votes, TimeoutNow. */
  private urgentClient: grpc.Client | null = null;
  private readonly queue: SendQueue<Outgoing>;
  private readonly backoff: Backoff;
  private call: grpc.ClientWritableStream<RaftBatch> | null = null;
  private callOpenedAtMs = 0;
  private awaitingDrain = false;
  /** Bytes handed to the stream whose write has not completed yet. */
  private inflightBytes = 0;
  private flushScheduled = false;
  /** Bytes written to the stream in this turn of the event loop (maxBytesPerTurn). */
  private turnBytes = 0;
  private turnEndScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly unaryCalls = new Set<grpc.ClientUnaryCall>();
  private snapshotAbort: AbortController | null = null;
  private unreachablePending = false;
  private closed = false;
  /** Closed with the whole transport: the node no longer wants snapshot outcomes. */
  private quiet = false;
  private readonly counts = { messagesSent: 0, unarySent: 0, batchesSent: 0, bytesSent: 0, dropped: 0, reconnects: 0, snapshotsSent: 0, snapshotsFailed: 0 };
  private lastError: string | null = null;
  /** When heardFrom() last reconnected at once: a peer's chatter can make it happen only so often. */
  private revivedAtMs = -Infinity;
  /** Forwarded client requests and read-index rounds, on a connection of their own (opened on first use). */
  private forwardChannel: ForwardChannel | null = null;

  constructor(
    readonly id: NodeId,
    readonly address: string,
    private readonly ctx: PeerContext,
  ) {
    const o = ctx.options;
    this.client = newPeerClient(address, o, ctx.credentials?.(id));
    this.queue = new SendQueue<Outgoing>(o.maxQueueBytes, o.maxQueueMessages, outgoingBytes);
    this.backoff = new Backoff(o.reconnectBaseMs, o.reconnectMaxMs);
  }

  /** Queues an encoded stream message; everything queued in this event-loop turn goes as one batch. */
  enqueue(bytes: Buffer): void {
    if (this.closed) return;
    if (bytes.length > this.ctx.options.maxMessageBytes) {
      this.drop(1, `message of ${bytes.length} bytes exceeds maxMessageBytes`);
    } else {
      this.push(bytes);
    }
    this.scheduleFlush();
  }

  /** Queues an append, encoded when it is written (at most maxBytesPerTurn of them per turn). */
  enqueueAppend(msg: Extract<Message, { type: 'append' }>): void {
    if (this.closed) return;
    this.push({ msg, bytes: appendBytes(msg) });
    this.scheduleFlush();
  }

  private push(o: Outgoing): void {
    const dropped = this.queue.push(o);
    if (dropped > 0) this.drop(dropped, 'send queue full');
  }

  /**
   * Sends heartbeats, votes, TimeoutNow and their answers: over the stream when nothing is ahead
   * of them there (a stream message reaches the peer in a fraction of a unary call's time on
   * grpc-js: 0.18 vs 0.59 ms for a round trip on the development VM), otherwise as one unary call
   * on a connection of their own, so that they never wait behind a backlog of appends, a
   * reconnecting stream, or the bytes of a large append still crossing the append connection (a
   * 1 MiB append there made followers miss heartbeats and hold elections on a busy host).
   */
  sendUrgent(messages: Buffer[]): void {
    if (this.closed) return;
    if (this.queue.length === 0 && !this.awaitingDrain && this.retryTimer === null && this.inflightBytes <= URGENT_BEHIND_BYTES) {
      for (const m of messages) this.enqueue(m);
      return;
    }
    this.sendUnary(messages);
  }

  /** One unary call carrying `messages`, bypassing the stream queue. */
  private sendUnary(messages: Buffer[]): void {
    if (this.closed) return;
    if (this.unaryCalls.size >= this.ctx.options.maxUnaryInFlight) {
      this.drop(messages.length, 'too many unary calls in flight');
      this.scheduleFlush();
      return;
    }
    const m = this.ctx.methods.send;
    const batch: RaftBatch = { from: this.ctx.selfId, clusterId: this.ctx.clusterId, messages, incarnation: this.ctx.incarnation };
    const deadline = Date.now() + this.ctx.options.unaryTimeoutMs;
    this.urgentClient ??= newPeerClient(this.address, this.ctx.options, this.ctx.credentials?.(this.id));
    const call = this.urgentClient.makeUnaryRequest<RaftBatch, RaftAck>(m.path, m.requestSerialize, m.responseDeserialize, batch, { deadline }, (err) => {
      this.unaryCalls.delete(call);
      if (this.closed) return;
      if (err) {
        this.counts.dropped += messages.length;
        this.fail(err);
      } else {
        this.counts.messagesSent += messages.length;
        this.counts.unarySent += messages.length;
        this.counts.batchesSent++;
      }
    });
    this.unaryCalls.add(call);
  }

  /** Sends a forwarded request to this peer (forward-channel.ts). */
  forward(req: ForwardCall): Promise<ForwardReply> {
    const { selfId, clusterId, methods, options, credentials } = this.ctx;
    this.forwardChannel ??= new ForwardChannel(this.address, selfId, clusterId, methods, options, credentials?.(this.id), (n) =>
      this.notify('onForwardBatch', () => this.ctx.handlers.onForwardBatch?.(this.id, n)),
    );
    return this.forwardChannel.send(req);
  }

  /** Starts streaming a snapshot unless one is already in flight to this peer. */
  sendSnapshot(msg: SnapshotRequest): void {
    if (this.closed) return;
    if (this.snapshotAbort) {
      // Raft sends one snapshot per follower until told the outcome; a second one is redundant.
      this.drop(1, 'a snapshot is already in flight');
      return;
    }
    const abort = new AbortController();
    this.snapshotAbort = abort;
    this.snapshotClient ??= newPeerClient(this.address, this.ctx.options, this.ctx.credentials?.(this.id));
    const { handlers, methods, selfId, clusterId, options, snapshotLimiter } = this.ctx;
    const finish = (ok: boolean, error: string | null, incarnation = 0): void => {
      // Free the slot before reporting: the node may answer the report with a new snapshot.
      if (this.snapshotAbort === abort) this.snapshotAbort = null;
      this.snapshotDone(ok, error, incarnation);
    };
    const onChunk = (bytes: number, waitedMs: number): void => this.notify('onSnapshotChunk', () => handlers.onSnapshotChunk?.(this.id, bytes, waitedMs));
    const send = { client: this.snapshotClient, methods, handlers, selfId, clusterId, peer: this.id, msg, signal: abort.signal };
    sendSnapshot({ ...send, stallTimeoutMs: options.snapshotStallTimeoutMs, limiter: snapshotLimiter, onChunk }).then(
      (ack) => finish(ack.accepted, ack.accepted ? null : `snapshot refused: ${ack.reason}`, ack.incarnation),
      (err: unknown) => finish(false, `snapshot failed: ${describeError(err)}`),
    );
  }

  /**
   * The peer sent this node a message, so it is up: if its connections are backing off after
   * failures (a restart), connect again now rather than up to reconnectMaxMs later. A channel
   * in TRANSIENT_FAILURE waits out gRPC's own back-off however ready the peer is, so it is
   * replaced by a fresh one. At most once per reconnectBaseMs, whatever the peer sends.
   */
  heardFrom(): void {
    if (this.closed) return;
    const urgentDown = this.urgentClient !== null && backingOff(this.urgentClient);
    const snapshotDown = this.snapshotClient !== null && this.snapshotAbort === null && backingOff(this.snapshotClient);
    const streamDown = this.retryTimer !== null || backingOff(this.client);
    if (!urgentDown && !snapshotDown && !streamDown) return;
    const now = Date.now();
    if (now - this.revivedAtMs < this.ctx.options.reconnectBaseMs) return;
    this.revivedAtMs = now;
    this.backoff.reset();
    const { options, credentials } = this.ctx;
    const fresh = (old: grpc.Client): grpc.Client => {
      old.close();
      return newPeerClient(this.address, options, credentials?.(this.id));
    };
    if (urgentDown) this.urgentClient = fresh(this.urgentClient!);
    if (snapshotDown) this.snapshotClient = fresh(this.snapshotClient!);
    if (streamDown) {
      // A stream still open on the failed channel is dead: drop it without a second back-off.
      const call = this.call;
      this.call = null;
      this.awaitingDrain = false;
      this.inflightBytes = 0;
      call?.cancel();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      if (backingOff(this.client)) this.client = fresh(this.client);
      this.scheduleFlush();
    }
  }

  /** Current counters. */
  stats(): PeerStats {
    const state = this.client.getChannel().getConnectivityState(false);
    return {
      address: this.address,
      connected: state === grpc.connectivityState.READY,
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.byteLength,
      inflightBytes: this.inflightBytes,
      ...this.counts,
      lastError: this.lastError,
      snapshotInFlight: this.snapshotAbort !== null,
      forward: this.forwardChannel?.stats() ?? { requests: 0, batches: 0, refused: 0, failed: 0, inFlight: 0, inFlightBytes: 0 },
    };
  }

  /**
   * Cancels every call and timer and closes the connections; queued messages are discarded.
   * An in-flight snapshot is reported failed (Raft must not wait for it) unless `quiet`.
   */
  close(quiet: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.quiet = quiet;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.counts.dropped += this.queue.clear();
    this.call?.cancel();
    this.call = null;
    for (const call of this.unaryCalls) call.cancel();
    this.snapshotAbort?.abort();
    this.client.close();
    this.snapshotClient?.close();
    this.urgentClient?.close();
    this.forwardChannel?.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const run = (): void => {
      this.flushScheduled = false;
      this.flush();
    };
    // An idle stream sends what this callback queued as soon as it returns (a response on the
    // critical path of a write should not wait for a turn of the event loop). A busy one waits
    // for the end of the turn, so that everything queued meanwhile shares one batch.
    if (this.inflightBytes === 0 && !this.awaitingDrain) process.nextTick(run);
    else setImmediate(run);
  }

  /**
   * Writes queued messages in batches until the queue is empty or the stream pushes back: either
   * gRPC's write() says so, or maxInflightBytes are written but not yet flushed to the socket
   * (gRPC's own buffer counts objects, not bytes, so alone it would hold up to 16 full batches),
   * or maxBytesPerTurn were written in this turn of the event loop: a backlog for a follower that
   * is catching up goes out a batch or so per turn, with timers (heartbeats) and incoming
   * messages served in between, instead of taking the leader's loop for the whole window.
   */
  private flush(): void {
    if (this.unreachablePending) {
      // One report per turn, however many messages were shed in it.
      this.unreachablePending = false;
      this.notify('onUnreachable', () => this.ctx.handlers.onUnreachable?.(this.id));
    }
    if (this.closed || this.retryTimer || this.queue.length === 0) return;
    const call = this.call ?? this.openStream();
    const { maxBatchBytes, maxBatchMessages, maxInflightBytes, maxBytesPerTurn } = this.ctx.options;
    while (this.queue.length > 0 && !this.awaitingDrain && this.inflightBytes < maxInflightBytes && this.turnBytes < maxBytesPerTurn) {
      const messages = this.encode(this.queue.take(maxBatchBytes, maxBatchMessages));
      if (messages.length === 0) continue;
      let bytes = 0;
      for (const m of messages) bytes += m.length;
      this.spendTurn(bytes);
      this.inflightBytes += bytes;
      const more = call.write({ from: this.ctx.selfId, clusterId: this.ctx.clusterId, messages, incarnation: this.ctx.incarnation }, () => this.written(call, bytes));
      this.counts.messagesSent += messages.length;
      this.counts.batchesSent++;
      this.counts.bytesSent += bytes;
      if (!more) {
        this.awaitingDrain = true;
        call.once('drain', () => {
          if (call !== this.call) return;
          this.awaitingDrain = false;
          this.flush();
        });
      }
    }
  }

  /** Encodes the appends among `items`; one too large for the receiver is dropped (Raft re-sends). */
  private encode(items: Outgoing[]): Buffer[] {
    const out: Buffer[] = [];
    for (const o of items) {
      const bytes = Buffer.isBuffer(o) ? o : encodeMessage(o.msg);
      if (bytes.length > this.ctx.options.maxMessageBytes) {
        this.drop(1, `message of ${bytes.length} bytes exceeds maxMessageBytes`);
        continue;
      }
      out.push(bytes);
    }
    return out;
  }

  /** Counts bytes against this turn's budget; the turn's end starts a fresh one and resumes. */
  private spendTurn(bytes: number): void {
    this.turnBytes += bytes;
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    // setImmediate, not nextTick: the next flush must come after this turn's timers and I/O.
    setImmediate(() => {
      this.turnEndScheduled = false;
      this.turnBytes = 0;
      if (this.queue.length > 0) this.flush();
    });
  }

  /** A batch reached the socket: room for more. */
  private written(call: grpc.ClientWritableStream<RaftBatch>, bytes: number): void {
    if (call !== this.call) return;
    this.inflightBytes -= bytes;
    if (this.queue.length > 0) this.scheduleFlush();
  }

  private openStream(): grpc.ClientWritableStream<RaftBatch> {
    const m = this.ctx.methods.stream;
    const call = this.client.makeClientStreamRequest<RaftBatch, RaftAck>(m.path, m.requestSerialize, m.responseDeserialize, (err) =>
      this.onStreamEnd(call, err),
    );
    call.on('error', () => undefined); // failures arrive through the callback above
    this.call = call;
    this.callOpenedAtMs = Date.now();
    return call;
  }

  /** The stream ended (peer down, restarted, refused us): shed the queue and retry after back-off. */
  private onStreamEnd(call: grpc.ClientWritableStream<RaftBatch>, err: grpc.ServiceError | null): void {
    if (call !== this.call || this.closed) return;
    this.call = null;
    this.awaitingDrain = false;
    this.inflightBytes = 0;
    // A stream that lived a while was healthy: start again from the base delay. One that fails
    // at once (peer down, or refusing us) backs off exponentially.
    if (Date.now() - this.callOpenedAtMs >= this.ctx.options.reconnectMaxMs) this.backoff.reset();
    this.counts.reconnects++;
    // Queued appends were meant for the broken stream; Raft re-sends from the follower's
    // progress once it is reachable, so replaying stale ones would only cost bandwidth.
    this.counts.dropped += this.queue.clear();
    this.fail(err ?? new Error('stream ended by the peer'));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, this.backoff.next());
  }

  private fail(err: Error): void {
    const msg = describeError(err);
    const code = (err as Partial<grpc.ServiceError>).code;
    if (code === grpc.status.INVALID_ARGUMENT || code === grpc.status.FAILED_PRECONDITION) {
      // The peer refuses what we send (other cluster, wrong node at this address): a configuration error.
      this.ctx.logger.error({ peer: this.id, address: this.address, err: msg }, 'peer refused raft messages');
    }
    this.lastError = msg;
    if (code === grpc.status.PERMISSION_DENIED && msg.includes(NOT_A_MEMBER)) {
      this.notify('onRefusedAsNonMember', () => this.ctx.handlers.onRefusedAsNonMember?.(this.id));
    }
    this.notify('onUnreachable', () => this.ctx.handlers.onUnreachable?.(this.id));
  }

  private snapshotDone(ok: boolean, error: string | null, incarnation: number): void {
    if (ok) this.counts.snapshotsSent++;
    else this.counts.snapshotsFailed++;
    if (this.quiet) return;
    if (error && !this.closed) {
      this.lastError = error;
      this.ctx.logger.warn({ peer: this.id, address: this.address, err: error }, 'snapshot not installed');
    }
    this.notify('onSnapshotSent', () => this.ctx.handlers.onSnapshotSent?.(this.id, ok, incarnation));
  }

  /** Calls a node handler from a gRPC callback or timer, where a throw would crash the process. */
  private notify(handler: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.ctx.logger.error({ peer: this.id, handler, err: describeError(err) }, 'transport handler threw');
    }
  }

  private drop(n: number, reason: string): void {
    this.counts.dropped += n;
    this.lastError = reason;
    this.unreachablePending = true;
  }
}
