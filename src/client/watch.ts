// A watch as an async iterator of changes. The stream is resumed after a transient failure
// (node gone, leader change, server closing the stream) on the next endpoint, so the caller sees
// every change once and in order. One revision (a transaction, a range delete) can carry several
// changes and the stream may break between them: the watch then resumes at that revision and
// drops the changes it already delivered by their index in the revision; after the revision's
// last change (`lastInRevision`) it resumes at the next revision. An error that is not retried
// (a slow reader cut off, history compacted) comes after every change the stream carried.
import * as grpc from '@grpc/grpc-js';
import type { EndpointPool } from './endpoints.js';
import { RaftdbError, invalidArgument, toRaftdbError } from './errors.js';
import { type RetryOptions, backoffMs } from './invoke.js';
import { type KeySelector, selectorToWire } from './kv.js';
import { KeyValue, type ResponseHeader, header, keyValue } from './types.js';
import type { WireWatchEvent, WireWatchRequest } from './wire.js';
import { type TokenSource, tokenMetadata } from './tokens.js';

/** What to watch, and from which revision (absent or 0: changes after the watch starts). */
export interface WatchQuery extends KeySelector {
  startRevision?: number;
}

/** One change to a key. */
export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv: KeyValue | null;
  revision: number;
  /** Position among all changes of the revision (0-based; the same on every node). */
  indexInRevision: number;
  /** No later change of this revision comes to this watch: the revision is complete. */
  lastInRevision: boolean;
  header: ResponseHeader;
}

/** Events buffered before the stream is paused (HTTP/2 flow control then holds the server). */
export const WATCH_HIGH_WATER = 1000;

type Pending = { resolve(r: IteratorResult<WatchEvent>): void; reject(e: unknown): void };

const EMPTY = Buffer.alloc(0);

function toEvent(w: WireWatchEvent): WatchEvent {
  return {
    type: w.type === 'DELETE' ? 'delete' : 'put',
    kv: w.kv ? keyValue(w.kv) : new KeyValue(EMPTY, EMPTY, 0, 0, 0),
    prevKv: w.prevKv ? keyValue(w.prevKv) : null,
    revision: w.revision,
    indexInRevision: w.indexInRevision ?? 0,
    lastInRevision: w.lastInRevision === true,
    header: header(w.header),
  };
}

/** A running watch; iterate it with `for await`, stop it with `return()`. */
export class Watch implements AsyncIterableIterator<WatchEvent> {
  private readonly selector: Omit<WireWatchRequest, 'startRevision'>;
  private readonly queue: WatchEvent[] = [];
  private pending: Pending | null = null;
  private call: grpc.ClientReadableStream<WireWatchEvent> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: RaftdbError | null = null;
  private finished = false;
  private failures = 0;
  /**
   * Where the next stream starts: the revision after the last complete one, or the revision of a
   * partly delivered one, whose changes up to index `deliveredIndex` the caller already has.
   */
  private resumeRevision = 0;
  private deliveredIndex = -1;

  constructor(
    private readonly pool: EndpointPool,
    private readonly retry: RetryOptions,
    query: WatchQuery,
    currentRevision: () => Promise<number>,
    private readonly onStop: (w: Watch) => void = () => {},
    /** With connect({ auth }): each stream is opened with the current token. */
    private readonly tokens?: TokenSource,
  ) {
    this.selector = selectorToWire(query);
    const start = query.startRevision ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) throw invalidArgument('startRevision must be a non-negative integer');
    // "From now" is pinned to a revision up front; otherwise a resume could not know where the
    // first stream began and would lose the changes made while it was down.
    const ready = start > 0 ? Promise.resolve(start) : currentRevision().then((r) => r + 1);
    ready.then(
      (rev) => {
        this.resumeRevision = rev;
        if (!this.finished) this.open();
      },
      (err: unknown) => this.fail(toRaftdbError(err)),
    );
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent> {
    return this;
  }

