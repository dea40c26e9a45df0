// What a read on a Pipeline stream reserves while it runs. Its result's size is unknown until
// the value is read, so the reservation is an estimate, and the estimate decides how many reads
// run at once on a stream. Reserving the largest a value may be (1 MiB by default) for each
// read allowed only ~15 reads at once in a 16 MiB stream: the TypeScript client multiplexes all
// of a process's operations on one stream per node, and linearizable Gets, which wait for a
// ReadIndex round, fell from ~31,000/s to ~5,000/s in `raftdb bench` (64 workers, 256 B values).
// Here a read reserves what the stream's reads returned lately (the largest recent result,
// forgotten slowly), but never less than a floor of the stream's bound / MAX_RUNNING_READS: a
// client that warms the estimate with small reads and then asks for large values gets at most
// MAX_RUNNING_READS of them past its bound, so one stream holds at most
// maxStreamBytes + MAX_RUNNING_READS x (the largest read result), whatever it sends.

/** Reads that may run at once on one stream whose recent reads were small (the floor's divisor). */
export const MAX_RUNNING_READS = 64;

/** The bytes one read reserves on one stream, from what that stream's reads returned lately. */
export class ReadReserve {
  private estimateBytes: number;
  private readonly floorBytes: number;

  /**
   * @param maxStreamBytes the stream's bound (--max-stream-bytes)
   * @param maxResultBytes the largest a single value's result may be (key + value limits): the
   *   estimate until the stream has read anything
   */
  constructor(maxStreamBytes: number, maxResultBytes: number) {
    this.floorBytes = Math.ceil(maxStreamBytes / MAX_RUNNING_READS);
    this.estimateBytes = maxResultBytes;
  }

  /** What the next read reserves now. */
  get bytes(): number {
    return Math.max(this.floorBytes, this.estimateBytes);
  }

  /** Records a read's result size: a larger one counts at once, smaller ones lower it by an eighth each. */
  observe(resultBytes: number): void {
    this.estimateBytes = Math.max(resultBytes, this.estimateBytes - this.estimateBytes / 8);
  }
}
