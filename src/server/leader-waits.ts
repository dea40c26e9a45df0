// Requests that reach a node while it knows no leader (an election or a leadership transfer in
// progress) wait here until one is known, so a client that does not retry sees a pause instead of
// an UNAVAILABLE. The wait is bounded in time (the caller's), in requests and in bytes: without a
// leader for long, a flood of requests must not hold the node's memory.
import * as grpc from '@grpc/grpc-js';
import { systemTimers, type TimerHandle, type Timers } from '../common/timers.js';
import { RequestError } from './errors.js';

/** Bounds of the requests waiting for a leader at one node. */
export interface LeaderWaitLimits {
  maxRequests: number;
  maxBytes: number;
}

/** Default bounds: a few thousand clients' worth of requests, and at most 64 MiB of them. */
export const DEFAULT_LEADER_WAIT_LIMITS: LeaderWaitLimits = { maxRequests: 4096, maxBytes: 64 * 1024 * 1024 };

interface Waiter {
  bytes: number;
  timer: TimerHandle;
  resolve(leader: string | null): void;
}

/** The requests waiting for a leader; `leaderKnown` wakes them all. */
export class LeaderWaits {
  private readonly waiters = new Set<Waiter>();
  private bytesWaiting = 0;

  constructor(
    private readonly limits: LeaderWaitLimits,
    private readonly currentLeader: () => string | null,
    /** Called for each request refused because the bounds were reached (a metric). */
    private readonly onRefused: () => void = () => {},
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Requests waiting now. */
  get size(): number {
    return this.waiters.size;
  }

  /** Bytes of the requests waiting now (as estimated by the callers). */
  get bytes(): number {
    return this.bytesWaiting;
  }

  /**
   * Resolves with the leader once one is known, or with null after `ms`. Refuses at once with
   * UNAVAILABLE (and a retry hint) when `requestBytes` more would pass the bounds.
   */
  wait(ms: number, requestBytes: number, self: string): Promise<string | null> {
    const known = this.currentLeader();
    if (known || ms <= 0) return Promise.resolve(known);
    if (this.waiters.size >= this.limits.maxRequests || this.bytesWaiting + requestBytes > this.limits.maxBytes) {
      this.onRefused();
      return Promise.reject(
        new RequestError(
          grpc.status.UNAVAILABLE,
          `no leader is known to ${self} and ${this.waiters.size} requests (${this.bytesWaiting} bytes) already wait for one; retry in ${ms} ms`,
        ),
      );
    }
    return new Promise((resolve) => {
      const w: Waiter = {
        bytes: requestBytes,
        timer: this.timers.setTimeout(() => this.settle(w, this.currentLeader()), ms),
        resolve,
      };
      this.waiters.add(w);
      this.bytesWaiting += requestBytes;
    });
  }

  /** A leader became known: every waiting request goes on. */
  leaderKnown(leader: string): void {
    for (const w of [...this.waiters]) this.settle(w, leader);
  }

  private settle(w: Waiter, leader: string | null): void {
    if (!this.waiters.delete(w)) return;
    this.timers.clear(w.timer);
    this.bytesWaiting -= w.bytes;
    w.resolve(leader);
  }
}
