/**
 * Replication lag in seconds, measured like MySQL's "seconds behind source": the age of the oldest
 * entry a follower is missing. "Time since the follower last matched the leader's last index"
 * would grow without bound under steady writes (a healthy follower is always a few entries
 * behind), and "lag entries / apply rate" jumps with the write rate; the age of the oldest
 * missing entry stays near the replication round trip for a healthy follower under any load and
 * grows one second per second for a stuck one.
 *
 * The leader's log carries no timestamps, so this clock samples (time, last index) whenever the
 * leader's last index grows and answers from those samples: entry m+1 was appended no later than
 * the first sample whose index reached it, so the answer errs low by at most one sampling period.
 * Samples are bounded (`capacity`); a follower behind the oldest sample gets that sample's age,
 * a lower bound. Samples describe one leader's log: reset on every change of term or role.
 */
export class IndexClock {
  private readonly timesMs: Float64Array;
  private readonly indexes: Float64Array;
  /** Ring buffer: `size` samples starting at `head`, oldest first. */
  private head = 0;
  private size = 0;

  constructor(private readonly capacity = 4096) {
    if (capacity < 1) throw new Error('IndexClock capacity must be at least 1');
    this.timesMs = new Float64Array(capacity);
    this.indexes = new Float64Array(capacity);
  }

  /** Records that the log's last index is `lastIndex` at `nowMs`; only growth is recorded. */
  observe(lastIndex: number, nowMs: number): void {
    if (this.size > 0) {
      const newest = this.indexes[this.slot(this.size - 1)]!;
      if (lastIndex === newest) return;
      // A shorter log is another log (snapshot install, truncation): old samples say nothing.
      if (lastIndex < newest) this.reset();
    }
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    const at = this.slot(this.size);
    this.indexes[at] = lastIndex;
    this.timesMs[at] = nowMs;
    this.size++;
  }

  /** Seconds since the first entry after `matchIndex` was appended; 0 when nothing is missing. */
  lagSeconds(matchIndex: number, nowMs: number): number {
    if (this.size === 0 || matchIndex >= this.indexes[this.slot(this.size - 1)]!) return 0;
    // Binary search for the oldest sample whose index is past matchIndex.
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.indexes[this.slot(mid)]! > matchIndex) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(0, (nowMs - this.timesMs[this.slot(lo)]!) / 1000);
  }

  /** Forgets every sample (new leader term, or this node stopped leading). */
  reset(): void {
    this.head = 0;
    this.size = 0;
  }

  private slot(i: number): number {
    return (this.head + i) % this.capacity;
  }
}
