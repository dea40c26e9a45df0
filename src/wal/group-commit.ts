// Group commit: one writer, one FIFO queue. Whatever is queued while a batch is being written and
// fsynced goes out together in the next write + fdatasync, so N concurrent appenders cost about
// two fsyncs, not N. Each caller's promise settles only after its own bytes are durable.
//
// Admission is where the WAL's in-memory view changes (validation, truncation of a conflicting
// tail), strictly in call order. The queue is bounded in bytes and entries: over the bound, calls
// wait in `waiting` (still in call order) until batches drain, so a fast producer is slowed down
// to the disk's speed instead of growing memory without limit.
import type { Entry } from '../raft/types.js';
import type { DurableState } from './hard-state.js';
import { WalClosedError, WalFailedError } from './errors.js';

/** 'snapshot' becomes 'reset' at admission when the log does not contain the snapshot's entry. */
export type OpKind = 'append' | 'hardState' | 'snapshot' | 'reset' | 'truncate' | 'compact';

/** Kinds that share a write + fdatasync with their neighbours; the others run alone. */
function groupable(kind: OpKind): boolean {
  return kind === 'append' || kind === 'hardState' || kind === 'snapshot';
}

/**
 * One queued request. A single class (not a union of object shapes) keeps the queue's property
 * accesses monomorphic on the hot path.
 */
export class PendingOp {
  resolve: () => void = noop;
  reject: (err: unknown) => void = noop;
  /** append: the entries (for the cache) and their encoded records. */
  entries: Entry[] | null = null;
  buf: Buffer | null = null;
  entryCount = 0;
  /** append: index of its last entry; truncate/compact: the index argument. */
  index = 0;
  /** append: term of the entry before its first, for the header of a segment it may start. */
  prevTerm = 0;
  /** append: network writes were queued just before; an inline write lets them out first. */
  afterOutput = false;
  /** append: > 0 when a conflicting tail must be removed from this index before writing. */
  truncateFrom = 0;
  /** hardState/snapshot/reset: what the state file must hold once this op is durable. */
  state: DurableState | null = null;
  /** How many times the log had shrunk when this op was admitted. */
  epoch = 0;

  constructor(public kind: OpKind) {}

  get bytes(): number {
    return this.buf === null ? 0 : this.buf.length;
  }
}

function noop(): void {}

/** Bounds of the queue. */
export interface QueueLimits {
  maxPendingBytes: number;
  maxPendingEntries: number;
  maxBatchBytes: number;
}

/** The single-writer queue; `admit` applies an op to the in-memory view, `execute` makes a batch durable. */
export class CommitQueue {
  private queue: PendingOp[] = [];
  private head = 0;
  private waiting: PendingOp[] = [];
  private waitingHead = 0;
  private pendingBytes = 0;
  private pendingEntries = 0;
  private running = false;
  private failure: WalFailedError | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  batches = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly admit: (op: PendingOp) => void,
    private readonly execute: (batch: PendingOp[]) => Promise<void>,
  ) {}

  /** Queues `op`; resolves once it is durable. */
  submit(op: PendingOp): Promise<void> {
    if (this.closed) return Promise.reject(new WalClosedError());
    if (this.failure !== null) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => {
      op.resolve = resolve;
      op.reject = reject;
    });
    if (this.waitingHead === this.waiting.length && this.hasRoom(op)) this.enqueue(op);
    else this.waiting.push(op);
    return done;
  }

  /** Stops accepting work and resolves when everything queued so far is settled. */
  close(): Promise<void> {
    this.closed = true;
    if (!this.running && this.head === this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The failure that stopped the writer, if any. */
  get failed(): WalFailedError | null {
    return this.failure;
  }

  private hasRoom(op: PendingOp): boolean {
    // An op larger than the whole bound still goes through alone, or it would wait forever.
    if (this.pendingBytes === 0 && this.pendingEntries === 0) return true;
    return (
      this.pendingBytes + op.bytes <= this.limits.maxPendingBytes &&
      this.pendingEntries + op.entryCount <= this.limits.maxPendingEntries
    );
  }

  private enqueue(op: PendingOp): void {
    try {
      this.admit(op);
    } catch (err) {
      op.reject(err);
      return;
    }
    this.pendingBytes += op.bytes;
    this.pendingEntries += op.entryCount;
    this.queue.push(op);
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  private async run(): Promise<void> {
    while (this.head < this.queue.length) {
      // Let every caller that is runnable now (e.g. those released by the previous batch) queue
      // its op first, so the batch is as large as the load allows.
      await yieldToCallers();
      const batch = this.takeBatch();
      try {
        await this.execute(batch);
      } catch (err) {
        this.fail(err, batch);
        break;
      }
      this.batches++;
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!;
        this.pendingBytes -= op.bytes;
        this.pendingEntries -= op.entryCount;
        op.resolve();
      }
      this.admitWaiting();
    }
    this.running = false;
    if (this.head === this.queue.length) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** The next batch: appends and state saves up to maxBatchBytes, or one structural op alone. */
  private takeBatch(): PendingOp[] {
    const first = this.queue[this.head++]!;
    const batch = [first];
    if (groupable(first.kind)) {
      let bytes = first.bytes;
      while (this.head < this.queue.length) {
        const op = this.queue[this.head]!;
        if (!groupable(op.kind)) break;
        if (op.truncateFrom > 0 || bytes + op.bytes > this.limits.maxBatchBytes) break;
        bytes += op.bytes;
        batch.push(op);
        this.head++;
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return batch;
  }

  private admitWaiting(): void {
    while (this.waitingHead < this.waiting.length && this.failure === null) {
      const op = this.waiting[this.waitingHead]!;
      if (!this.hasRoom(op)) break;
      this.waitingHead++;
      this.enqueue(op);
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting = [];
      this.waitingHead = 0;
    }
  }

  /** After a failed write or fsync nothing may be reported durable again: reject everything. */
  private fail(err: unknown, batch: PendingOp[]): void {
    this.failure = err instanceof WalFailedError ? err : new WalFailedError(err);
    const all = batch.concat(this.queue.slice(this.head), this.waiting.slice(this.waitingHead));
    this.queue = [];
    this.head = 0;
    this.waiting = [];
    this.waitingHead = 0;
    for (const op of all) op.reject(this.failure);
  }
}

/**
 * Resolves after the current callback and every promise chain it started: callers released by
 * the previous batch append from those chains, so they all make the next batch, and the write
 * still starts without waiting for a turn of the event loop (which would first run every other
 * I/O callback that is ready, on a node's critical path).
 */
function yieldToCallers(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
