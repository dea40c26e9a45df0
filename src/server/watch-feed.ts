// The changes one watch sends: the history from its start revision, then live batches, always
// whole revisions at a time. A revision (a txn, a range delete) can hold many changes; the feed
// remembers the last revision it sent *completely* (`delivered`), never the revision of the last
// change, so no change of a revision is dropped as "already sent" and none is sent twice. Both
// sources hand over whole revisions (a history page ends on a revision boundary, an applied batch
// holds whole commands), so "skip revisions <= delivered" is exact at the hand-over.
//
// What a watch holds for its client is bounded in bytes (--max-stream-bytes): the changes written
// and not yet taken by the transport (the backlog, which waits on HTTP/2 flow control), and the
// live changes held while history is read. History is read at the watcher's pace: a page is read
// only once the backlog is under half the bound. A live watcher whose backlog passes the bound
// is cut off between two revisions with RESOURCE_EXHAUSTED naming the revision to resume from:
// a change cannot wait for a slow reader without holding memory for it (etcd cancels such
// watchers too).
import * as grpc from '@grpc/grpc-js';
import type { AppliedBatch, ChangesResult, WatchEvent } from '../state/index.js';
import { RequestError, unavailable } from './errors.js';

/** What a watch reads: the state machine's revision, live batches and history. */
export interface WatchSource {
  revision(): number;
  onApplied(listener: (batch: AppliedBatch) => void): () => void;
  changesSince(fromRevision: number, prefix: Uint8Array | undefined, limit: number, maxBytes?: number): Promise<ChangesResult>;
}

/** Where a watch's changes go (the gRPC stream in the server). */
export interface WatchSink {
  /**
   * Queues one change for the transport; `last` when no later change of its revision goes to this
   * watch. `taken` is called once the transport took it (it waits on HTTP/2 flow control).
   */
  write(event: WatchEvent, last: boolean, taken: () => void): void;
  /** Ends the stream with an error; called at most once, nothing is written after it. */
  fail(err: unknown): void;
}

/** Which changes a watch wants and from where. */
export interface WatchSpec {
  matches(key: Uint8Array): boolean;
  /** Narrows the history read to keys with this prefix; undefined reads every change. */
  prefix: Uint8Array | undefined;
  /** The first revision to send; 0 means the revision after the current one. */
  startRevision: number;
}

/** How much a watch may hold for its client. */
export interface WatchFeedLimits {
  /** Backlog past which a live watcher is cut off; also bounds held live changes and history pages. */
  maxBacklogBytes: number;
  /** Called when a watcher is cut off for falling behind (a metric). */
  onCutOff?(): void;
}

/** Live changes held while history is read; past it (or past the byte bound) they are dropped and read from history. */
export const MAX_PENDING_EVENTS = 10_000;
/** Changes asked of the history per read (whole revisions, so a page may hold more). */
export const HISTORY_PAGE = 1000;
/** Bytes a change costs beyond its key and values (the message's header and fields). */
const EVENT_OVERHEAD_BYTES = 128;

type Applied = Extract<AppliedBatch, { type: 'applied' }>;

/** Bytes one change takes in the backlog. */
function eventBytes(e: WatchEvent): number {
  return EVENT_OVERHEAD_BYTES + e.kv.key.byteLength + e.kv.value.byteLength + (e.prevKv ? e.prevKv.key.byteLength + e.prevKv.value.byteLength : 0);
}

/** One watch's position in the change stream and the rules that move it. */
export class WatchFeed {
  /** Every wanted change of every revision <= delivered has been written. */
  private delivered: number;
  /** History must be read up to this revision; `pending` holds every batch after it. */
  private joinAt: number;
  /** Live batches that arrived while history is read; null once live. */
  private pending: Applied[] | null = [];
  private pendingEvents = 0;
  private pendingBytes = 0;
  /** Bytes written and not yet taken by the transport. */
  private backlog = 0;
  /** Woken when the backlog shrinks (history waits on it). */
  private onTaken: (() => void) | null = null;
  private closed = false;
  private readonly unlisten: () => void;

  constructor(
    private readonly source: WatchSource,
    private readonly sink: WatchSink,
    private readonly spec: WatchSpec,
    private readonly limits: WatchFeedLimits,
  ) {
    // Subscribing first and noting the revision in the same tick leaves no gap: every batch
    // after joinAt reaches the listener, every revision up to it is in the history.
    this.joinAt = source.revision();
    this.delivered = spec.startRevision > 0 ? spec.startRevision - 1 : this.joinAt;
    this.unlisten = source.onApplied((batch) => this.onBatch(batch));
  }

  /** The last revision whose every change this watch has been sent. */
  get deliveredRevision(): number {
    return this.delivered;
  }

  /** Bytes written and not yet taken by the transport. */
  get backlogBytes(): number {
    return this.backlog;
  }

