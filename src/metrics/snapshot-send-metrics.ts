// Metrics of the snapshots this node sends: bytes streamed to each peer, and the time the node's
// snapshot rate limit (--snapshot-send-max-bytes-per-sec) held them back. The rate of the first
// is a catch-up's speed; a throttle time close to the wall-clock time says the limit, not the
// network or the receiver, is what a learner is waiting for.
import { Counter, type Registry } from 'prom-client';
import { PREFIX } from './snapshot-gauges.js';

/** The snapshot-sending series of one node's registry. */
export class SnapshotSendMetrics {
  private readonly bytes: Counter<'peer'>;
  private readonly throttled: Counter<'peer'>;

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
  }

  /** A data chunk of `bytes` went to `peer` after waiting `waitedMs` for the rate limit. */
  observeChunk(peer: string, bytes: number, waitedMs: number): void {
    this.bytes.inc({ peer }, bytes);
    if (waitedMs > 0) this.throttled.inc({ peer }, waitedMs / 1000);
  }
}
