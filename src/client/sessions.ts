// Request ids for at-most-once writes. The server's dedupe table keeps only the last sequence
// number of each client id (Raft dissertation §6.3): a request with a lower seq than one already
// applied is refused as stale. Two concurrent writes under one id could therefore reject each
// other, so a client owns a few sessions ("<clientId>/<n>"), each with at most one write in
// flight, and a write waits for a free session. A seq is assigned once per logical write and
// reused by all its retries.
//
// Seqs start at the wall clock in microseconds rather than at 1, so that a process restarted
// with the same clientId keeps counting upwards: a reused low seq would be answered with the
// recorded result of an older write (a duplicate) and silently not applied.
import { status } from '@grpc/grpc-js';
import { RaftdbError } from './errors.js';
import type { WireRequestId } from './wire.js';

/** Writes allowed to queue for a session; more fail at once (RESOURCE_EXHAUSTED). */
export const MAX_QUEUED_WRITES = 10_000;

/** One session, held by one write at a time. */
export interface WriteSession {
  /** The next request id of this session; call once per logical write. */
  nextId(): WireRequestId;
}

class Session implements WriteSession {
  private seq: number;
  constructor(readonly clientId: string) {
    this.seq = Date.now() * 1000;
  }
  nextId(): WireRequestId {
    this.seq += 1;
    return { clientId: this.clientId, seq: this.seq };
  }
}

interface Waiter {
  resolve(s: Session): void;
  reject(e: RaftdbError): void;
  timer: NodeJS.Timeout;
}

/** The sessions of one client. */
export class WriteSessions {
  private readonly free: Session[] = [];
  private created = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly clientId: string,
    private readonly maxSessions: number,
  ) {}

  /** Takes a free session, waiting for one until `deadlineMs` (epoch ms). */
  acquire(deadlineMs: number): Promise<WriteSession> {
    const s = this.free.pop() ?? (this.created < this.maxSessions ? new Session(`${this.clientId}/${this.created++}`) : null);
    if (s) return Promise.resolve(s);
    if (this.waiters.length >= MAX_QUEUED_WRITES) {
      return Promise.reject(new RaftdbError(status.RESOURCE_EXHAUSTED, `more than ${MAX_QUEUED_WRITES} writes queued`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new RaftdbError(status.DEADLINE_EXCEEDED, 'timed out waiting for a free write session'));
        }, Math.max(0, deadlineMs - Date.now())),
      };
      this.waiters.push(waiter);
    });
  }

  /** Returns a session once its write has finished, one way or the other. */
  release(session: WriteSession): void {
    const s = session as Session;
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.free.push(s);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(s);
  }

  /** Fails every queued write (the client is closing). */
  close(): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new RaftdbError(status.CANCELLED, 'client is closed'));
    }
  }
}