  /**
   * Sends the history up to the subscription, then what arrived meanwhile; the feed is live
   * after. Each page of history is read once the watcher took most of the previous one.
   */
  async start(): Promise<void> {
    const low = this.limits.maxBacklogBytes / 2;
    try {
      for (;;) {
        while (!this.closed && this.delivered < this.joinAt) {
          await this.backlogUnder(low);
          if (this.closed) return;
          const from = this.delivered + 1;
          const page = await this.source.changesSince(from, this.spec.prefix, HISTORY_PAGE, low);
          if (page.nextRevision <= from) throw new Error(`watch history did not advance past revision ${from}`);
          this.send(page.events, page.nextRevision - 1, false);
        }
        // Live changes go out only once the watcher has taken most of its history; batches
        // arriving meanwhile are held (and past the bound, read from history again).
        await this.backlogUnder(low);
        if (this.closed) return;
        if (this.delivered >= this.joinAt) break;
      }
      const pending = this.pending ?? [];
      this.pending = null;
      for (const batch of pending) this.send(batch.events, batch.revision, false);
    } catch (err) {
      this.fail(err); // never a rejection: the caller does not wait for it
    }
  }

  /** Ends the feed with an error sent to the watcher. */
  fail(err: unknown): void {
    if (this.closed) return;
    this.close();
    this.sink.fail(err);
  }

  /** Stops the feed without telling the sink (the call was cancelled). */
  close(): void {
    this.closed = true;
    this.pending = null;
    this.unlisten();
    this.wake();
  }

  private onBatch(batch: AppliedBatch): void {
    if (this.closed) return;
    if (batch.type === 'restored') {
      // The changes up to the snapshot's revision never passed through this node's history.
      if (batch.revision > this.delivered) {
        this.fail(unavailable(`this node installed a snapshot at revision ${batch.revision} and has no history before it; resume from revision ${this.delivered + 1} on another node`));
      }
      return;
    }
    if (this.pending === null) {
      // The state machine swallows a listener's exception; the watch must end rather than skip.
      try {
        this.send(batch.events, batch.revision, true);
      } catch (err) {
        this.fail(err);
      }
      return;
    }
    this.pendingEvents += batch.events.length;
    for (const e of batch.events) this.pendingBytes += eventBytes(e);
    if (this.pendingEvents <= MAX_PENDING_EVENTS && this.pendingBytes <= this.limits.maxBacklogBytes) {
      this.pending.push(batch);
      return;
    }
    // History is slow to catch up: forget the held batches and read them from history instead.
    this.pending = [];
    this.pendingEvents = 0;
    this.pendingBytes = 0;
    this.joinAt = batch.revision;
  }

  /**
   * Sends the wanted changes of `events` (whole revisions, ascending) not sent yet; covers up to
   * `upTo`. `live`: a backlog past the bound cuts the watcher off (history waits instead).
   */
  private send(events: readonly WatchEvent[], upTo: number, live: boolean): void {
    let i = 0;
    while (i < events.length && !this.closed) {
      const revision = events[i]!.kv.modRevision;
      let end = i + 1;
      while (end < events.length && events[end]!.kv.modRevision === revision) end++;
      if (revision > this.delivered) {
        if (live && this.backlog > this.limits.maxBacklogBytes) {
          this.cutOff();
          return;
        }
        this.sendRevision(events, i, end);
        this.delivered = revision;
      }
      i = end;
    }
    if (!this.closed && upTo > this.delivered) this.delivered = upTo;
  }

  /** Writes the wanted changes among events[start, end) (one revision). */
  private sendRevision(events: readonly WatchEvent[], start: number, end: number): void {
    let last = end - 1;
    while (last >= start && !this.spec.matches(events[last]!.kv.key)) last--;
    for (let k = start; k <= last; k++) {
      const e = events[k]!;
      if (k < last && !this.spec.matches(e.kv.key)) continue;
      const bytes = eventBytes(e);
      this.backlog += bytes;
      this.sink.write(e, k === last, () => {
        this.backlog -= bytes;
        this.wake();
      });
    }
  }

  /** Between revisions, so the watcher has all of `delivered` and nothing after it. */
  private cutOff(): void {
    this.limits.onCutOff?.();
    const why = `watcher fell ${this.backlog} bytes behind (--max-stream-bytes ${this.limits.maxBacklogBytes}); resume from revision ${this.delivered + 1}`;
    this.fail(new RequestError(grpc.status.RESOURCE_EXHAUSTED, why));
  }

  /** Resolves once the backlog is at most `bytes`, or the feed is closed. */
  private async backlogUnder(bytes: number): Promise<void> {
    while (!this.closed && this.backlog > bytes) await new Promise<void>((resolve) => (this.onTaken = resolve));
  }

  private wake(): void {
    const w = this.onTaken;
    this.onTaken = null;
    w?.();
  }
}
