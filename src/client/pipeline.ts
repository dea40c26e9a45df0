// One endpoint's KV.Pipeline stream. A unary gRPC call costs an HTTP/2 stream with headers and
// trailers on both sides, which on a small machine bounds throughput long before Raft does; here
// every Put/Get/Delete/Range/Txn attempt is one message on a long-lived stream instead, and the
// attempts made in one event-loop turn travel together. Retries, routing and request ids stay in
// the Invoker: to it an attempt is an attempt, whichever way it travels.
import * as grpc from '@grpc/grpc-js';
import { isEndpoint, RaftdbError, toRaftdbError } from './errors.js';
import { tokenMetadata } from './tokens.js';
import type { OpStatus__Output } from '../proto/generated/raftdb/v1/OpStatus.js';

const KIND_OF = { Put: 'put', Get: 'get', Delete: 'delete', Range: 'range', Txn: 'txn' } as const;

/**
 * Operations queued in one turn go out in messages of about this many bytes at most (one larger
 * operation goes alone): a node refuses gRPC messages much above its request limit (1.5 MiB by
 * default), and 64 clients' megabyte values queued together would otherwise be one 64 MiB message.
 */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Bytes an operation's keys and values take, roughly (its byte fields, a few levels deep). */
function approxBytes(v: unknown, depth = 0): number {
  if (v instanceof Uint8Array) return v.byteLength;
  if (depth > 4 || typeof v !== 'object' || v === null) return 8;
  let n = 8;
  for (const x of Array.isArray(v) ? v : Object.values(v)) n += approxBytes(x, depth + 1);
  return n;
}

/** The KV methods a pipeline carries. */
export type PipelinedMethod = keyof typeof KIND_OF;

export function isPipelined(method: string): method is PipelinedMethod {
  return Object.hasOwn(KIND_OF, method);
}

interface WireResult {
  seq: number;
  result?: string;
  error?: OpStatus__Output | null;
  [kind: string]: unknown;
}

interface WirePipelineResponse {
  results?: WireResult[];
}

type Stream = grpc.ClientDuplexStream<object, WirePipelineResponse>;
type DuplexStub = { Pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): Stream };

interface Pending {
  kind: string;
  resolve(res: unknown): void;
  reject(err: RaftdbError): void;
  timer: NodeJS.Timeout;
  /** The stream it was written to; null while queued. */
  stream: Stream | null;
}

/**
 * A lazily opened pipeline to one node. When the stream breaks, every operation in flight on it
 * fails with the stream's status (UNAVAILABLE when it just ended) and the next one opens a new
 * stream. A node without the method (UNIMPLEMENTED) marks the pipeline unsupported. A stream
 * carries the token it was opened with: when the client's token changes, new operations go on a
 * new stream and the old one is closed once it has answered what it carries.
 */
export class Pipeline {
  private stream: Stream | null = null;
  /** The token the current stream was opened with, and the one the latest operation asked for. */
  private streamToken: string | null = null;
  private wantToken: string | null = null;
  private readonly pending = new Map<number, Pending>();
  private queue: object[] = [];
  private queueBytes: number[] = [];
  private queueSeqs: number[] = [];
  private flushScheduled = false;
  private seq = 0;
  private closed = false;
  /** The node answered UNIMPLEMENTED: it predates pipelines, use unary calls. */
  unsupported = false;

  constructor(private readonly kv: grpc.Client) {}

