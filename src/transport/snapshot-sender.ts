// Sending side of InstallSnapshot: asks the node for the snapshot it can produce now, then streams
// the encoded message followed by ≤ 1 MiB data chunks with back-pressure, at most at the node's
// snapshot rate (rate-limiter.ts), and waits for the ack. Every message is encoded before it is
// written (snapshot-wire.ts), so a source chunk is copied before the next one is asked for and
// the source may reuse its buffer: fewer buffers per byte sent, fewer GCs on the leader.
import type * as grpc from '@grpc/grpc-js';
import type { NodeId, SnapshotRequest } from '../raft/types.js';
import { encodeMessage } from './codec.js';
import { MAX_SNAPSHOT_CHUNK_BYTES, type RaftMethods, type SnapshotAck } from './rpc.js';
import { encodeDataChunk, encodeLastChunk, serializeEncoded } from './snapshot-wire.js';
import type { SnapshotPacer } from './rate-limiter.js';
import type { SnapshotSource, TransportHandlers } from './types.js';

/** What one snapshot transfer needs. */
export interface SnapshotSend {
  client: grpc.Client;
  methods: RaftMethods;
  handlers: Pick<TransportHandlers, 'snapshotSource'>;
  selfId: NodeId;
  clusterId: string;
  peer: NodeId;
  msg: SnapshotRequest;
  /** Aborting cancels the call (peer removed or re-addressed, transport closed). */
  signal: AbortSignal;
  stallTimeoutMs: number;
  /** The node's budget for all its outgoing snapshots; each data chunk takes its bytes first. */
  limiter: SnapshotPacer;
  /** A data chunk of `bytes` went out after waiting `waitedMs` for the rate limit (metrics). */
  onChunk?: (bytes: number, waitedMs: number) => void;
}

const NO_BYTES = new Uint8Array(0);

/** Streams one snapshot to a peer; resolves with the receiver's ack, rejects on any failure. */
export async function sendSnapshot(s: SnapshotSend): Promise<SnapshotAck> {
  const source = await sourceUnlessAborted(s);
  if (source.message.type !== 'snapshot' || source.message.to !== s.peer) {
    throw new Error(`snapshotSource returned a message that is not a snapshot for ${s.peer}`);
  }
  const chunks = source.chunks[Symbol.asyncIterator]();
  const call = new CallWaiter(s);
  try {
    const first = s.methods.installSnapshot.requestSerialize({ message: encodeMessage(source.message), from: s.selfId, clusterId: s.clusterId, data: NO_BYTES, last: false });
    if (!(await call.write(first))) return await call.ack;
    for (;;) {
      // A source that hangs must not hold the peer's only snapshot slot forever: the wait ends
      // with the call (cancelled, refused) or after the stall timeout.
      const next = await call.race(chunks.next());
      if (next === null) return await call.ack;
      if (next.done) break;
      // The source may overwrite this chunk once the next is asked for: every piece of it is
      // copied (encoded) before this loop ends, and nothing here keeps a view of it.
      const chunk = next.value;
      for (let off = 0; off < chunk.length; off += MAX_SNAPSHOT_CHUNK_BYTES) {
        const data = chunk.subarray(off, off + MAX_SNAPSHOT_CHUNK_BYTES);
        const waitedMs = await limited(s, data.length);
        // An early answer (the receiver refused) ends the transfer.
        if (!(await call.write(encodeDataChunk(data)))) return await call.ack;
        s.onChunk?.(data.length, waitedMs);
      }
    }
    // The explicit end marker: a bare end of stream could also be a cancellation (see raft.proto).
    if (!(await call.write(encodeLastChunk()))) return await call.ack;
    call.end();
    return await call.ack;
  } finally {
    call.dispose();
    // Lets the node release its state-machine snapshot. Not awaited: a hung source stays hung.
    void chunks.return?.()?.catch(() => undefined);
  }
}

