// What every load of bench:vs-etcd measures the same way: a warm-up, then a window in which
// finished operations are counted and timed and the servers' and this process's CPU is read,
// then the loops are told to stop.
import { Histogram, latencySummaryMs } from '../histogram.js';
import type { UnaryLoadResult } from './unary-load.js';

/** One cell's window; the load's loops call `record` after each operation and end once `stopping`. */
export class MeasuredWindow {
  private readonly hist = new Histogram();
  private measuring = false;
  private ops = 0;
  private errors = 0;
  private firstError: string | null = null;
  /** Set when the window is over: the loops finish their operation and end. */
  stopping = false;

  /** Counts an operation started at `t0` (performance.now()) that just finished, if inside the window. */
  record(t0: number, err: Error | null): void {
    if (!this.measuring) return;
    if (err) {
      this.errors++;
      this.firstError ??= err.message;
    } else {
      this.ops++;
      this.hist.record((performance.now() - t0) * 1000);
    }
  }

  /** Waits out the warm-up and the window over the running `loops`, stops them, and returns the figures. */
  async run(warmupS: number, measureS: number, loops: Promise<void>[], serverCpu: () => number[]): Promise<UnaryLoadResult> {
    await sleep(warmupS * 1000);
    const cpu0 = serverCpu();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    this.measuring = true;
    await sleep(measureS * 1000);
    this.measuring = false;
    const elapsedS = (performance.now() - t0) / 1000;
    const perServerS = serverCpu().map((s, i) => s - cpu0[i]!);
    const serverCpuS = perServerS.reduce((a, b) => a + b, 0);
    const self = process.cpuUsage(self0);
    this.stopping = true;
    await Promise.all(loops);
    const ops = this.ops;
    return {
      ops,
      errors: this.errors,
      opsPerSec: ops / elapsedS,
      latencyMs: latencySummaryMs(this.hist),
      serverCpuUsPerOp: ops > 0 ? (serverCpuS * 1e6) / ops : 0,
      serverCpuUsPerOpEach: perServerS.map((s) => (ops > 0 ? (s * 1e6) / ops : 0)),
      clientCpuUsPerOp: ops > 0 ? (self.user + self.system) / ops : 0,
      firstError: this.firstError,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
