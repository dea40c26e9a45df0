// Metrics of the snapshots this node sends: bytes streamed to each peer, and the time the node's
// snapshot rate limit (--snapshot-send-max-bytes-per-sec) held them back. The rate of the first
// is a catch-up's speed; a throttle time close to the wall-clock time says the limit, not the
// network or the receiver, is what a learner is waiting for. The pace in force says whether the
// sends are yielding to client writes (src/node/snapshot-yield.ts).
import { Counter, Gauge, type Registry } from 'prom-client';
import { PREFIX } from './snapshot-gauges.js';

/** The snapshot-sending series of one node's registry. */
export class SnapshotSendMetrics {
  private readonly bytes: Counter<'peer'>;
  private readonly throttled: Counter<'peer'>;
  private readonly pace: Gauge;
  private readonly paceChanges: Counter;
  private readonly paceLifted: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.bytes = new Counter({
      name: `${PREFIX}snapshot_sent_bytes_total`,
      help: 'Snapshot data bytes this node streamed to a peer catching up (the snapshot message itself not counted).',
      labelNames: ['peer'],
      registers,
    });
    this.throttled = new Counter({
      name: `${PREFIX}snapshot_send_throttled_seconds_total`,
      help: 'Time snapshot streams to a peer waited for this node\'s snapshot rate limit (--snapshot-send-max-bytes-per-sec).',
      labelNames: ['peer'],
      registers,
    });
    this.pace = new Gauge({
      name: `${PREFIX}snapshot_send_pace_bytes_per_second`,
      help: 'The rate this node\'s snapshot sends are held to now (0: not held); below the limit while they yield to client writes (--snapshot-send-yield).',
      registers,
    });
    this.paceChanges = new Counter({
      name: `${PREFIX}snapshot_send_pace_changes_total`,
      help: 'Times the pace of snapshot sends changed as client writes slowed down or recovered (--snapshot-send-yield).',
      registers,
    });
    this.paceLifted = new Counter({
      name: `${PREFIX}snapshot_send_pace_lifted_total`,
      help: 'Windows of 200 ms in which a snapshot send was not held back for client writes because the log kept for the learner neared its bound (more yield would cost the learner another snapshot).',
      registers,
    });
  }

  /** A window of a send lifted its pace: the log kept for the learner neared its bound. */
  recordPaceLifted(): void {
    this.paceLifted.inc();
  }

  /** The snapshot pace changed to `bytesPerSec` (0: not held). */
  observeRate(bytesPerSec: number): void {
    this.pace.set(bytesPerSec);
    this.paceChanges.inc();
  }

  /** A data chunk of `bytes` went to `peer` after waiting `waitedMs` for the rate limit. */
  observeChunk(peer: string, bytes: number, waitedMs: number): void {
    this.bytes.inc({ peer }, bytes);
    if (waitedMs > 0) this.throttled.inc({ peer }, waitedMs / 1000);
  }
}