  /** Sends one operation (as the holder of `token`); settles with its response, its error status, or DEADLINE_EXCEEDED. */
  call<Res>(method: PipelinedMethod, request: object, deadlineMs: number, token: string | null = null): Promise<Res> {
    if (this.closed) return Promise.reject(new RaftdbError(grpc.status.CANCELLED, 'client is closed'));
    const kind = KIND_OF[method];
    this.wantToken = token;
    return new Promise<Res>((resolve, reject) => {
      const seq = ++this.seq;
      const timeoutMs = Math.max(1, Math.ceil(deadlineMs - Date.now()));
      const timer = setTimeout(() => {
        if (this.pending.delete(seq)) reject(new RaftdbError(grpc.status.DEADLINE_EXCEEDED, `${method}: deadline exceeded after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { kind, resolve: resolve as (res: unknown) => void, reject, timer, stream: null });
      this.queue.push({ seq, timeoutMs, [kind]: request });
      this.queueBytes.push(approxBytes(request));
      this.queueSeqs.push(seq);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Callers woken by one response call again within one microtask drain: send them together.
        process.nextTick(() => this.flush());
      }
    });
  }

  /** Operations sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Fails what is in flight with CANCELLED and closes the stream. */
  close(): void {
    this.closed = true;
    const stream = this.stream;
    this.stream = null;
    stream?.cancel();
    this.failAll(new RaftdbError(grpc.status.CANCELLED, 'client is closed'));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.closed) return;
    const ops = this.queue;
    const sizes = this.queueBytes;
    const seqs = this.queueSeqs;
    this.queue = [];
    this.queueBytes = [];
    this.queueSeqs = [];
    if (this.stream && this.streamToken !== this.wantToken) {
      // A new token: the old stream answers what it carries, then ends (the node ends a
      // half-closed pipeline once nothing is in flight).
      this.stream.end();
      this.stream = null;
    }
    const stream = this.stream ?? this.open();
    for (const seq of seqs) {
      const p = this.pending.get(seq);
      if (p) p.stream = stream;
    }
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < ops.length; i++) {
      if (i > start && bytes + sizes[i]! > MAX_MESSAGE_BYTES) {
        stream.write({ ops: ops.slice(start, i) });
        start = i;
        bytes = 0;
      }
      bytes += sizes[i]!;
    }
    stream.write({ ops: start === 0 ? ops : ops.slice(start) });
  }

  private open(): Stream {
    const stream = (this.kv as unknown as DuplexStub).Pipeline(tokenMetadata(this.wantToken));
    this.stream = stream;
    this.streamToken = this.wantToken;
    stream.on('data', (res: WirePipelineResponse) => {
      for (const r of res.results ?? []) this.settle(r);
    });
    stream.on('error', (err: unknown) => this.broken(stream, toRaftdbError(err)));
    stream.on('status', (s: grpc.StatusObject) =>
      // OK: the node ended the stream by itself (it does not, but then nothing more will come).
      this.broken(stream, s.code === grpc.status.OK ? new RaftdbError(grpc.status.UNAVAILABLE, 'pipeline stream ended by the node') : toRaftdbError(s)),
    );
    return stream;
  }

  private settle(r: WireResult): void {
    const p = this.pending.get(r.seq);
    if (!p) return; // timed out already
    this.pending.delete(r.seq);
    clearTimeout(p.timer);
    if (r.result === 'error' || (r.result === undefined && r.error)) {
      const e = r.error ?? { code: grpc.status.UNKNOWN, message: 'error without a status', leaderAddress: '' };
      const leader = e.leaderAddress && isEndpoint(e.leaderAddress) ? e.leaderAddress : undefined;
      p.reject(new RaftdbError(e.code, e.message, leader ? { leader } : {}));
    } else {
      p.resolve(r[p.kind]);
    }
  }

  private broken(stream: Stream, err: RaftdbError): void {
    if (this.stream === stream) this.stream = null;
    stream.cancel();
    if (err.code === 'UNIMPLEMENTED') this.unsupported = true;
    // Only close() cancels from this side; a cancellation from the node (its server was shut
    // down) is a broken connection like any other.
    if (err.code === 'CANCELLED') err = new RaftdbError(grpc.status.UNAVAILABLE, `pipeline stream cut by the node: ${err.details}`);
    // What was sent on it has an unknown outcome and fails (the Invoker decides about a retry);
    // what is still queued was never sent and goes out on the next stream.
    this.failAll(err, stream);
  }

  /** Fails the operations sent on `stream`, or (no stream) every operation, queued ones too. */
  private failAll(err: RaftdbError, stream: Stream | null = null): void {
    const failed: Pending[] = [];
    for (const [seq, p] of this.pending) {
      if (stream !== null && p.stream !== stream) continue;
      failed.push(p);
      this.pending.delete(seq);
    }
    if (stream === null) {
      this.queue = [];
      this.queueBytes = [];
      this.queueSeqs = [];
    }
    for (const p of failed) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
