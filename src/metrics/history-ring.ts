// The dashboard's memory: one sample per second of what its charts draw (replication lag per
// follower, applied entries, requests and their p99, fsync p99, disk use), the last 10 minutes,
// kept on the node so that a page opened now draws 10 minutes at once instead of starting empty.
// Fixed size: HISTORY_SAMPLES samples, each with at most MAX_PEERS_PER_SAMPLE lag entries, so
// the ring holds at most ~600 x (9 numbers + 16 peers) ≈ 0.2 MB whatever the traffic.
import type { MetricsSnapshot } from './types.js';

/** Seconds between samples. */
export const HISTORY_INTERVAL_MS = 1000;
/** Samples kept: 10 minutes at one a second. */
export const HISTORY_SAMPLES = 600;
/** Followers whose lag one sample records (the first by id); a cluster larger than this is cut. */
export const MAX_PEERS_PER_SAMPLE = 16;

/** Upper bounds (ms) of the buckets a p99 is read from: the answer is the bucket's bound. */
const P99_BUCKETS_MS = [0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000, Infinity];

/** One second of the node as the dashboard charts it. */
export interface HistorySample {
  /** Wall-clock milliseconds when taken. */
  t: number;
  role: MetricsSnapshot['role'];
  appliedIndex: number;
  /** Entries applied since the previous sample (null for the first). */
  appliedPerSecond: number | null;
  /** gRPC requests answered since the previous sample, per second. */
  requestsPerSecond: number;
  /** p99 of those requests' latency in ms (a bucket bound), null without requests. */
  requestP99Ms: number | null;
  /** p99 of the WAL fsyncs since the previous sample in ms (a bucket bound), null without any. */
  fsyncP99Ms: number | null;
  backendBytes: number;
  walBytes: number;
  /** Leader only: entries each follower is behind. */
  lagEntries: Record<string, number>;
}

/** Counts of observations per bucket since the last reset: a p99 without keeping the values. */
class IntervalQuantile {
  private readonly counts = new Array<number>(P99_BUCKETS_MS.length).fill(0);
  total = 0;

  observe(ms: number): void {
    let i = 0;
    while (ms > P99_BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.total++;
  }

  /** The bound of the bucket holding the 99th percentile (null when empty), then empties. */
  takeP99(): number | null {
    if (this.total === 0) return null;
    const rank = Math.ceil(0.99 * this.total);
    let seen = 0;
    let i = 0;
    for (; i < this.counts.length; i++) if ((seen += this.counts[i]!) >= rank) break;
    this.counts.fill(0);
    this.total = 0;
    const bound = P99_BUCKETS_MS[i]!;
    return Number.isFinite(bound) ? bound : P99_BUCKETS_MS[P99_BUCKETS_MS.length - 2]!;
  }
}

/** A fixed ring of the last HISTORY_SAMPLES samples, fed once a second. */
export class HistoryRing {
  private readonly ring: HistorySample[] = [];
  private next = 0;
  private readonly requests = new IntervalQuantile();
  private readonly fsyncs = new IntervalQuantile();
  private last: { t: number; appliedIndex: number } | null = null;

  constructor(private readonly capacity = HISTORY_SAMPLES) {}

  /** A request was answered after `seconds`. */
  observeRequest(seconds: number): void {
    this.requests.observe(seconds * 1000);
  }

  /** A WAL fsync took `seconds`. */
  observeFsync(seconds: number): void {
    this.fsyncs.observe(seconds * 1000);
  }

  /** Takes one sample of `s` at `nowMs`, replacing the oldest once full. */
  sample(s: MetricsSnapshot, nowMs: number): HistorySample {
    const elapsedS = this.last ? Math.max(0.001, (nowMs - this.last.t) / 1000) : HISTORY_INTERVAL_MS / 1000;
    const lagEntries: Record<string, number> = {};
    for (const f of [...s.followers].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, MAX_PEERS_PER_SAMPLE)) lagEntries[f.id] = f.lagEntries;
    const requestCount = this.requests.total;
    const sample: HistorySample = {
      t: nowMs,
      role: s.role,
      appliedIndex: s.appliedIndex,
      // A snapshot install or restart can move the index back: no negative throughput.
      appliedPerSecond: this.last ? Math.max(0, s.appliedIndex - this.last.appliedIndex) / elapsedS : null,
      requestsPerSecond: requestCount / elapsedS,
      requestP99Ms: this.requests.takeP99(),
      fsyncP99Ms: this.fsyncs.takeP99(),
      backendBytes: s.backendBytes,
      walBytes: s.walBytes,
      lagEntries,
    };
    this.last = { t: nowMs, appliedIndex: s.appliedIndex };
    if (this.ring.length < this.capacity) this.ring.push(sample);
    else this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    return sample;
  }

  /** The samples, oldest first. */
  samples(): HistorySample[] {
    return this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  /** The newest sample, if any. */
  latest(): HistorySample | undefined {
    return this.ring.length === 0 ? undefined : this.ring[(this.next - 1 + this.capacity) % this.capacity];
  }
}
