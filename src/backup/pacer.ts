// Pacing of a backup behind the node's foreground work. A backup reads, hashes and sends (or, when
// scheduled, compresses and writes) the whole keyspace; a member whose event loop it delays answers
// its peers and clients late. Before each data message the stream asks the pacer, which lets it go
// at once while the event loop is on time, and otherwise waits, a sample at a time, until the loop
// is on time again: a late loop means this process is not getting the CPU it asks for (the machine
// is busy) or has work queued behind the backup, and either way the backup is the work that can
// wait. Each wait is bounded (`maxPauseMs` per message) so a machine that stays busy slows a
// backup down but never stops it: at least one message per `maxPauseMs` goes out.
// What it is not: the lever for client latency on a shared machine. In `npm run bench:backup` a
// 1 GiB backup from a follower waited 0.7-1.2 s in all (the follower's loop is rarely late: the
// CPU the backup takes hurts the leader and the clients, not the follower's own loop), and client
// put p99 moved within the host's noise; lowering the backup process's priority is what helped
// (src/cli/priority.ts, docs/performance.md). This guards the serving member's own responsiveness.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupPart } from '../client/index.js';

/** How the pacer decides. */
export interface BackupPacing {
  /** The event loop's lasting delay (EventLoopMonitor.delayMs). */
  loopDelayMs: () => number;
  /** The stream waits while the loop runs later than this; 0 turns pacing off. */
  lateMs: number;
  /** How often a waiting stream looks again (one event-loop sample). */
  checkMs: number;
  /** The longest one message waits. */
  maxPauseMs: number;
}

/**
 * Under 16 loops of puts on the busy 2-core bench host, 5% of a follower's samples ran more than
 * 10 ms late, 8% while it also streamed a backup: a waiting stream is the exception, not the rule.
 * 100 ms per message of 256 KiB still moves 2.6 MB/s when the loop stays late throughout.
 */
export const DEFAULT_BACKUP_PACING: Omit<BackupPacing, 'loopDelayMs'> = { lateMs: 10, checkMs: 20, maxPauseMs: 100 };

/** Waits of one backup stream, for its log line. */
export interface PacerStats {
  /** Messages that waited. */
  pauses: number;
  /** Milliseconds they waited, in all. */
  pausedMs: number;
}

/** Holds a backup stream back while the node's event loop is late; see the file comment. */
export class BackupPacer {
  readonly stats: PacerStats = { pauses: 0, pausedMs: 0 };

  constructor(private readonly p: BackupPacing) {}

  /** Resolves when the next message may go: the loop is on time, or this message waited maxPauseMs. Rejects when `signal` aborts. */
  async turn(signal: AbortSignal): Promise<void> {
    if (this.p.lateMs <= 0 || this.p.loopDelayMs() <= this.p.lateMs) return;
    const t0 = performance.now();
    this.stats.pauses++;
    try {
      while (performance.now() - t0 < this.p.maxPauseMs && this.p.loopDelayMs() > this.p.lateMs) {
        // Rejects with an AbortError; the stream reports the signal's reason.
        await sleep(Math.max(1, Math.min(this.p.checkMs, this.p.maxPauseMs - (performance.now() - t0))), undefined, { signal });
      }
    } finally {
      this.stats.pausedMs += performance.now() - t0;
    }
  }
}

/** `parts` with a pacer turn before each data part (the reading, hashing and encoding of the next one wait too). */
export async function* pacedParts(parts: AsyncIterable<BackupPart>, pacer: BackupPacer | null, signal: AbortSignal): AsyncGenerator<BackupPart> {
  for await (const part of parts) {
    if (part.type === 'data') await pacer?.turn(signal);
    yield part;
  }
}