/**
 * Waits for the rate limit to let `bytes` go (rejecting if the transfer is cancelled); resolves
 * with the milliseconds waited. An unlimited pacer is asked too: a yielding one (node/snapshot-
 * yield.ts) learns from the bytes that a transfer runs, and may start pacing it.
 */
async function limited(s: SnapshotSend, bytes: number): Promise<number> {
  const t0 = performance.now();
  await s.limiter.take(bytes, s.signal);
  return s.limiter.limited ? performance.now() - t0 : 0;
}

/**
 * The node's snapshot source, or a rejection as soon as the transfer is cancelled. A source that
 * arrives after that is closed at once, so the node can release its state-machine snapshot.
 */
function sourceUnlessAborted(s: SnapshotSend): Promise<SnapshotSource> {
  const pending = s.handlers.snapshotSource(s.msg);
  return new Promise<SnapshotSource>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('snapshot cancelled'));
    if (s.signal.aborted) onAbort();
    else s.signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (source) => {
        s.signal.removeEventListener('abort', onAbort);
        if (s.signal.aborted) void source.chunks[Symbol.asyncIterator]().return?.()?.catch(() => undefined);
        else resolve(source);
      },
      (err: unknown) => {
        s.signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** One InstallSnapshot call: writes that honour back-pressure, a stall timer, the ack promise. */
class CallWaiter {
  readonly ack: Promise<SnapshotAck>;
  private readonly call: grpc.ClientWritableStream<Buffer>;
  private settled = false;
  private wake: (() => void) | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private cancelReason: string | null = null;
  private readonly onAbort = (): void => this.cancel('snapshot cancelled');

  constructor(private readonly s: SnapshotSend) {
    const m = s.methods.installSnapshot;
    let resolveAck!: (ack: SnapshotAck) => void;
    let rejectAck!: (err: Error) => void;
    this.ack = new Promise<SnapshotAck>((resolve, reject) => {
      resolveAck = resolve;
      rejectAck = reject;
    });
    this.ack.catch(() => undefined); // observed by the caller; this only prevents an unhandled rejection
    this.call = s.client.makeClientStreamRequest<Buffer, SnapshotAck>(m.path, serializeEncoded, m.responseDeserialize, (err, ack) => {
      this.settled = true;
      this.clearStall();
      if (err) rejectAck(this.cancelReason ? new Error(this.cancelReason) : err);
      else resolveAck(ack ?? { accepted: false, reason: 'empty ack' });
      this.wake?.();
    });
    this.call.on('error', () => undefined); // failures arrive through the callback above
    s.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Writes one encoded chunk; resolves true when more may be written, false once the call has ended. */
  async write(chunk: Buffer): Promise<boolean> {
    if (this.settled) return false;
    if (this.call.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.call.once('drain', resolve);
      this.armStall();
    });
    this.wake = null;
    this.call.removeAllListeners('drain');
    this.clearStall();
    return !this.settled;
  }

  /** `p` with the stall timer armed, or null if the call ends first. */
  async race<T>(p: Promise<T>): Promise<T | null> {
    if (this.settled) return null;
    this.armStall();
    const woken = new Promise<null>((resolve) => (this.wake = () => resolve(null)));
    try {
      return await Promise.race([p, woken]);
    } finally {
      this.wake = null;
      this.clearStall();
    }
  }

  /** No more chunks; the stall timer now bounds the wait for the receiver's ack. */
  end(): void {
    this.call.end();
    if (!this.settled) this.armStall();
  }

  dispose(): void {
    this.clearStall();
    this.s.signal.removeEventListener('abort', this.onAbort);
    if (!this.settled) this.cancel('snapshot abandoned');
  }

  private cancel(reason: string): void {
    this.cancelReason ??= reason;
    this.call.cancel();
  }

  private armStall(): void {
    this.clearStall();
    const ms = this.s.stallTimeoutMs;
    this.stallTimer = setTimeout(() => this.cancel(`snapshot stalled: no progress for ${ms} ms`), ms);
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }
}
