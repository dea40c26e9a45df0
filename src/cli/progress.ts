// A byte-progress bar for long transfers (backup create, verify, restore): bytes done, rate and
// ETA, on stderr, only when stderr is a terminal and no --json was asked for (scripts and logs
// get the final summary only). Without a known total it shows bytes and rate, no ETA.
import { SingleBar } from 'cli-progress';
import { formatBytes } from '../metrics/health.js';

/** A bar being shown (or a no-op when there is no terminal). */
export interface ByteProgress {
  /** `done` bytes so far; `total` when it became known or changed. */
  update(done: number, total?: number): void;
  stop(): void;
}

const NONE: ByteProgress = { update: () => {}, stop: () => {} };

/** Starts a bar labelled `label` when stderr is a terminal and `quiet` is false. */
export function byteProgress(label: string, total: number, quiet: boolean): ByteProgress {
  if (quiet || !process.stderr.isTTY) return NONE;
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {done} of {total_h} | {rate}/s | ETA {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  const t0 = performance.now();
  let max = Math.max(1, total);
  bar.start(max, 0, { done: formatBytes(0), total_h: total > 0 ? `~${formatBytes(total)}` : '?', rate: formatBytes(0) });
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal > 0) max = newTotal;
      // An estimate that turns out low grows with the data: the bar never passes 100 %.
      if (done > max) max = Math.ceil(done * 1.05);
      bar.setTotal(max);
      const s = (performance.now() - t0) / 1000;
      bar.update(done, { done: formatBytes(done), total_h: `~${formatBytes(max)}`, rate: formatBytes(s > 0 ? done / s : 0) });
    },
    stop: () => bar.stop(),
  };
}