  /** The next change; waits until one arrives, the watch fails, or it is cancelled. */
  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.queue.shift();
    if (ev) {
      if (this.queue.length < WATCH_HIGH_WATER / 2) this.call?.resume();
      return Promise.resolve({ value: ev, done: false });
    }
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      return Promise.reject(err);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    if (this.pending) return Promise.reject(new Error('Watch.next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** Cancels the stream and ends the iteration. */
  return(): Promise<IteratorResult<WatchEvent>> {
    this.stop();
    this.queue.length = 0;
    this.pending?.resolve({ value: undefined, done: true });
    this.pending = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Same as return(), for callers not using the iterator protocol. */
  cancel(): void {
    void this.return();
  }

  private open(): void {
    this.timer = null;
    if (!this.tokens) return this.openWith(null);
    this.tokens.get().then(
      (token) => {
        if (!this.finished) this.openWith(token);
      },
      (err: unknown) => this.fail(toRaftdbError(err)),
    );
  }

  private openWith(token: string | null): void {
    const endpoint = this.pool.target('any');
    let call: grpc.ClientReadableStream<WireWatchEvent>;
    try {
      const kv = this.pool.stubs(endpoint).kv as unknown as {
        Watch(req: WireWatchRequest, md: grpc.Metadata): grpc.ClientReadableStream<WireWatchEvent>;
      };
      call = kv.Watch({ ...this.selector, startRevision: this.resumeRevision }, tokenMetadata(token));
    } catch (err) {
      this.fail(toRaftdbError(err));
      return;
    }
    this.call = call;
    call.on('metadata', () => (this.failures = 0));
    call.on('data', (w: WireWatchEvent) => this.onData(w));
    // grpc-js reports the status as soon as it arrives, while changes sent before it may still
    // wait in the stream (paused when our queue is full): act on it only after the last of them
    // ('end'), or a slow reader cut off with "resume from revision N" would miss some before N.
    let broken: RaftdbError | null = null;
    call.on('error', (err: unknown) => (broken = toRaftdbError(err)));
    call.on('status', (s: grpc.StatusObject) => {
      // The server ended the stream cleanly (shutting down, stepping down): carry on elsewhere.
      if (s.code === grpc.status.OK) broken = new RaftdbError(grpc.status.UNAVAILABLE, 'watch stream ended by the server');
    });
    const ended = (): void => this.onBroken(call, endpoint, broken ?? new RaftdbError(grpc.status.UNAVAILABLE, 'watch stream closed'), token);
    call.on('end', ended);
    call.on('close', ended); // a destroyed stream closes without 'end'; onBroken runs once per call
  }

  private onData(w: WireWatchEvent): void {
    if (this.finished) return;
    this.failures = 0;
    const ev = toEvent(w);
    // A resumed stream repeats the changes of a partly delivered revision: (revision, index) names each.
    if (ev.revision < this.resumeRevision) return;
    if (ev.revision === this.resumeRevision && ev.indexInRevision <= this.deliveredIndex) return;
    if (ev.lastInRevision) {
      this.resumeRevision = ev.revision + 1;
      this.deliveredIndex = -1;
    } else {
      this.resumeRevision = ev.revision;
      this.deliveredIndex = ev.indexInRevision;
    }
    this.deliver(ev);
  }

  private deliver(ev: WatchEvent): void {
    if (this.pending) {
      this.pending.resolve({ value: ev, done: false });
      this.pending = null;
      return;
    }
    this.queue.push(ev);
    if (this.queue.length >= WATCH_HIGH_WATER) this.call?.pause();
  }

  private onBroken(call: grpc.ClientReadableStream<WireWatchEvent>, endpoint: string, err: RaftdbError, token: string | null): void {
    if (this.finished || this.call !== call) return;
    this.call = null;
    call.cancel();
    // A refused token (stale, expired) is renewed and the watch reopened; a revoked permission
    // (PERMISSION_DENIED) ends it.
    const reauthenticate = err.code === 'UNAUTHENTICATED' && this.tokens !== undefined;
    const retriable = reauthenticate || err.code === 'UNAVAILABLE' || err.code === 'ABORTED' || (err.code === 'FAILED_PRECONDITION' && !!err.leader);
    if (!retriable || ++this.failures >= this.retry.maxAttempts) {
      this.fail(err.withAttempts(this.failures + 1));
      return;
    }
    if (reauthenticate) this.tokens!.invalidate(token);
    else if (err.leader) this.pool.noteLeaderHint(err.leader);
    else this.pool.noteUnreachable(endpoint);
    this.timer = setTimeout(() => this.open(), backoffMs(this.retry, this.failures));
  }

  private fail(err: RaftdbError): void {
    if (this.finished) return;
    this.stop();
    if (this.pending) {
      this.pending.reject(err);
      this.pending = null;
    } else {
      this.failure = err;
    }
  }

  private stop(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const call = this.call;
    this.call = null;
    call?.cancel();
    this.onStop(this);
  }
}
