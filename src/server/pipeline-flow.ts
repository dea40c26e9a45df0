// Backpressure for one KV.Pipeline stream: how much it may hold, and when it stops reading.
// A client can send operations far faster than it reads their results (or never read them): a
// serializable Get of a cached 1 MiB value takes microseconds, so one stream of them produced
// gigabytes of results within seconds, all written to a transport whose HTTP/2 window had long
// closed. Here every byte the stream holds is counted — operations running (their request and
// the largest result they may produce), results not yet sent, results sent but not yet taken by
// the transport — and bounded: operations start only while the count is under the bound, the
// stream stops reading requests while any wait (so HTTP/2 flow control stops the client), and
// reading resumes once the transport has taken enough results. Results go out in messages of a
// bounded size. The same bytes also count in the node's budget for all streams (stream-budget.ts):
// past it, a stream that holds something waits for room elsewhere. The class knows nothing of
// gRPC: the sink is the stream.
import type { StreamBudget } from './stream-budget.js';

/** The bounds of one stream. */
export interface PipelineFlowLimits {
  /** Bytes of operations started and results not yet taken by the transport. */
  maxBytesInFlight: number;
  /** A message of results is cut before it passes this many bytes (a larger result goes alone). */
  maxMessageBytes: number;
  /** Operations received and not yet answered; more is a client error (the stream ends). */
  maxOps: number;
}

/** Where results go, and the switch of the stream's reading side. */
export interface PipelineSink<R> {
  /** Sends one message; `taken` once the transport took it (it waits on HTTP/2 flow control). */
  send(results: R[], taken: () => void): void;
  /** Stop reading requests (the client's sends then stop at its HTTP/2 window). */
  pause(): void;
  /** Read requests again. */
  resume(): void;
}

/** One operation: what it reserves while it runs, and how to run it (errors are results: never rejects). */
export interface FlowOp<R> {
  /** Bytes to reserve, asked when it is about to start (an estimate may have moved since it arrived). */
  reserveBytes(): number;
  run(): Promise<R>;
}

/** One stream's operations and results in flight, bounded in bytes (see the file comment). */
export class PipelineFlow<R> {
  /** Received, not started: queue[head..]. */
  private queue: (FlowOp<R> | undefined)[] = [];
  private head = 0;
  private running = 0;
  private reservedBytes = 0;
  /** Finished results not yet sent, and their bytes. */
  private ready: R[] = [];
  private readyBytes: number[] = [];
  private heldBytes = 0;
  /** Sent and not yet taken by the transport. */
  private untakenBytes = 0;
  private paused = false;
  private flushScheduled = false;
  private closed = false;
  /** Runs pump when the node's budget has room again. */
  private readonly wake = (): void => this.pump();

  constructor(
    private readonly limits: PipelineFlowLimits,
    private readonly sink: PipelineSink<R>,
    /** A result's bytes (approxBytes). */
    private readonly measure: (result: R) => number,
    /** Called after each operation's result was recorded (the stream may be done). */
    private readonly onAnswered: () => void,
    /** The node's budget for all streams; none: this stream's bound only. */
    private readonly budget?: StreamBudget,
  ) {}

  /** Operations received and not yet answered (waiting to start, or running). */
  get pending(): number {
    return this.queue.length - this.head + this.running;
  }

  /** Bytes held for the stream now: reserved by running operations, results not yet taken. */
  get bytesInFlight(): number {
    return this.reservedBytes + this.heldBytes + this.untakenBytes;
  }

  /** Whether the stream's reading side is stopped now. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Takes one message's operations; false (nothing taken) when they would pass maxOps. */
  receive(ops: readonly FlowOp<R>[]): boolean {
    if (this.closed) return true;
    if (this.pending + ops.length > this.limits.maxOps) return false;
    for (const op of ops) this.queue.push(op);
    this.pump();
    return true;
  }

  /** Sends every finished result now (the stream is ending). */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    const ready = this.ready;
    const sizes = this.readyBytes;
    this.ready = [];
    this.readyBytes = [];
    for (let i = 0; i < ready.length; ) {
      let bytes = sizes[i]!;
      let end = i + 1;
      while (end < ready.length && bytes + sizes[end]! <= this.limits.maxMessageBytes) bytes += sizes[end++]!;
      const batch = ready.slice(i, end);
      i = end;
      this.heldBytes -= bytes;
      this.untakenBytes += bytes;
      this.sink.send(batch, () => {
        this.untakenBytes -= bytes;
        this.account(-bytes);
        this.pump();
      });
    }
  }

  /** Forgets everything; nothing is sent or started after it. */
  close(): void {
    const wasOpen = !this.closed;
    // Closed first: the release below may wake streams, this one included, which must not start.
    this.closed = true;
    if (wasOpen && this.budget) {
      // What it held is the transport's to free now (or gone with the stream): not the budget's.
      this.budget.forget(this.wake);
      this.budget.add(-this.bytesInFlight);
    }
    this.queue = [];
    this.head = 0;
    this.ready = [];
    this.readyBytes = [];
  }

  /** Starts what the bound allows (at least one operation when nothing is held), then steers reading. */
  private pump(): void {
    if (this.closed) return;
    while (this.head < this.queue.length) {
      const op = this.queue[this.head]!;
      const held = this.bytesInFlight;
      const reserve = op.reserveBytes();
      if (held > 0 && held + reserve > this.limits.maxBytesInFlight) break;
      if (held > 0 && this.budget && !this.budget.fits(reserve)) {
        this.budget.wait(this.wake);
        break;
      }
      this.queue[this.head++] = undefined; // its request is not kept alive by the queue
      this.start(op, reserve);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    // Read on only when nothing waits to start: then at most one more message's operations queue.
    const stop = this.head < this.queue.length || this.bytesInFlight > this.limits.maxBytesInFlight;
    if (stop !== this.paused) {
      this.paused = stop;
      if (stop) this.sink.pause();
      else this.sink.resume();
    }
  }

  private start(op: FlowOp<R>, reserve: number): void {
    this.running++;
    this.reservedBytes += reserve;
    this.account(reserve);
    void op.run().then((result) => {
      this.running--;
      this.reservedBytes -= reserve;
      if (this.closed) return;
      const bytes = this.measure(result);
      this.ready.push(result);
      this.readyBytes.push(bytes);
      this.heldBytes += bytes;
      // Taken before the reservation is released: a release wakes waiting streams.
      this.account(bytes);
      this.account(-reserve);
      this.scheduleFlush();
      this.pump();
      this.onAnswered();
    });
  }

  /** Mirrors a change of bytesInFlight into the node's budget (a closed stream has left it). */
  private account(deltaBytes: number): void {
    if (!this.closed) this.budget?.add(deltaBytes);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The last operation in flight goes at once, after the current microtasks: nothing else could
    // join it. With others still running, wait for the end of the event-loop turn, so that e.g.
    // reads finishing in the same poll phase share one message.
    if (this.running === 0) process.nextTick(() => this.flush());
    else setImmediate(() => this.flush());
  }
}
