import type { Envelope } from './sim-node.js';

interface Frozen {
  untilMs: number;
  messages: Envelope[];
  requests: (() => void)[];
}

/** What waited for a node while it was frozen, in the order it is handled on waking. */
export interface Thawed {
  requests: (() => void)[];
  messages: Envelope[];
}

/**
 * Nodes frozen as by SIGSTOP (a GC pause, `docker pause`, a migrated VM): they run nothing —
 * no ticks, no messages, no client requests — while the rest of the cluster, and time, go on.
 * What reaches them waits, as bytes wait in a stopped process's sockets. On waking, the client
 * requests run first (a client connection that turned readable before any peer's is read
 * first), then the peers' messages, and only then the node's next tick: a timer fires after
 * the socket callbacks. That is the order in which a frozen leader used to serve stale reads.
 */
export class Pauses {
  private readonly frozen = new Map<string, Frozen>();

  isFrozen(id: string): boolean {
    return this.frozen.has(id);
  }

  /** Freezes `id` until `untilMs` (the caller schedules the wake-up). */
  freeze(id: string, untilMs: number): void {
    if (!this.frozen.has(id)) this.frozen.set(id, { untilMs, messages: [], requests: [] });
  }

  holdMessage(id: string, env: Envelope): void {
    this.frozen.get(id)?.messages.push(env);
  }

  holdRequest(id: string, run: () => void): void {
    this.frozen.get(id)?.requests.push(run);
  }

  /** Wakes `id` if it is due by `nowMs`; returns what waited for it (null if not frozen or not due). */
  thaw(id: string, nowMs: number): Thawed | null {
    const f = this.frozen.get(id);
    if (!f || f.untilMs > nowMs) return null;
    this.frozen.delete(id);
    return { requests: f.requests, messages: f.messages };
  }

  /** Every frozen node, for waking them all at once. */
  ids(): string[] {
    return [...this.frozen.keys()];
  }

  /** The node crashed while frozen: what waited for it is lost with its sockets. */
  forget(id: string): void {
    this.frozen.delete(id);
  }
}
