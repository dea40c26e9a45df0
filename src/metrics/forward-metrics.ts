// Metrics of the paths a follower uses to reach the leader: requests forwarded on the peer
// transport's Raft.Forward stream (how many, in how many messages, refused at the bounds) and
// linearizable reads served on a follower after a read-index round (rounds, reads per round,
// reads waiting, refused). Fed by the node as events happen; the gauges read the node at scrape.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PREFIX } from './snapshot-gauges.js';

/** Where the forwarding gauges read their values at scrape time. */
export interface ForwardGaugeSources {
  /** Forwarded requests awaiting the leader's reply (all peers). */
  inFlight(): number;
  /** Linearizable reads waiting on this follower for a read index or its apply. */
  readsWaiting(): number;
}

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** The forwarding and follower-read series of one node's registry. */
export class ForwardMetrics {
  private readonly requests: Counter<'method'>;
  private readonly batchRequests: Histogram;
  private readonly refused: Counter<'reason'>;
  private readonly rounds: Histogram;
  private readonly readsRefused: Counter;
  private sources: ForwardGaugeSources = { inFlight: () => 0, readsWaiting: () => 0 };

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: `${PREFIX}forward_requests_total`,
      help: 'Follower: requests sent to the leader on the peer Forward stream, by KV method (ReadIndex: read-index rounds).',
      labelNames: ['method'],
      registers,
    });
    this.batchRequests = new Histogram({
      name: `${PREFIX}forward_batch_requests`,
      help: 'Follower: requests per Forward message sent to the leader (a batch).',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.refused = new Counter({
      name: `${PREFIX}forward_refused_total`,
      help: 'Forwarded requests refused at the bounds: full (follower: too many or too many bytes awaiting the leader, UNAVAILABLE), too_large (follower: over the peer message limit, RESOURCE_EXHAUSTED), executing_full (leader: too many executing for one follower, RESOURCE_EXHAUSTED).',
      labelNames: ['reason'],
      registers,
    });
    const sources = (): ForwardGaugeSources => this.sources;
    new Gauge({
      name: `${PREFIX}forward_in_flight`,
      help: 'Follower: forwarded requests awaiting the leader\'s reply.',
      registers,
      collect() {
        this.set(sources().inFlight());
      },
    });
    this.rounds = new Histogram({
      name: `${PREFIX}follower_read_round_reads`,
      help: 'Follower: linearizable reads served by one read-index round (its _count is the rounds).',
      buckets: BATCH_BUCKETS,
      registers,
    });
    new Gauge({
      name: `${PREFIX}follower_reads_waiting`,
      help: 'Follower: linearizable reads waiting for a read index or for this node to apply it.',
      registers,
      collect() {
        this.set(sources().readsWaiting());
      },
    });
    this.readsRefused = new Counter({
      name: `${PREFIX}follower_reads_refused_total`,
      help: 'Follower: linearizable reads refused (UNAVAILABLE) because too many already waited for a read index.',
      registers,
    });
  }

  /** Where the gauges read from (the node, once it exists). */
  bind(sources: ForwardGaugeSources): void {
    this.sources = sources;
  }

  /** A request (or read-index round) went to the leader on the Forward stream. */
  recordForward(method: string): void {
    this.requests.inc({ method });
  }

  /** A Forward message carrying `requests` requests was sent. */
  observeBatch(requests: number): void {
    this.batchRequests.observe(requests);
  }

  /** A forwarded request was refused at a bound. */
  recordForwardRefused(reason: 'full' | 'too_large' | 'executing_full'): void {
    this.refused.inc({ reason });
  }

  /** A read-index round was sent for `reads` reads. */
  observeReadRound(reads: number): void {
    this.rounds.observe(reads);
  }

  /** A linearizable read was refused on this follower. */
  recordFollowerReadRefused(): void {
    this.readsRefused.inc();
  }
}
