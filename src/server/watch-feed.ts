// The changes one watch sends: the history from its start revision, then live batches, always
// whole revisions at a time. A revision (a txn, a range delete) can hold many changes; the feed
// remembers the last revision it sent *completely* (`delivered`), never the revision of the last
// change, so no change of a revision is dropped as "already sent" and none is sent twice. Both
// sources hand over whole revisions (a history page ends on a revision boundary, an applied batch
// holds whole commands), so "skip revisions <= delivered" is exact at the hand-over.
import * as grpc from '@grpc/grpc-js';
import type { AppliedBatch, ChangesResult, WatchEvent } from '../state/index.js';
import { RequestError, unavailable } from './errors.js';

/** What a watch reads: the state machine's revision, live batches and history. */
export interface WatchSource {
  revision(): number;
  onApplied(listener: (batch: AppliedBatch) => void): () => void;
  changesSince(fromRevision: number, prefix: Uint8Array | undefined, limit: number): Promise<ChangesResult>;
}

/** Where a watch's changes go (the gRPC stream in the server). */
export interface WatchSink {
  /**
   * One change; `last` when no later change of its revision goes to this watch. Returns false
   * when the transport's buffer is full (the change is still queued).
   */
  write(event: WatchEvent, last: boolean): boolean;
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

/**
 * Changes written while the transport's buffer is full before the watcher is cut off (checked
 * between revisions, so at most one revision, MAX_KEYS_PER_COMMAND changes, more).
 */
export const MAX_QUEUED_EVENTS = 10_000;
/** Live changes held while history is read; past it they are dropped and read from history. */
export const MAX_PENDING_EVENTS = 10_000;
/** Changes asked of the history per read (whole revisions, so a page may hold more). */
export const HISTORY_PAGE = 1000;

type Applied = Extract<AppliedBatch, { type: 'applied' }>;

/** One watch's position in the change stream and the rules that move it. */
export class WatchFeed {
  /** Every wanted change of every revision <= delivered has been written. */
  private delivered: number;
  /** History must be read up to this revision; `pending` holds every batch after it. */
  private joinAt: number;
  /** Live batches that arrived while history is read; null once live. */
  private pending: Applied[] | null = [];
  private pendingEvents = 0;
  private queued = 0;
  private closed = false;
  private readonly unlisten: () => void;

  constructor(
    private readonly source: WatchSource,
    private readonly sink: WatchSink,
    private readonly spec: WatchSpec,
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

  /** Sends the history up to the subscription, then what arrived meanwhile; the feed is live after. */
  async start(): Promise<void> {
    try {
      while (!this.closed && this.delivered < this.joinAt) {
        const from = this.delivered + 1;
        const page = await this.source.changesSince(from, this.spec.prefix, HISTORY_PAGE);
        if (page.nextRevision <= from) throw new Error(`watch history did not advance past revision ${from}`);
        this.send(page.events, page.nextRevision - 1);
      }
      const pending = this.pending ?? [];
      this.pending = null;
      for (const batch of pending) this.send(batch.events, batch.revision);
    } catch (err) {
      this.fail(err); // never a rejection: the caller does not wait for it
    }
  }

  /** The transport's buffer drained. */
  drained(): void {
    this.queued = 0;
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
        this.send(batch.events, batch.revision);
      } catch (err) {
        this.fail(err);
      }
      return;
    }
    this.pendingEvents += batch.events.length;
    if (this.pendingEvents <= MAX_PENDING_EVENTS) {
      this.pending.push(batch);
      return;
    }
    // History is slow to catch up: forget the held batches and read them from history instead.
    this.pending = [];
    this.pendingEvents = 0;
    this.joinAt = batch.revision;
  }

  /** Sends the wanted changes of `events` (whole revisions, ascending) not sent yet; covers up to `upTo`. */
  private send(events: readonly WatchEvent[], upTo: number): void {
    let i = 0;
    while (i < events.length && !this.closed) {
      const revision = events[i]!.kv.modRevision;
      let end = i + 1;
      while (end < events.length && events[end]!.kv.modRevision === revision) end++;
      if (revision > this.delivered) {
        if (!this.sendRevision(events, i, end)) return;
        this.delivered = revision;
      }
      i = end;
    }
    if (!this.closed && upTo > this.delivered) this.delivered = upTo;
  }

  /** Writes the wanted changes among events[start, end) (one revision); false if cut off instead. */
  private sendRevision(events: readonly WatchEvent[], start: number, end: number): boolean {
    let last = end - 1;
    while (last >= start && !this.spec.matches(events[last]!.kv.key)) last--;
    if (last < start) return true;
    if (this.queued > MAX_QUEUED_EVENTS) {
      // Between revisions, so the watcher has all of `delivered` and nothing after it.
      const why = `watcher fell ${MAX_QUEUED_EVENTS} events behind; resume from revision ${this.delivered + 1}`;
      this.fail(new RequestError(grpc.status.RESOURCE_EXHAUSTED, why));
      return false;
    }
    for (let k = start; k <= last; k++) {
      const e = events[k]!;
      if (k < last && !this.spec.matches(e.kv.key)) continue;
      if (!this.sink.write(e, k === last)) this.queued++;
    }
    return true;
  }
}
