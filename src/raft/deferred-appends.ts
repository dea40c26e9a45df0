/**
 * Entries a leader appended with deferred replication (ASYNC writes: acknowledged once the leader
 * holds them, so nothing waits for the followers) that no append has carried yet. They go out
 * together with the next eager broadcast or the host's release, so that several make one append
 * per follower; at the latest at the second tick after the first of them (the backstop: the
 * host's own delay should be shorter than a tick). Only timing changes, never what is sent.
 */
export class DeferredAppends {
  /** First deferred index not yet sent (0: none). */
  private from = 0;
  /** Leader tick at which `from` was deferred. */
  private since = 0;

  get pending(): boolean {
    return this.from !== 0;
  }

  /** Entries from `first` on were appended with deferred replication at leader tick `now`. */
  deferred(first: number, now: number): void {
    if (this.from !== 0) return;
    this.from = first;
    this.since = now;
  }

  /** A broadcast carried everything: nothing is deferred any more. */
  sent(): void {
    this.from = 0;
  }

  /** The backstop: deferred entries have waited two ticks. */
  overdue(now: number): boolean {
    return this.from !== 0 && now - this.since >= 2;
  }

  /**
   * The last index a follower is expected to hold now: deferred entries are not "behind", they
   * wait for their broadcast.
   */
  expectedUpTo(lastIndex: number): number {
    return this.from === 0 ? lastIndex : this.from - 1;
  }

  /** Whether an acknowledgement may stream entries from `next` on at once (not only deferred ones). */
  mayStream(next: number): boolean {
    return this.from === 0 || next < this.from;
  }
}
