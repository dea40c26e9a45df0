// A latency histogram in the HDR style: fixed log-linear buckets (64 per power of two, so a
// value is known within 1.6%) over 1 µs .. ~35 min, in one flat array. Histograms from several
// load processes merge exactly by adding their arrays, unlike percentiles, which cannot be
// averaged.

/** Values below this are counted exactly, one bucket each. */
const LINEAR = 128;
/** Buckets per power of two above LINEAR. */
const SUB = 64;
/** Largest value kept (µs); larger ones count as this. */
const MAX_VALUE = 2 ** 31 - 1;
const BUCKETS = LINEAR + 24 * SUB;

/** Bucket index of a value in microseconds. */
function indexOf(us: number): number {
  const v = Math.min(MAX_VALUE, Math.max(0, Math.floor(us)));
  if (v < LINEAR) return v;
  const shift = 31 - Math.clz32(v) - 6; // v >> shift lies in [64, 128)
  return LINEAR + (shift - 1) * SUB + ((v >> shift) - SUB);
}

/** The middle of a bucket's value range (µs). */
function valueOf(index: number): number {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB) + 1;
  const low = ((index - LINEAR) % SUB + SUB) * 2 ** shift;
  return low + (2 ** shift - 1) / 2;
}

/** A histogram as JSON: [bucket, count] pairs of non-empty buckets, plus exact extremes and sum. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
}

/** Latencies in microseconds, mergeable across processes. */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  minUs = Infinity;
  maxUs = 0;

  /** Counts one value (µs). */
  record(us: number): void {
    this.counts[indexOf(us)]! += 1;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds another histogram's counts to this one. */
  merge(other: Histogram | HistogramData): this {
    const o = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, c] of o.buckets) this.counts[i]! += c;
    this.count += o.count;
    this.sumUs += o.sumUs;
    if (o.count > 0) {
      this.minUs = Math.min(this.minUs, o.minUs);
      this.maxUs = Math.max(this.maxUs, o.maxUs);
    }
    return this;
  }

  /** The value (µs) at percentile `p` (0..100); 0 when empty. The exact max for p = 100. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.maxUs;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, valueOf(i)));
    }
    return this.maxUs;
  }

  /** Mean (µs); 0 when empty. */
  mean(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count;
  }

  /** The sparse form, for IPC and JSON. */
  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sumUs: this.sumUs, minUs: this.count ? this.minUs : 0, maxUs: this.maxUs };
  }

  /** A histogram from its sparse form. */
  static from(d: HistogramData): Histogram {
    return new Histogram().merge(d);
  }
}

/** Percentiles in milliseconds, rounded to µs, as reports show them. */
export function latencySummaryMs(h: Histogram): { p50: number; p90: number; p99: number; max: number; mean: number } {
  const ms = (us: number): number => Math.round(us) / 1000;
  return { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.maxUs), mean: ms(h.mean()) };
}
